#!/usr/bin/python3
"""splitsmtp.py PORT SEED FILE: sends the bytes of FILE (a whole pipelined
SMTP session, ending in QUIT) to 127.0.0.1:PORT cut into pieces, then
prints every reply line up to the server's close, without CRLF, with
queue ids replaced by ID.

SEED 0 sends the session in one write; -1 sends one byte per write;
any other SEED cuts it at random places (seeded), 1 to 40 pieces. The
pieces go out with TCP_NODELAY and a pause of up to 3 ms between them,
so that the server's reads see them apart. Exits 1 on a read timeout
(30 s)."""
import random
import re
import socket
import sys
import time

port, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
data = open(path, "rb").read()
if seed == 0:
    pieces = [data]
elif seed == -1:
    pieces = [data[i:i + 1] for i in range(len(data))]
else:
    rnd = random.Random(seed)
    cuts = sorted(rnd.sample(range(1, len(data)), rnd.randint(0, 39)))
    pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
s = socket.create_connection(("127.0.0.1", port), 30)
s.settimeout(30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for p in pieces:
    s.sendall(p)
    if len(pieces) > 1:
        time.sleep(random.random() * 0.003)
buf = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
except socket.timeout:
    sys.exit(1)
for line in buf.decode("ascii", "replace").split("\r\n"):
    if line:
        print(re.sub(r"queued as \S+", "queued as ID", line))
