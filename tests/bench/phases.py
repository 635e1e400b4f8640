#!/usr/bin/python3
# phases.py PORT N [SIZE]: where the wall time of one message goes, seen
# from the client, one session at a time with a new connection per message
# (the 1-session row of make bench). For each of N messages: connect until
# the greeting, EHLO, MAIL, RCPT, DATA until 354, the message and its final
# dot until 250 (the relay's commit), QUIT until 221 and the close. Prints
# the median of each step in milliseconds, and their sum, on one line:
#   "connect+greeting 0.812 EHLO 0.101 ... total 2.944"
# Raw sockets, no pipelining: each step is one request, one reply.
import socket, sys, time

port, n = int(sys.argv[1]), int(sys.argv[2])
size = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
line = b'x' * 76 + b'\r\n'
body = b'Subject: phases\r\n\r\n' + line * max(1, size // len(line)) + b'.\r\n'


def reply(f):
    """reads one SMTP reply (its last line) and returns the code"""
    while True:
        l = f.readline()
        if not l:
            raise EOFError('connection closed')
        if l[3:4] != b'-':
            return int(l[:3])


def step(f, s, data, want):
    if data:
        s.sendall(data)
    code = reply(f)
    if code != want:
        raise RuntimeError('wanted %d, got %d after %r' % (want, code, data[:20]))


names = ['connect+greeting', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'message+dot', 'QUIT+close']
times = [[] for _ in names]
for i in range(n):
    t = [time.perf_counter()]
    s = socket.create_connection(('127.0.0.1', port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile('rb')
    step(f, s, b'', 220); t.append(time.perf_counter())
    step(f, s, b'EHLO phases.invalid\r\n', 250); t.append(time.perf_counter())
    step(f, s, b'MAIL FROM:<bench@client.invalid>\r\n', 250); t.append(time.perf_counter())
    step(f, s, b'RCPT TO:<rcpt@upstream.invalid>\r\n', 250); t.append(time.perf_counter())
    step(f, s, b'DATA\r\n', 354); t.append(time.perf_counter())
    step(f, s, body, 250); t.append(time.perf_counter())
    step(f, s, b'QUIT\r\n', 221)
    f.read()   # until the relay closes
    s.close(); t.append(time.perf_counter())
    for k in range(len(names)):
        times[k].append((t[k + 1] - t[k]) * 1000)


def median(v):
    v = sorted(v)
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2


meds = [median(v) for v in times]
print(' '.join('%s %.3f' % (a, b) for a, b in zip(names, meds)), 'total %.3f' % sum(meds))
