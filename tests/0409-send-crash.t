#!/bin/sh
# smarthost-send: crash safety. 2000 small messages; the scheduler and its
# workers are killed with SIGKILL at random moments, again and again, and
# restarted. In the end every message has reached the upstream, the spool is
# empty, and the only duplicates are messages that were in flight at a kill
# (at most CONCURRENCY per kill). Every tenth message has a recipient that
# is deferred once, so state files are live during the kills.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 7

N=2000
CONCURRENCY=4; export CONCURRENCY
# Committed messages, written straight into new/ as the injector leaves them.
# Every tenth has a second recipient the upstream defers once, so that state
# files are written, rewritten and removed under the kills too.
$PY - "$Q" "$N" > "$T/want" <<'PYEOF'
import os, sys, time
q, n = sys.argv[1], int(sys.argv[2])
t = int(time.time())
for i in range(n):
    mid = "%010d.%09d.%010d" % (t, i, 4242000 + i)
    rcpts = ["ok-r%d@example.net" % i] + (["once-r%d@example.net" % i] if i % 10 == 0 else [])
    with open(os.path.join(q, "tmp", mid), "w") as f:
        f.write("F alice@example.org\n" + "".join("T %s\n" % r for r in rcpts))
        f.write("\nSubject: crash %d\n\nbody %d\n" % (i, i))
    os.rename(os.path.join(q, "tmp", mid), os.path.join(q, "new", mid))
    for r in rcpts:
        print(mid, r)
PYEOF
sort "$T/want" -o "$T/want"
echo 0.003 > "$FAKE_DIR/delay"   # a job takes 3 ms: the run lasts a few seconds
round=0
while [ $round -lt 10 ]; do
  # half the time a worker first, then the scheduler itself
  crash_send 0.$(( 1 + $(random_below 3) )) "$([ "$(random_below 2)" = 0 ] && echo yes)"
  round=$((round+1))
  echo "# round $round: $(messages_in "$Q" cur new) messages left"
done
left=$(messages_in "$Q" cur new)
echo "# $KILLS kills"
ok "the kills came in the middle of the run ($left messages left)" [ "$left" -gt 0 ]
start_send
ok "after the last restart the spool empties" wait_for 60 queue_empty
stop_send
sort -u "$FAKE_DIR/delivered" > "$T/got"
is "every message reached the upstream, for every recipient" "$(comm -23 "$T/want" "$T/got" | wc -l)" 0
is "and nothing else did" "$(comm -13 "$T/want" "$T/got" | wc -l)" 0
dups=$(( $(wc -l < "$FAKE_DIR/delivered") - $(wc -l < "$T/got") ))
echo "# $dups duplicates"
ok "duplicates only for jobs in flight: $dups <= $KILLS kills x 4" [ "$dups" -le $((KILLS * 4)) ]
is "no state file left" "$(ls "$Q/state" | wc -l)" 0
unlike "no bounce, nothing failed" "$(cat "$T/log")" 'bounce|: failed [0-9]'
