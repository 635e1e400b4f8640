#!/bin/sh
# What a client can make the smtpd write into the envelope lines of a
# message file (F, T, D, U: queue/README.md), over random transactions:
# DSN parameters in any case with xtext that decodes to CR, LF, NUL or
# "=", values at and past their limits, parameters twice, SMTPUTF8 on
# MAIL or not, addresses with UTF-8 well formed or not, quoted local
# parts. The invariant: every transaction answered 250 at its end is one
# file whose F line is the sender and whose T lines are exactly the
# recipients answered 250, every envelope line one of the known records,
# and the scheduler's reader takes every file (mailq calls none
# malformed); nothing else is queued.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
N=$(rounds 150)
plan 5

cat > "$T/client.py" <<'EOP'
import random, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(int(sys.argv[4]))
def case(w): return ''.join(c.upper() if r.random() < .5 else c.lower() for c in w)
def xtext(k):
    s = ''.join(r.choice('abcXYZ019.-_@!~') for _ in range(k))
    if r.random() < .3:
        i = r.randrange(len(s) + 1)
        s = s[:i] + r.choice(['+0D+0A', '+0A', '+00', '+3D', '+2B', '+zz', '=', 'T a@b', '\xe9']) + s[i:]
    return s
def local():
    if r.random() < .5: return 'a'
    return r.choice(['a', 'bob.x', 'j\u00f6rg', '"a b"', '\u00e9\u00e9', 'x\udcff', 'c\u0085d', 'T b', 'D', 'U'])
def addr(i): return local() + str(i) + '@' + r.choice(['example.net', 'b\u00fccher.example', 'EXAMPLE.org'])
def mparams():
    p = []
    if r.random() < .4: p.append(case('ret=') + case(r.choice(['full', 'hdrs', 'most'])))
    if r.random() < .4: p.append(case('envid=') + xtext(r.choice([1, 40, 100, 101])))
    if r.random() < .3: p.append(case('smtputf8'))
    if r.random() < .1: p.append(p[0] if p else 'BODY=8BITMIME')
    return p
def rparams():
    p = []
    if r.random() < .5: p.append(case('notify=') + ','.join(case(r.choice(['success', 'failure', 'delay', 'never'])) for _ in range(r.choice([1, 2, 40]))))
    if r.random() < .4: p.append(case('orcpt=') + r.choice(['rfc822', 'utf-8', '']) + ';' + xtext(r.choice([5, 300, 490, 500])))
    if r.random() < .1 and p: p.append(p[0])
    return p
class Closed(Exception): pass
def connect():
    global s, f
    s = socket.create_connection(('127.0.0.1', port), 20)
    f = s.makefile('rb')
    reply(); cmd('EHLO client.test')
def reply():
    while True:
        try: l = f.readline()
        except OSError: raise Closed
        if not l: raise Closed
        if l[3:4] != b'-': return l.decode('utf-8', 'replace').rstrip()
def cmd(line):
    try: s.sendall(line.encode('utf-8', 'surrogateescape') + b'\r\n')
    except OSError: raise Closed
    return reply()
out = open(sys.argv[3], 'w')
closes = 0
connect()
for t in range(n):
    try:
        snd = r.choice(['', addr(0)])
        if cmd('MAIL FROM:<%s> %s' % (snd, ' '.join(mparams())))[:3] != '250':
            cmd('RSET'); continue
        ok = []
        for i in range(1, r.randrange(2, 5)):
            a = addr(i)
            if cmd('RCPT TO:<%s> %s' % (a, ' '.join(rparams())))[:3] == '250': ok.append(a)
        if cmd('DATA')[:3] != '354':
            cmd('RSET'); continue
        rep = cmd('Subject: t%d\r\n\r\nbody\r\n.' % t)
        if rep.startswith('250 2.0.0 Ok: queued as '):
            out.write(rep.split()[-1] + '\t' + snd.encode('utf-8', 'surrogateescape').hex() + '\t' + ','.join(a.encode('utf-8', 'surrogateescape').hex() for a in ok) + '\n')
        elif rep[:1] == '2':
            out.write('?' + rep + '\n')
    except Closed:
        # the smtpd ends a session after too many errors: a new one
        closes += 1
        if closes > n: raise
        connect()
try: cmd('QUIT')
except Closed: pass
EOP
# check.py SPOOL EXPECTED: each queued file against what the client was told
cat > "$T/check.py" <<'EOP'
import os, re, sys
spool, want = sys.argv[1], [l.rstrip('\n').split('\t') for l in open(sys.argv[2])]
bad, seen = [], set()
for w in want:
    if w[0].startswith('?'): bad.append('a 2xx that is not "queued as": ' + w[0]); continue
    ident, snd, rcpts = w[0], bytes.fromhex(w[1]), [bytes.fromhex(x) for x in w[2].split(',') if x]
    seen.add(ident)
    try: head = open(os.path.join(spool, 'new', ident), 'rb').read().split(b'\n\n')[0].split(b'\n')
    except OSError: bad.append(ident + ': no file'); continue
    if head[0] != b'F ' + snd: bad.append(ident + ': F line %r' % head[0])
    if [l[2:] for l in head if l[:1] == b'T'] != rcpts: bad.append(ident + ': T lines differ')
    for l in head:
        if not re.match(rb'^(F |T |D [A-Z]|U SMTPUTF8$)', l): bad.append(ident + ': line %r' % l[:60])
extra = set(os.listdir(os.path.join(spool, 'new'))) - seen
if extra: bad.append('queued without a 250: %d' % len(extra))
print('\n'.join(bad[:10]))
EOP
start_smtpd relay
$PY "$T/client.py" "$PORT" "$N" "$T/want" "$$" 2> "$T/client.err"
is "the client ran its $N transactions" "$?:$(cat "$T/client.err")" "0:"
n=$(wc -l < "$T/want")
ok "some were queued ($n)" test "$n" -gt $((N / 20))
is "each file holds what the client was told, in known records" "$($PY "$T/check.py" "$Q" "$T/want")" ""
unlike "the reader takes every file" "$(smarthost-mailq 2>&1)" 'malformed'
like "and lists them all" "$(smarthost-mailq 2>&1 | tail -1)" "^-- $n message"
