#!/usr/bin/python3
# send-invariants.py: drives smarthost-send (with tests/peers/fakeremote in
# its random mode) through random envelopes and random kills, and checks
# what must hold whatever happens. Run by tests/0416-send-invariants.t,
# with the environment of tests/send-lib.sh (QUEUE, FAKE_DIR, REMOTE...).
#
# usage: send-invariants.py SEED ROUNDS MAXRCPT
#
# A round injects a few messages: 0 to MAXRCPT recipients drawn with
# duplicates, domains in random case, local parts with 8-bit bytes (raw
# and UTF-8) and case variants (a different recipient: the local part is
# compared byte for byte). Some rounds SIGKILL smarthost-send at a random
# moment and start it again. A round ends when the spool is empty.
# Checked:
#   - smarthost-send never dies but by our SIGKILL;
#   - every recipient ends delivered or bounced: exactly once (once in all)
#     in a round without a kill, at least once in a round with one;
#   - nothing reaches a recipient no envelope named.
# Prints "# ..." comments and, at the end, "ok" or "FAIL: why" lines.
import os, random, re, signal, subprocess, sys, time

seed, rounds, maxrcpt = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
Q = os.environ["QUEUE"]
D = os.environ["FAKE_DIR"]
T = os.path.dirname(Q)
log = open(os.path.join(T, "log"), "ab")
fails = []
send = None
kills = 0

def starts():
    return open(os.path.join(T, "log"), "rb").read().count(b"info: started:")

# Returns once the new process says it started: its signal handlers are
# set then, so that a SIGTERM right after is a stop, not a death.
def start():
    global send
    n = starts()
    send = subprocess.Popen(["smarthost-send", "-v"], stderr=log, stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while starts() == n and send.poll() is None and time.time() < deadline:
        time.sleep(0.02)

def alive(where):
    if send.poll() is not None:
        fails.append("smarthost-send exited %d %s" % (send.returncode, where))
        start()

def key(addr):
    local, _, dom = addr.rpartition(b"@")
    return local + b"@" + dom.lower()

def local_part(k):
    # r<k>, and for some: an 8-bit or a case variant of it
    base = b"r%d" % k
    x = k % 7
    if x == 1: return base + b"\xc3\xb6"           # UTF-8
    if x == 2: return base + b"\x9b\xff"           # raw bytes, a C1 control
    if x == 3: return b"R%d" % k                   # another mailbox than r<k>
    return base

def envelope(m):
    n = rng.choice([0, 1, 1, 2, 3, 5, 10, 40, 150, maxrcpt])
    n = rng.randint(0, n)
    pool = max(1, n // rng.choice([1, 2, 5, 50]))
    rcpts = []
    for _ in range(n):
        k = rng.randrange(pool)
        dom = "m%d.example.net" % m
        dom = "".join(c.upper() if rng.random() < 0.3 else c for c in dom)
        rcpts.append(local_part(k) + b"@" + dom.encode())
    return rcpts

def inject(m, rcpts):
    body = b"From: <s@sender.test>\nSubject: round message %d\n\nbody\n" % m
    env = b"Fs@sender.test\0" + b"".join(b"T" + r + b"\0" for r in rcpts) + b"\0"
    with open(os.path.join(T, "inv.msg"), "wb") as f: f.write(body)
    with open(os.path.join(T, "inv.env"), "wb") as f: f.write(env)
    with open(os.path.join(T, "inv.msg"), "rb") as i, open(os.path.join(T, "inv.env"), "rb") as e:
        r = subprocess.run(["smarthost-queue"], stdin=i, stdout=e, stderr=subprocess.DEVNULL)
    if r.returncode != 0 and rcpts:
        fails.append("the injector refused message %d (%d recipients): %d" % (m, len(rcpts), r.returncode))
    return r.returncode == 0

def spool_empty():
    return not any(n for sub in ("new", "cur", "state") for n in os.listdir(os.path.join(Q, sub)))

def xtext_decode(s):
    return re.sub(rb"\+([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), s)

def counts(name):
    c = {}
    try:
        data = open(os.path.join(D, name), "rb").read()
    except OSError:
        return c
    for line in data.split(b"\n"):
        if not line: continue
        # a bounce names an 8-bit address in xtext (RFC 3461, lib/dsn.c)
        addr = line.split(b" ", 1)[1] if name == "delivered" else xtext_decode(line)
        c[key(addr)] = c.get(key(addr), 0) + 1
    return c

start()
expect = []   # (round, killed, set of keys)
m = 0
for rd in range(rounds):
    killed = rng.random() < 0.3
    msgs = []
    for _ in range(rng.randint(1, 4)):
        m += 1
        rcpts = envelope(m)
        if inject(m, rcpts):
            msgs.append(set(key(r) for r in rcpts))
    if killed:
        time.sleep(rng.random() * 0.5)
        alive("before a kill in round %d" % rd)
        send.send_signal(signal.SIGKILL)
        send.wait()
        kills += 1
        start()
    deadline = time.time() + 120
    while not spool_empty() and time.time() < deadline:
        time.sleep(0.05)
        alive("in round %d" % rd)
    if not spool_empty():
        fails.append("round %d: the spool is not empty after 120 s" % rd)
        break
    for s in msgs:
        expect.append((rd, killed, s))

alive("at the end")
send.send_signal(signal.SIGTERM)
if send.wait(timeout=20) != 0:
    fails.append("SIGTERM: exit %d" % send.returncode)

deliv, bounced = counts("delivered"), counts("bounced")
named = set()
nr = 0
for rd, killed, keys in expect:
    for k in keys:
        nr += 1
        named.add(k)
        n = deliv.get(k, 0) + bounced.get(k, 0)
        if (n != 1 and not killed) or n < 1:
            fails.append("round %d%s: %r delivered %d, bounced %d" % (rd, " (killed)" if killed else "", k, deliv.get(k, 0), bounced.get(k, 0)))
for k in set(deliv) | set(bounced):
    if k not in named and not k.endswith(b"@sender.test"):
        fails.append("%r was never a recipient, delivered %d, bounced %d" % (k, deliv.get(k, 0), bounced.get(k, 0)))
print("# seed %d: %d rounds, %d messages, %d recipients, %d delivered, %d bounced, %d kills"
      % (seed, rounds, len(expect), nr, sum(deliv.values()), sum(bounced.values()), kills))
for f in fails[:20]:
    print("FAIL: " + f)
print("ok" if not fails else "%d failures" % len(fails))
sys.exit(1 if fails else 0)
