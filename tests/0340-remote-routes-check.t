#!/bin/sh
# smarthost-remote with ROUTES: --check proves every route a sender can
# take (each with its own upstream and account), exits with the worst
# outcome, and names the route that fails; a message sent by hand takes
# its sender's route, rewritten to the route's account; a bad rules file
# or a password file others can read is refused with a clear reason.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$(dirname "$0")/routes-lib.sh"
plan 17

unset UPSTREAM_TOKENCMD UPSTREAM_MECH UPSTREAM_REWRITE UPSTREAM_ROUTE QUEUE
routes_setup 884 b
echo '*                 default' >> "$T/routes"

# verdict TITLE: the ok/fail line that follows the route's title in $out
verdict() { printf '%s\n' "$out" | awk -v t="$1" '$0 == t { f = 1; next } f && /^(ok|fail): / { print; exit }'; }
out=$(smarthost-remote --check 2>&1); rc=$?
is "one route refused: --check exits 100" "$rc" 100
is "it checks alice's route, and A accepts it" "$(verdict 'route: line 1: alice@isp-a.test')" 'ok: the upstream accepts our session'
like "the office route fails on its own account" "$(verdict 'route: line 2: @office.test')" '^fail: auth: .*535'
like "conf/'s route is checked for everyone else" "$(verdict 'route: conf/: * (and every sender not named)')" '^ok: '
is "three routes, three verdicts" "$(printf '%s\n' "$out" | grep -cE '^(ok|fail): ')" 3
ok "each route logs in to its own upstream" sh -c "grep -qE 'auth ok (PLAIN|LOGIN) alice@isp-a.test' '$T/A/log' && grep -qE 'auth ok (PLAIN|LOGIN) relay' '$T/C/log' && grep -qE 'auth fail (PLAIN|LOGIN) office@isp-b.test' '$T/B/log'"
unlike "no password in the output" "$out" '(secret|wrong)-[abc]-88'

printf 'secret-b-8842\n' > "$T/pass-b"
out=$(smarthost-remote --check 2>&1); rc=$?
is "every route works: --check exits 0" "$rc" 0
is "three times ok" "$(printf '%s\n' "$out" | grep -c '^ok: ')" 3

# By hand: the sender's route, the account's address.
printf 'From: Bob <bob@office.test>\nSubject: by hand\n\nhi\n' > "$T/msg"
smarthost-remote -f bob@office.test r@dest.test < "$T/msg" 2>"$T/err"
is "a message by hand is delivered" "$?" 0
ok "through B, as the office account" grep -qx 'F office@isp-b.test' "$T"/B/1.env
like "From: too" "$(tr -d '\r' < "$T/B/1.msg")" 'From: Bob <office@isp-b.test>'

chmod 640 "$T/pass-a"
out=$(smarthost-remote --check 2>&1); rc=$?
like "a route's password file readable by its group is refused, named" "$out" "fail: config: UPSTREAM_PASSFILE $T/pass-a is readable by its group or others"
is "and that cannot fix itself: 100" "$rc" 100
chmod 600 "$T/pass-a"

printf 'alice@isp-a.test localhost:%s user=alice passfile=%s\nbob@office.test localhost:%s password=hunter2\n' "$PA" "$T/pass-a" "$PB" > "$T/routes"
out=$(smarthost-remote --check 2>&1); rc=$?
is "a bad rules file: 100" "$rc" 100
like "the reason names the file and the line" "$out" "smarthost-remote: fatal: $T/routes line 2: a secret never goes in the routes file"
unlike "without the secret" "$out" hunter2
