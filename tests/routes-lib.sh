# routes-lib.sh: the three upstreams and the routes file of the tests of
# per-sender routes (tests/0340-remote-routes-check.t, tests/045x-send-routes*.t),
# sourced after lib.sh and tests/peers/remote.sh.
#
#   routes_setup N WRONG [BOPT...]
#       test certificates (UPSTREAM_CAFILE) and three aiosmtpd upstreams
#       that require STARTTLS and AUTH: A (PA) for alice@isp-a.test and B
#       (PB) for office@isp-b.test, both refusing a sender that is not the
#       account's own, B given BOPTs too; C (PC) for relay, conf/'s
#       upstream (UPSTREAM, UPSTREAM_USER, UPSTREAM_PASSFILE exported).
#       Account X's password is secret-X-NK (K 1 for a, 2 for b, 3 for c),
#       in $T/pass-X (mode 600), except that the file of the account named
#       by WRONG (a, b or "" for none) holds wrong-X-NK. $T/routes sends
#       alice@isp-a.test by A and @office.test by B rewritten to the office
#       account, on lines 1 and 2 (ROUTES exported).

routes_setup()
{
  _n=$1 _wrong=$2; shift 2
  make_certs
  UPSTREAM_CAFILE=$T/certs/ca.pem; export UPSTREAM_CAFILE
  for _x in a:1 b:2 c:3; do
    _p=secret; [ "${_x%:*}" = "$_wrong" ] && _p=wrong
    printf '%s-%s-%s%s\n' "$_p" "${_x%:*}" "$_n" "${_x#*:}" > "$T/pass-${_x%:*}"
  done
  chmod 600 "$T"/pass-?
  _tls="--cert $T/certs/server.pem --key $T/certs/server.key --require-auth"
  start_upstream A $_tls --auth-user alice@isp-a.test --auth-pass "secret-a-${_n}1" --own-sender; PA=$PORT
  start_upstream B $_tls --auth-user office@isp-b.test --auth-pass "secret-b-${_n}2" --own-sender "$@"; PB=$PORT
  start_upstream C $_tls --auth-user relay --auth-pass "secret-c-${_n}3"; PC=$PORT
  UPSTREAM=localhost:$PC UPSTREAM_USER=relay UPSTREAM_PASSFILE=$T/pass-c
  export UPSTREAM UPSTREAM_USER UPSTREAM_PASSFILE
  cat > "$T/routes" <<EOR
alice@isp-a.test  localhost:$PA    user=alice@isp-a.test passfile=$T/pass-a
@office.test      localhost:$PB    user=office@isp-b.test passfile=$T/pass-b rewrite=office@isp-b.test
EOR
  ROUTES=$T/routes; export ROUTES
}
