#!/usr/bin/python3
# load.py HOST PORT N CONCURRENCY ACCEPTED [DEADLINE]: sends N messages over
# SMTP from CONCURRENCY threads, each message with a Message-ID of its own,
# and appends to ACCEPTED the Message-ID of every message that got 250 to
# its final dot, only after that 250. A refused connection, a dropped
# session or a 4xx is retried with a new Message-ID (the old one may or may
# not have been queued: the relay never said 250 for it); ACCEPTED.tried
# lists every Message-ID sent. Exits 0 once N are accepted, 1 if DEADLINE
# (seconds, default 120) passes first.
import smtplib, sys, threading, time, os

host, port, n, conc, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
deadline = time.time() + (float(sys.argv[6]) if len(sys.argv) > 6 else 120)
lock = threading.Lock()
state = {'next': 0, 'accepted': 0, 'attempt': 0}
acc = open(out, 'a')
tried = open(out + '.tried', 'a')
body = 'x' * 70 + '\r\n'

def take():
    with lock:
        if state['next'] >= n: return None
        state['next'] += 1
        return state['next']

def attempt_id(i):
    with lock:
        state['attempt'] += 1
        a = state['attempt']
    mid = '<m%d.a%d.p%d@load.test>' % (i, a, os.getpid())
    with lock:
        tried.write(mid + '\n'); tried.flush()
    return mid

def worker():
    s = None
    i = take()
    while i is not None and time.time() < deadline:
        try:
            if s is None:
                s = smtplib.SMTP(host, port, timeout=20)
                s.ehlo('load.test')
            mid = attempt_id(i)
            msg = ('From: <load@client.test>\r\nTo: <rcpt@upstream.test>\r\nSubject: load %d\r\n'
                   'Message-ID: %s\r\n\r\n' % (i, mid)) + body * 20
            s.sendmail('load@client.test', ['rcpt@upstream.test'], msg)
            with lock:
                acc.write(mid + '\n'); acc.flush()
                state['accepted'] += 1
            i = take()
        except (smtplib.SMTPException, OSError):
            try:
                if s is not None: s.close()
            except Exception:
                pass
            s = None
            time.sleep(0.05)
    if s is not None:
        try: s.quit()
        except Exception: pass

threads = [threading.Thread(target=worker) for _ in range(conc)]
for t in threads: t.start()
for t in threads: t.join()
sys.exit(0 if state['accepted'] == n else 1)
