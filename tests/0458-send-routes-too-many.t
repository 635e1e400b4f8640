#!/bin/sh
# The session limit is per route: route A's upstream allows one
# connection from us (Exim's smtp_accept_max_per_host = 1) and answers
# more with "421 Too many concurrent SMTP connections"; route B's has no
# cap. With CONCURRENCY=4 and messages queued for both: A's limit drops,
# B's stays at 4, every message reaches its upstream, no route pauses,
# and queue/status, METRICS_FILE and smarthost-status show each route's
# own limit. A's upstream is slow to answer the final dot: the limit
# drops only for a refusal while another of A's sessions is at work, and
# without the delay, on a slow or loaded machine, A's first session could
# be idle or gone before the second one came (seen under valgrind).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 11

REMOTE=smarthost-remote CONCURRENCY=4 RETRY=60 METRICS_FILE=$T/metrics UPSTREAM_TLS=none
export REMOTE CONCURRENCY RETRY METRICS_FILE UPSTREAM_TLS
unset UPSTREAM UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD
start_upstream A --max-conn 1 --data-delay 1.5; PA=$PORT
start_upstream B; PB=$PORT
cat > "$T/routes" <<EOR
alice@a.test  localhost:$PA  tls=none
*             localhost:$PB  tls=none
EOR
ROUTES=$T/routes; export ROUTES

N=12
i=0
while [ $i -lt $N ]; do
  inject alice@a.test "a$i@dest.test"
  inject carl@b.test "b$i@dest.test"
  i=$((i + 1))
done
start_send

count() { cat "$T/$1"/*.env 2>/dev/null | grep -c "^T $2"; }
ok "all of A's messages reach A" wait_for 90 sh -c "[ \$(cat '$T'/A/*.env 2>/dev/null | grep -c '^T a') -ge $N ]"
ok "all of B's reach B" wait_for 60 sh -c "[ \$(cat '$T'/B/*.env 2>/dev/null | grep -c '^T b') -ge $N ]"
is "each once" "$(count A a):$(count B b)" "$N:$N"
ok "A did refuse sessions beyond one" grep -q '^toomany' "$T/A/log"
ok "A's route lowered its own limit" grep -q 'route of line 1: upstream refused a session as too many: at most [123] sessions at once' "$T/log"
unlike "B's route did not" "$(cat "$T/log")" 'route of line 2: upstream refused a session'
# A 421 that comes when none of A's other sessions is up (the upstream
# has not yet seen the last one close, as under load) is an ordinary
# hold of a few seconds, not a pause: only a pause is an error here.
unlike "no route paused" "$(cat "$T/log")" 'queue paused'
ok "queue/status: A's limit below 4, B's 4" wait_for 10 sh -c \
  "grep -qx 'route.1.session_limit	[123]' '$Q/status' && grep -qx 'route.2.session_limit	4' '$Q/status'"
ok "METRICS_FILE: a limit per route" wait_for 10 sh -c \
  "grep -qx 'smarthost_route_upstream_session_limit{route=\"line 1\",upstream=\"localhost:$PA\"} [123]' '$T/metrics' \
  && grep -qx 'smarthost_route_upstream_session_limit{route=\"line 2\",upstream=\"localhost:$PB\"} 4' '$T/metrics'"
out=$(smarthost-status "$T" 2>&1)
like "smarthost-status: A's route limited, and why" "$(printf '%s\n' "$out" | grep -A3 '^route line 1 ')" \
  'sessions:   at most [123] at once: the upstream refused more as too many connections'
like "B's route at CONCURRENCY" "$(printf '%s\n' "$out" | grep -A3 '^route line 2 ')" 'sessions:   at most 4 at once$'
stop_send
