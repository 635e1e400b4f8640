#!/usr/bin/python3
"""rawsmtp.py PORT STEP...: an SMTP client that sends exact bytes.

Reads the greeting, then for each STEP sends its bytes and prints the
replies it waits for. A STEP is a Python string literal body (\\r, \\n,
\\x00 ... are decoded), optionally prefixed by "@N " to wait for N replies
instead of 1 (N may be 0). "!tls" starts TLS on the socket (no certificate
check: the tests use a self-signed one). "!eof" reads until the server
closes. Each reply line is printed as received, without its CRLF.
Exits 1 on a read timeout (10 s) or an early close."""
import socket
import ssl
import sys

TIMEOUT = 10


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.s.settimeout(TIMEOUT)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self):
        while True:
            line = self.line()
            sys.stdout.write(line.decode("latin-1") + "\n")
            if len(line) < 4 or line[3:4] != b"-":
                return

    def send(self, data):
        self.s.sendall(data)

    def tls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s = ctx.wrap_socket(self.s)


def main():
    c = Conn(int(sys.argv[1]))
    try:
        c.reply()
        for step in sys.argv[2:]:
            if step == "!tls":
                c.tls()
                continue
            if step == "!eof":
                while True:
                    c.reply()
            n = 1
            if step.startswith("@"):
                head, step = step.split(" ", 1)
                n = int(head[1:])
            c.send(step.encode("latin-1").decode("unicode_escape").encode("latin-1"))
            for _ in range(n):
                c.reply()
    except EOFError:
        sys.stdout.write("EOF\n")
        return 0 if "!eof" in sys.argv else 1
    except socket.timeout:
        sys.stdout.write("TIMEOUT\n")
        return 1
    finally:
        sys.stdout.flush()
    return 0


sys.exit(main())
