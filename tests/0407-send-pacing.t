#!/bin/sh
# smarthost-send: pacing. With RATE_MINUTE=3, five messages: three go, the
# other two wait in cur/ (not bounced, not failed) for the next minute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 4

RATE_MINUTE=3; export RATE_MINUTE
for i in 1 2 3 4 5; do inject alice@example.org ok-p$i@example.net; done
start_send
ok "three messages go" wait_for 10 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') = 3 ]"
sleep 2
is "the limit holds: still three" "$(grep -c . "$FAKE_DIR/delivered")" 3
is "the other two wait in cur/" "$(ls "$Q/cur" | wc -l)" 2
unlike "nothing failed, bounced or warned" "$(cat "$T/log")" 'warning|bounce|: failed'
stop_send
