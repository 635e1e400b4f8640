#!/bin/sh
# An upstream that allows two connections from us (Exim's
# smtp_accept_max_per_host = 2) answers the sessions beyond with "421 Too
# many concurrent SMTP connections". With CONCURRENCY=4: the session limit
# drops to 2, the two working sessions carry every message, the whole
# queue is never held, and the limit shows in queue/status, METRICS_FILE
# and smarthost-status. Then an upstream that throttles everyone with a
# plain 421 still holds the queue, as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 12

make_certs
REMOTE=smarthost-remote CONCURRENCY=4 RETRY=60 METRICS_FILE=$T/metrics
UPSTREAM_CAFILE=$T/certs/ca.pem
export REMOTE CONCURRENCY RETRY METRICS_FILE UPSTREAM_CAFILE
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" --max-conn 2
UPSTREAM=localhost:$PORT; export UPSTREAM

N=16
i=0
while [ $i -lt $N ]; do inject alice@example.org "r$i@example.net"; i=$((i + 1)); done
start_send

stored() { ls "$T"/up/*.env 2>/dev/null | wc -l; }
ok "all $N messages reach the upstream" wait_for 60 sh -c "[ \$(ls '$T'/up/*.env 2>/dev/null | wc -l) -ge $N ]"
is "each once" "$(cat "$T"/up/*.env | grep -c '^T r')" "$N"
ok "the upstream did refuse sessions beyond two" grep -q '^toomany' "$T/up/log"
ok "the scheduler lowered its session limit" grep -q 'upstream refused a session as too many: at most [12] sessions at once' "$T/log"
unlike "and never held the whole queue" "$(cat "$T/log")" 'whole queue waits|queue paused'
ok "the queue is empty" wait_for 20 queue_empty
ok "queue/status shows the limit" wait_for 10 grep -qx 'session_limit	[12]' "$Q/status"
like "and CONCURRENCY beside it" "$(cat "$Q/status")" 'concurrency	4'
ok "METRICS_FILE too" wait_for 10 grep -qx 'smarthost_upstream_session_limit [12]' "$T/metrics"
like "smarthost-status says why" "$(smarthost-status "$Q")" 'sessions: +at most [12] at once \(CONCURRENCY 4\): the upstream refused more as too many connections'
stop_send

# A 421 that does not name connections: the queue is held, as before.
start_upstream plain --refuse '421 4.7.0 upstream.test Try again later, closing connection.'
UPSTREAM=127.0.0.1:$PORT UPSTREAM_TLS=none; export UPSTREAM UPSTREAM_TLS
inject alice@example.org held@example.net
: > "$T/log"
start_send
ok "a plain 421 still holds the whole queue" wait_for 30 grep -q 'upstream throttles us (421 .*Try again later.*): whole queue waits 60 s' "$T/log"
unlike "and the session limit is not touched" "$(cat "$T/log")" 'refused a session as too many'
stop_send
