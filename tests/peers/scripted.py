#!/usr/bin/python3
# scripted.py: an SMTP upstream that replies exactly what a test needs
# (nullmailer's test/authtest-smtp.sh is the model). Run it with
# /usr/bin/python3 ($PY).
#
# usage: scripted.py --port P --script FILE --log FILE
#          [--status FILE] [--timeout SECS] [--cert C --key K] [--sni FILE]
#
# Listens on 127.0.0.1:P, prints "ready" on stdout, accepts one connection
# and plays the script against it, then exits. The whole run is bounded by
# --timeout (default 20 s, also the limit of every read).
#
# The log gets every line read from the client, as read (CRLF stripped; a
# DATA body is logged line by line too, unstuffed lines as sent, then "."),
# so a test can grep it, e.g. for "^AUTH LOGIN$".
# --status gets one line at the end: "done", "mismatch LINENO: GOT",
# "eof LINENO" (the client closed while a line was expected) or "timeout".
# The exit code is 0 for "done", 1 otherwise.
#
# Script: one command per line; blank lines and lines starting with # are
# skipped.
#   < REGEX      read one line; it must match REGEX (Python re.fullmatch,
#                without the CRLF); otherwise the run ends with "mismatch"
#   <? REGEX     read one line if it matches, log it either way; a line
#                that does not match is kept for the next command
#   > TEXT       send TEXT and CRLF (one reply line; a multi-line reply is
#                several "> 250-..." lines)
#   ! TEXT       send TEXT with Python escapes (\r \n \x00 ...) and nothing
#                added: bare LFs, lines without CRLF, binary garbage
#   long N TEXT  send TEXT followed by N "x" and CRLF (a line over a limit)
#   data [FILE]  read a DATA body up to CRLF.CRLF; with FILE, store its raw
#                bytes (dot-stuffed, CRLF, without the final ".") there
#   datapart N   read N bytes of a DATA body (then "close" drops mid-DATA)
#   tls          start TLS as the server (after "> 220 ready" to STARTTLS);
#                needs --cert/--key; with --sni, the server name the client
#                sent (or "none") is written to that file
#   sleep SECS   pause (a server that does not answer)
#   eof          wait until the client closes the connection
#   close        close the connection now (without QUIT); the script goes
#                on, typically with "accept"
#   accept       close the connection (if still open) and accept the next
#                one (a script can play several sessions in a row)
# At the end of the script the connection is shut down gracefully (the
# client's last bytes are read and discarded for up to one second).
import argparse
import os
import re
import socket
import ssl
import sys
import time


class Done(Exception):
    pass


class Session:
    def __init__(self, o, sock):
        self.o = o
        self.sock = sock
        self.buf = b''
        self.closed = False
        self.deadline = time.monotonic() + o.timeout
        self.log = open(o.log, 'ab', buffering=0)

    def remaining(self):
        r = self.deadline - time.monotonic()
        if r <= 0:
            raise Done('timeout')
        return r

    def fill(self):
        self.sock.settimeout(self.remaining())
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Done('timeout')
        except (ConnectionError, ssl.SSLError):
            chunk = b''
        return chunk

    def readline(self, lineno):
        while b'\n' not in self.buf:
            chunk = self.fill()
            if not chunk:
                raise Done('eof %d' % lineno)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b'\n')
        if line.endswith(b'\r'):
            line = line[:-1]
        return line

    def record(self, line):
        self.log.write(line + b'\n')

    def send(self, data):
        self.sock.sendall(data)

    def data(self, lineno, path):
        raw = b''
        while True:
            i = self.buf.find(b'\r\n.\r\n')
            if self.buf.startswith(b'.\r\n'):
                i = -2
            if i != -1:
                body = self.buf[:i + 2] if i >= 0 else b''
                self.buf = self.buf[i + 5:]
                raw += body
                break
            chunk = self.fill()
            if not chunk:
                raw += self.buf
                self.record(raw)
                raise Done('eof %d' % lineno)
            self.buf += chunk
        for line in raw.split(b'\r\n')[:-1]:
            self.record(line)
        self.record(b'.')
        if path:
            with open(path, 'wb') as f:
                f.write(raw)

    def datapart(self, lineno, n):
        while len(self.buf) < n:
            chunk = self.fill()
            if not chunk:
                raise Done('eof %d' % lineno)
            self.buf += chunk
        self.record(self.buf[:n])
        self.buf = self.buf[n:]

    def eof(self):
        while True:
            chunk = self.fill()
            if not chunk:
                return
            self.buf += chunk

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.o.cert, self.o.key)
        if self.o.sni:
            def sni(sock, name, c):
                with open(self.o.sni, 'w') as f:
                    f.write('%s\n' % name)
            with open(self.o.sni, 'w') as f:
                f.write('none\n')
            ctx.sni_callback = sni
        self.sock.settimeout(self.remaining())
        self.sock = ctx.wrap_socket(self.sock, server_side=True)
        self.buf = b''

    def finish(self):
        # Close without a RST: stop writing, then read what is left briefly.
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                self.sock = self.sock.unwrap()
        except (OSError, ValueError):
            pass
        try:
            self.sock.shutdown(socket.SHUT_WR)
            end = time.monotonic() + 1
            while time.monotonic() < end:
                self.sock.settimeout(max(0.01, end - time.monotonic()))
                if not self.sock.recv(65536):
                    break
        except OSError:
            pass
        self.sock.close()


def parse(path):
    cmds = []
    with open(path, 'rb') as f:
        for n, raw in enumerate(f.read().split(b'\n'), 1):
            line = raw.rstrip(b'\r')
            if not line.strip() or line.startswith(b'#'):
                continue
            word, _, arg = line.partition(b' ')
            cmds.append((n, word.decode(), arg))
    return cmds


def run(o, listener, cmds):
    listener.settimeout(o.timeout)
    try:
        conn, _ = listener.accept()
    except socket.timeout:
        raise Done('timeout')
    s = Session(o, conn)
    try:
        for n, word, arg in cmds:
            if word == '<':
                line = s.readline(n)
                s.record(line)
                if not re.fullmatch(arg, line, re.S):
                    s.send(b'500 5.5.0 unexpected line\r\n')
                    raise Done('mismatch %d: %s' % (n, line.decode('latin-1')))
            elif word == '<?':
                line = s.readline(n)
                if re.fullmatch(arg, line, re.S):
                    s.record(line)
                else:
                    s.buf = line + b'\r\n' + s.buf
            elif word == '>':
                s.send(arg + b'\r\n')
            elif word == '!':
                s.send(arg.decode('unicode_escape').encode('latin-1'))
            elif word == 'long':
                count, _, text = arg.partition(b' ')
                s.send(text + b'x' * int(count) + b'\r\n')
            elif word == 'data':
                s.data(n, arg.decode() if arg else None)
            elif word == 'datapart':
                s.datapart(n, int(arg))
            elif word == 'tls':
                s.starttls()
            elif word == 'sleep':
                time.sleep(min(float(arg), s.remaining()))
            elif word == 'eof':
                s.eof()
            elif word == 'close':
                s.sock.close()
                s.closed = True
            elif word == 'accept':
                if not s.closed:
                    s.finish()
                listener.settimeout(s.remaining())
                try:
                    conn, _ = listener.accept()
                except socket.timeout:
                    raise Done('timeout')
                s.sock = conn
                s.buf = b''
                s.closed = False
            else:
                raise Done('bad script line %d: %s' % (n, word))
        if not s.closed:
            s.finish()
    except (BrokenPipeError, ConnectionError, OSError) as e:
        sys.stderr.write('scripted.py: line %d: %s\n' % (n, e))
        raise Done('eof %d' % n)


def main():
    p = argparse.ArgumentParser(description='scripted SMTP upstream for tests')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--script', required=True)
    p.add_argument('--log', required=True)
    p.add_argument('--status')
    p.add_argument('--timeout', type=float, default=20)
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--sni')
    o = p.parse_args()
    cmds = parse(o.script)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(('127.0.0.1', o.port))
    listener.listen(8)
    print('ready', flush=True)
    status = 'done'
    try:
        run(o, listener, cmds)
    except Done as e:
        status = str(e)
    if o.status:
        with open(o.status + '.tmp', 'w') as f:
            f.write(status + '\n')
        os.rename(o.status + '.tmp', o.status)
    if status != 'done':
        sys.stderr.write('scripted.py: %s\n' % status)
    sys.exit(0 if status == 'done' else 1)


if __name__ == '__main__':
    main()
