#!/bin/sh
# Per-route pauses: a password refused (535) for one account pauses that
# route alone. Its mail is kept; the other account's mail keeps flowing,
# and so does conf/'s; once the password is fixed, the route's probe
# gets through and its mail goes. Without routes the whole queue pauses
# (0410, 0405): that is unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 10

make_certs
REMOTE=smarthost-remote
UPSTREAM_CAFILE=$T/certs/ca.pem
PAUSE_PROBE=1
export REMOTE UPSTREAM_CAFILE PAUSE_PROBE
printf 'wrong-a-5521\n' > "$T/pass-a"; printf 'secret-b-5522\n' > "$T/pass-b"; printf 'secret-c-5523\n' > "$T/pass-c"
chmod 600 "$T"/pass-?
tls="--cert $T/certs/server.pem --key $T/certs/server.key --require-auth"
start_upstream A $tls --auth-user alice@isp-a.test --auth-pass secret-a-5521 --own-sender; PA=$PORT
start_upstream B $tls --auth-user office@isp-b.test --auth-pass secret-b-5522 --own-sender; PB=$PORT
start_upstream C $tls --auth-user relay --auth-pass secret-c-5523; PC=$PORT
UPSTREAM=localhost:$PC UPSTREAM_USER=relay UPSTREAM_PASSFILE=$T/pass-c
export UPSTREAM UPSTREAM_USER UPSTREAM_PASSFILE
cat > "$T/routes" <<EOR
alice@isp-a.test  localhost:$PA    user=alice@isp-a.test passfile=$T/pass-a
@office.test      localhost:$PB    user=office@isp-b.test passfile=$T/pass-b rewrite=office@isp-b.test
EOR
ROUTES=$T/routes; export ROUTES
start_send
at() { sh -c "grep -qE '$2' '$T/$1'/*.env" 2>/dev/null; }

inject alice@isp-a.test a1@dest.test
ok "a 535 pauses alice's route" wait_for 20 grep -q 'route of line 1: queue paused, mail is kept: the upstream refused our authentication' "$T/log"
ok "the status shows the pause, naming the route" wait_for 10 sh -c "grep -q '^paused	1' '$Q/status' && grep -q '^pause_reason	route of line 1: the upstream refused' '$Q/status'"
inject alice@isp-a.test a2@dest.test
inject bob@office.test b1@dest.test
inject carol@elsewhere.test c1@dest.test
ok "the office route still delivers" wait_for 20 at B '^T b1@dest.test'
ok "and so does conf/'s" wait_for 20 at C '^T c1@dest.test'
sleep 2
ok "alice's mail is kept, not bounced" sh -c "! ls '$T'/A/*.env >/dev/null 2>&1 && ! grep -q 'bounce queued' '$T/log'"
unlike "no other route paused" "$(cat "$T/log")" 'route of (line 2|conf/): queue paused'

printf 'secret-a-5521\n' > "$T/pass-a"
ok "with the password fixed, alice's route resumes" wait_for 30 grep -q 'route of line 1: upstream works again' "$T/log"
ok "and both of her messages go" wait_for 20 sh -c "grep -q '^T a1@dest.test' '$T'/A/*.env && grep -q '^T a2@dest.test' '$T'/A/*.env"
ok "the status shows no pause" wait_for 10 grep -q '^paused	0' "$Q/status"
unlike "no password in the log" "$(cat "$T/log")" '(secret|wrong)-[abc]-552'
