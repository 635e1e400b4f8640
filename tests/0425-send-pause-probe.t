#!/bin/sh
# smarthost-send: a paused queue is probed on PAUSE_PROBE, not on RETRY's
# growing steps, and the first probe that gets through releases everything
# at once. With RETRY at an hour and PAUSE_PROBE at a second, the upstream's
# return is noticed within seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 6

RETRY=3600 PAUSE_PROBE=1
export RETRY PAUSE_PROBE
pause_by_auth ok-a@example.net ok-b@example.net ok-c@example.net
like "the next probe is PAUSE_PROBE away, not RETRY's hour" "$(grep 'queue paused' "$T/log")" 'probing again in 1 s'
n0=$(grep -c . "$FAKE_DIR/jobs")
ok "probes go on, one a second ($n0 jobs at the pause)" wait_for 10 sh -c "[ \$(grep -c . '$FAKE_DIR/jobs') -ge $((n0 + 2)) ]"
rm "$FAKE_DIR/authfail"
ok "the upstream back: everything is delivered within seconds" wait_for 15 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') = 3 ]"
ok "the resumption is logged" grep -q 'info: upstream works again: queue resumed' "$T/log"
stop_send
unlike "nothing bounced" "$(cat "$T/log")" 'bounce'
