#!/bin/sh
# SIGKILL against the smtpd while it commits messages in-process: whatever
# the moment, no partial file ever appears in new/, and every message that
# got a 250 is in new/, whole. Bodies of random sizes (to 300 KiB), kills at
# random delays; each file in new/ is checked after each kill.
. "$(dirname "$0")/lib.sh"
plan 4

Q=$T/queue
make_queue "$Q"
rounds=$(rounds 40)

QUEUE=$Q TCPREMOTEIP=127.0.0.1 RELAYCLIENT= HELONAME=relay.test SMTPD_TIMEOUT=10 \
  $PY - "$Q" "$rounds" > "$T/out" 2> "$T/err" <<'PYEOF'
import os, random, subprocess, sys, threading, time
q, rounds = sys.argv[1], int(sys.argv[2])
env = dict(os.environ); env.pop("QMAILQUEUE", None)
random.seed(637)
acked, kills, partial, lost, checked = set(), 0, [], [], 0

def whole(path):
    with open(path, 'rb') as f:
        data = f.read()
    head, sep, body = data.partition(b'\n\n')
    return sep and head.startswith(b'F ') and b'\nT ' in head and body.endswith(b'\nEND\n')

for r in range(rounds):
    p = subprocess.Popen(['smarthost-smtpd'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)
    timer = threading.Timer(random.uniform(0.005, 0.25), p.kill)
    timer.start()
    def reply():
        while True:
            l = p.stdout.readline()
            if not l: raise BrokenPipeError
            if len(l) < 4 or l[3:4] != b'-': return l.decode('latin-1').rstrip('\r\n')
    def cmd(c):
        p.stdin.write(c + b'\r\n'); p.stdin.flush(); return reply()
    try:
        reply(); cmd(b'EHLO c.test')
        while True:
            cmd(b'MAIL FROM:<a@example.org>'); cmd(b'RCPT TO:<b@example.net>')
            if not cmd(b'DATA').startswith('354'): break
            body = b''.join(b'line %d %s\r\n' % (i, b'x' * 60) for i in range(random.randint(1, 5000)))
            p.stdin.write(b'Subject: k\r\n\r\n' + body + b'END\r\n.\r\n'); p.stdin.flush()
            rep = reply()
            if rep.startswith('250 '): acked.add(rep.split()[-1])
    except (BrokenPipeError, ConnectionResetError, OSError):
        pass
    timer.cancel()
    p.kill(); p.wait()
    if p.returncode == -9: kills += 1
    for name in os.listdir(os.path.join(q, 'new')):
        checked += 1
        if not whole(os.path.join(q, 'new', name)): partial.append(name)
for i in acked:
    path = os.path.join(q, 'new', i)
    if not os.path.exists(path) or not whole(path): lost.append(i)
print("kills=%d" % kills)
print("acked=%d" % len(acked))
print("partial=%s" % ' '.join(partial))
print("lost=%s" % ' '.join(lost))
PYEOF
out=$(cat "$T/out")
like "the smtpd was killed during the run" "$out" "kills=[1-9]"
like "messages were acknowledged" "$out" "acked=[1-9]"
like "no partial file ever in new/" "$out" "partial=\$"
like "every message that got a 250 is in new/, whole" "$out" "lost=\$"
echo "# $(echo $out)" >&3
