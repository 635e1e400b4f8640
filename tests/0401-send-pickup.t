#!/bin/sh
# smarthost-send: the trigger wakes it, new/ moves to cur/, delivered mail
# leaves no file behind, workers are reused, a rescan finds what the
# trigger missed, SIGTERM ends it cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 12

RESCAN=2; export RESCAN
start_send
wait_for 10 grep -q 'started: 0 messages' "$T/log"
ok "started on an empty spool" grep -q 'started: 0 messages queued' "$T/log"

inject alice@example.org ok-bob@example.net
ok "a new message is delivered at once" wait_for 10 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') = 1 ]"
ok "and leaves nothing in the spool" wait_for 10 queue_empty
like "one log line per recipient, with the upstream, TLS, AUTH, code and latency" \
  "$(grep 'ok-bob' "$T/log")" 'info: [0-9.]+ <ok-bob@example.net> upstream=fake.upstream:587 tls=TLSv1.3 auth=PLAIN: delivered 250 2.0.0 Ok: queued \([0-9]+ ms\)'

i=0
while [ $i -lt 30 ]; do inject alice@example.org ok-r$i@example.net; i=$((i+1)); done
ok "30 more are delivered" wait_for 20 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') = 31 ]"
ok "each exactly once" sh -c "[ \$(sort -u '$FAKE_DIR/delivered' | wc -l) = 31 ]"
workers=$(sort -u "$FAKE_DIR/jobs" | wc -l)
ok "workers are reused: at most CONCURRENCY (4) for 31 jobs (got $workers)" [ "$workers" -le 4 ]

# A file that arrives without a byte on the trigger is found by the rescan.
id=1700000000.000000001.0000000001
printf 'F alice@example.org\nT ok-silent@example.net\n\nSubject: x\n\nbody\n' > "$Q/new/$id"
ok "a message without a trigger byte is found by the rescan (RESCAN=2)" \
  wait_for 10 grep -q "^$id ok-silent@example.net" "$FAKE_DIR/delivered"

# Idle: nothing to do means no busy polling. Over 2 s the process uses
# (next to) no CPU time: utime+stime stays under 10 ticks.
sleep 0.2
t0=$(awk '{print $14+$15}' /proc/$SEND_PID/stat)
sleep 2
t1=$(awk '{print $14+$15}' /proc/$SEND_PID/stat)
ok "idle, it sleeps (CPU ticks over 2 s: $((t1 - t0)))" [ $((t1 - t0)) -lt 10 ]

ok "SIGTERM: it exits 0" stop_send
ok "and says so" grep -q 'info: stopped' "$T/log"
unlike "no warning in the whole run" "$(cat "$T/log")" 'warning|fatal'
