#!/bin/sh
# Per-route pauses: a password refused (535) for one account pauses that
# route alone. Its mail is kept; the other account's mail keeps flowing,
# and so does conf/'s; once the password is fixed, the route's probe
# gets through and its mail goes. Without routes the whole queue pauses
# (0410, 0405): that is unchanged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$(dirname "$0")/routes-lib.sh"
plan 10

REMOTE=smarthost-remote
PAUSE_PROBE=1
export REMOTE PAUSE_PROBE
routes_setup 552 a
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
