#!/bin/sh
# smarthost-send: the trigger is writable by the smtpd's group, so a byte on
# it (sendmail -q) makes everything due but never ends a pause: a wrong
# password is not tried again at every byte (an ISP may lock the account
# after a few). SIGALRM, which only the supervisor's owner can send, still
# probes at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 4

RETRY=3600 PAUSE_PROBE=3600
export RETRY PAUSE_PROBE
pause_by_auth ok-a@example.net
n0=$(wc -l < "$FAKE_DIR/jobs")
i=0
while [ $i -lt 5 ]; do
  timeout 5 sh -c "echo > '$Q/trigger'"
  sleep 0.2
  i=$((i + 1))
done
sleep 1
is "five retry-now bytes on the trigger: no new login while paused" "$(wc -l < "$FAKE_DIR/jobs")" "$n0"
rm "$FAKE_DIR/authfail"
kill -ALRM "$SEND_PID"
ok "SIGALRM probes at once, and the probe delivers" wait_for 15 grep -q ' ok-a@example.net$' "$FAKE_DIR/delivered"
ok "the queue resumes" wait_for 10 grep -q 'queue resumed' "$T/log"
stop_send
