#!/usr/bin/python3
"""trickle.py PORT UNIT INTERVAL MAX [STEP...]: a slow SMTP client.

Reads the greeting, sends each STEP and waits for one reply to it (or N
with an "@N " prefix, as in rawsmtp.py), then sends UNIT (a Python string
literal body: "N", "NOOP\\r\\n", "x\\r\\n") every INTERVAL seconds, at most
MAX times, printing every reply line as it comes. Prints "EOF" and exits 0
when the server closes the connection; prints "NOEOF" and exits 1 if it
never does."""
import select
import socket
import sys


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), 10)
        self.buf = b""
        self.eof = False
        self.replies = 0

    def pump(self, wait):
        """Reads what arrives within wait seconds; prints complete lines."""
        r, _, _ = select.select([self.s], [], [], wait)
        if not r:
            return
        try:
            data = self.s.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r")
            sys.stdout.write(line.decode("latin-1") + "\n")
            if len(line) < 4 or line[3:4] != b"-":
                self.replies += 1

    def replies_wait(self, n):
        self.replies = 0
        while self.replies < n and not self.eof:
            self.pump(10)


def main():
    port, unit, interval, most = int(sys.argv[1]), unescape(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    c = Conn(port)
    c.replies_wait(1)
    for step in sys.argv[5:]:
        n = 1
        if step.startswith("@"):
            head, step = step.split(" ", 1)
            n = int(head[1:])
        c.s.sendall(unescape(step))
        c.replies_wait(n)
    for _ in range(most):
        if c.eof:
            break
        try:
            c.s.sendall(unit)
        except (BrokenPipeError, ConnectionResetError):
            c.eof = True
            break
        c.replies = 0
        c.pump(interval)
    # whatever the server says last (its 421) before it closes
    while not c.eof:
        c.replies = 0
        r, _, _ = select.select([c.s], [], [], 5)
        if not r:
            break
        c.pump(0)
    sys.stdout.write("EOF\n" if c.eof else "NOEOF\n")
    sys.stdout.flush()
    return 0 if c.eof else 1


sys.exit(main())
