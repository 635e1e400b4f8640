#!/bin/sh
# smarthost-send at scale, without timing: with 20,000 messages queued (a
# tenth with a state file), start-up reads directory names only; a
# message's files are opened when it comes due, and the resident size stays
# far under 64 MB. (By hand, with 100,000: see SCALE in smarthost-send(8).)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 4

N=20000
$PY - "$Q" "$N" <<'PYEOF'
import os, sys, time
q, n = sys.argv[1], int(sys.argv[2])
t = int(time.time()) - 1000
for i in range(n):
    mid = "%010d.%09d.%010d" % (t, i, 6161000 + i)
    with open(os.path.join(q, "cur", mid), "w") as f:
        f.write("F alice@example.org\nT ok-r%d@example.net\n\nSubject: x\n\nbody\n" % i)
    if i % 10 == 0:
        with open(os.path.join(q, "state", mid), "w") as f:
            f.write("attempts\t1\nnext\t%d\nwarned\t0\ndefer\tok-r%d@example.net\t451\tlater\n" % (t + 7200, i))
PYEOF
# a state file whose message is gone: removed at start
echo 'attempts	1' > "$Q/state/1000000000.000000000.0000000001"

# One worker that takes a job and never answers: after start-up one job
# goes out and nothing else happens, so every open of a spool file shows.
printf '#!/bin/sh\nexec sleep 30\n' > "$T/silent"; chmod +x "$T/silent"
REMOTE=$T/silent CONCURRENCY=1; export REMOTE CONCURRENCY
spawn strace -f -qq -e trace=openat -o "$T/trace" smarthost-send -v 2>> "$T/log"
wait_for 20 grep -q 'started worker' "$T/log"
sleep 1
pid=$(pgrep -P "$SPAWNED" -x smarthost-send)
ok "start-up counted every message" grep -q "started: $N messages queued" "$T/log"
opens=$(grep -c 'openat([0-9]*, "[0-9]\{10\}\.[0-9]\{9\}\.[0-9]\{10\}"' "$T/trace")
# The oldest message has a state file saying "not before two hours": its
# state is read (1 open) and it is put back. The next one has none: its
# state (1 failed open) and its file (1 open) are read, and it goes out.
ok "only the first two messages were looked at: $opens opens (at most 3)" [ "$opens" -ge 1 -a "$opens" -le 3 ]
ok "the orphan state file is gone" test ! -e "$Q/state/1000000000.000000000.0000000001"
hwm=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
ok "resident size $hwm kB < 64 MB" [ "$hwm" -lt 65536 ]
# the silent worker never finishes its job, so SIGTERM would wait: SIGKILL
pkill -KILL -P "$pid"
kill -KILL "$pid"
