#!/bin/sh
# Crash safety with the real worker and a real upstream: 1000 messages through
# smarthost-remote to aiosmtpd (STARTTLS, AUTH); the scheduler and the
# workers are killed with SIGKILL at random moments and restarted. Every
# message arrives; duplicates only for jobs in flight at a kill.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 5

N=1000
make_certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" --auth-user u --auth-pass pw --require-auth
REMOTE=smarthost-remote UPSTREAM=localhost:$PORT UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u UPSTREAM_PASSFILE=$T/pass
CONCURRENCY=4
export REMOTE UPSTREAM UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE CONCURRENCY

$PY - "$Q" "$N" <<'PYEOF'
import os, sys, time
q, n = sys.argv[1], int(sys.argv[2])
t = int(time.time())
for i in range(n):
    mid = "%010d.%09d.%010d" % (t, i, 5151000 + i)
    with open(os.path.join(q, "tmp", mid), "w") as f:
        f.write("F alice@example.org\nT r%d@example.net\n\nSubject: crash-%d\n\nbody\n" % (i, i))
    os.rename(os.path.join(q, "tmp", mid), os.path.join(q, "new", mid))
PYEOF

round=0
while [ $round -lt 6 ]; do
  crash_send 0.$(( 2 + $(random_below 5) )) yes
  round=$((round+1))
  l=$(messages_in "$Q" cur new)
  echo "# round $round: $l messages left"
  [ $round = 1 ] && first=$l
done
left=$(messages_in "$Q" cur new)
echo "# $KILLS kills, $left messages left for the last run"
ok "the kills came in the middle of the run ($first left after the first)" [ "$first" -gt 0 ]
start_send
ok "after the last restart the spool empties" wait_for 90 queue_empty
stop_send
cat "$T"/up/*.msg | tr -d '\r' | sed -n 's/^Subject: crash-//p' | sort -n > "$T/got"
is "every message reached the upstream" "$(sort -un "$T/got" | wc -l)" "$N"
dups=$(( $(wc -l < "$T/got") - $(sort -un "$T/got" | wc -l) ))
echo "# $dups duplicates"
ok "duplicates only for jobs in flight: $dups <= $KILLS kills x 4" [ "$dups" -le $((KILLS * 4)) ]
unlike "nothing failed or bounced" "$(cat "$T/log")" 'bounce|: failed [0-9]'
