#!/bin/sh
# A route whose account logs in with an OAuth2 token kept in a file
# (tokenfile=, UPSTREAM_TOKENFILE): XOAUTH2 and OAUTHBEARER with the
# file's first line; the file is held to the password file's rules; a
# refused token is class auth; conf/'s token command is not the route's.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 8

make_certs
UPSTREAM_CAFILE=$T/certs/ca.pem; export UPSTREAM_CAFILE
unset UPSTREAM_MECH UPSTREAM_REWRITE UPSTREAM_ROUTE UPSTREAM_PASSFILE UPSTREAM_TOKENFILE QUEUE
start_upstream T --cert "$T/certs/server.pem" --key "$T/certs/server.key" --require-auth \
  --auth-user box@isp-t.test --auth-token tok-9931 --mechs 'XOAUTH2 OAUTHBEARER'
PT=$PORT
printf 'tok-9931\nexpires 2099-01-01\n' > "$T/token"; chmod 600 "$T/token"
# conf/ has a token command that must not be used by the route
UPSTREAM=localhost:1 UPSTREAM_USER=relay UPSTREAM_TOKENCMD="echo conf-token-7; touch $T/tokencmd-ran"
export UPSTREAM UPSTREAM_USER UPSTREAM_TOKENCMD
for mech in XOAUTH2 OAUTHBEARER; do
  printf '* localhost:%s user=box@isp-t.test tokenfile=%s mech=%s\n' "$PT" "$T/token" "$mech" > "$T/routes"
  out=$(ROUTES=$T/routes smarthost-remote --check 2>&1); rc=$?
  is "$mech with the token file's first line: --check ok" "$rc:$(printf '%s\n' "$out" | tail -1)" "0:ok: the upstream accepts our session"
done
like "the upstream saw the route's account" "$(cat "$T/T/log")" "auth ok (XOAUTH2|OAUTHBEARER) box@isp-t.test"
ok "conf/'s token command was not run" test ! -e "$T/tokencmd-ran"
unlike "the token is not in the output" "$out" 'tok-9931'

chmod 644 "$T/token"
out=$(ROUTES=$T/routes smarthost-remote --check 2>&1); rc=$?
like "a token file others can read is refused" "$out" "fail: config: UPSTREAM_TOKENFILE $T/token is readable by its group or others"
chmod 600 "$T/token"
printf 'tok-stale\n' > "$T/token"
out=$(ROUTES=$T/routes smarthost-remote --check 2>&1); rc=$?
like "a refused token is class auth" "$out" '^fail: auth: '
is "and permanent for --check" "$rc" 100
