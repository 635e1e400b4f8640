#!/bin/sh
# smarthost-send: the smarthost is broken, not the message. An AUTH failure
# pauses the whole queue with one log line saying what to fix; mail is kept,
# never bounced; a probe retries on the schedule; on recovery everything
# flows. A run of network failures pauses too; 421 backs the queue off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 15

pause_by_auth ok-a@example.net ok-b@example.net ok-c@example.net
like "one clear line: what is wrong, what to fix" "$(grep 'queue paused' "$T/log")" \
  'warning: queue paused, mail is kept: the upstream refused our authentication: check UPSTREAM_USER and the password in UPSTREAM_PASSFILE.*535 5.7.8'
n0=$(wc -l < "$FAKE_DIR/jobs")
sleep 3
n1=$(wc -l < "$FAKE_DIR/jobs")
ok "probes go on while paused ($n0 then $n1 jobs)" [ "$n1" -gt "$n0" ]
ok "one probe at a time, on the schedule, not a flood" [ "$n1" -le 8 ]
is "still one pause line after several probes" "$(grep -c 'queue paused' "$T/log")" 1
is "all three messages kept" "$(ls "$Q/cur" | wc -l)" 3
unlike "nothing failed or bounced" "$(cat "$T/log")" ': failed [0-9]|bounce'
rm "$FAKE_DIR/authfail"
ok "on recovery everything flows" wait_for 15 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') = 3 ]"
ok "and the queue empties" wait_for 10 queue_empty
ok "the resumption is logged" grep -q 'info: upstream works again: queue resumed' "$T/log"
stop_send

# Network failures: a run of them pauses the queue.
: > "$T/log"
start_send
inject alice@example.org net@example.net
ok "a run of network failures pauses the queue" wait_for 15 grep -q 'queue paused, mail is kept: no upstream is reachable' "$T/log"
inject alice@example.org ok-d@example.net
ok "a probe that gets through resumes it" wait_for 15 grep -q 'queue resumed' "$T/log"
ok "and delivers" wait_for 10 grep -q ' ok-d@example.net$' "$FAKE_DIR/delivered"
stop_send
rm -f "$Q"/cur/* "$Q"/state/*

# 421: the whole queue backs off, the message is kept.
: > "$T/log"
start_send
inject alice@example.org throttle@example.net
ok "421 backs the whole queue off" wait_for 10 grep -q 'warning: upstream throttles us (421 4.7.0 Too many connections): whole queue waits 1 s' "$T/log"
ok "the message is kept, not bounced" sh -c "ls '$Q/cur' | grep -q . && ! grep -q bounce '$T/log'"
stop_send
