#!/bin/sh
# Expiry during a pause: while the smarthost is broken (AUTH refused) no
# message ages into a bounce, even one past LIFETIME; probes go out and
# fail without counting. Once the upstream works, the message gets its
# real attempt and is delivered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 6

LIFETIME=0; export LIFETIME
touch "$FAKE_DIR/authfail"
inject alice@example.org ok-late@example.net
id=$(ls "$Q/new")
start_send
ok "AUTH refused: the queue pauses" wait_for 10 grep -q 'queue paused, mail is kept' "$T/log"
ok "probes go out and fail" wait_for 30 sh -c '[ "$(wc -l < "$1")" -ge 3 ]' x "$FAKE_DIR/jobs"
ok "the message, past LIFETIME, is kept" [ -e "$Q/cur/$id" ]
unlike "and neither expired nor bounced" "$(cat "$T/log")" 'expired|bounce queued'
rm -f "$FAKE_DIR/authfail"
ok "the upstream works again: delivered" wait_for 20 grep -q "^$id ok-late@example.net" "$FAKE_DIR/delivered"
unlike "still no bounce" "$(cat "$T/log")" 'expired|bounce queued'
stop_send
