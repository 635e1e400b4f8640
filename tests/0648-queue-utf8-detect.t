#!/bin/sh
# The injector's SMTPUTF8 detection (for sendmail, bounces and filters:
# no SMARTHOST_SMTPUTF8) against random headers: overlong forms,
# surrogates, code points past U+10FFFF, stray and missing continuation
# octets, sequences cut by the end of a line, NUL, CR, Latin-1, and the
# same octets in the body. The invariant: the spool's U line is there
# exactly when the header (up to its first empty line, LF or CRLF)
# holds an octet outside ASCII and is well-formed UTF-8 as RFC 3629
# defines it (Python's strict decoder, which refuses the same forms);
# the message itself is stored as it came.
. "$(dirname "$0")/lib.sh"
N=$(rounds 200)
plan $((2 * N + 2))
test_spool
unset SMARTHOST_SMTPUTF8

cat > "$T/gen.py" <<'EOP'
import random, sys
r = random.Random(int(sys.argv[1]))
good = [b'\xc3\xa9', b'\xe2\x82\xac', b'\xf0\x9f\x98\x80', b'\xf4\x8f\xbf\xbf', b'\xed\x9f\xbf', b'\xee\x80\x80', b'\xc2\x80']
bad = [b'\xc0\x80', b'\xc1\xbf', b'\xe0\x80\x80', b'\xe0\x9f\xbf', b'\xf0\x80\x80\x80', b'\xf0\x8f\xbf\xbf',
       b'\xed\xa0\x80', b'\xed\xbf\xbf', b'\xf4\x90\x80\x80', b'\xf5\x80\x80\x80', b'\xff', b'\x80', b'\xbf',
       b'\xc3', b'\xe2\x82', b'\xf0\x9f\x98', b'\xe9', b'\xc3\xc3\xa9']
ascii_ = [b'a', b'Z', b' ', b'\x00', b'\r', b'\t', b':', b'\x7f']
def text(n, p_bad):
    out = b''
    for _ in range(n):
        k = r.random()
        out += r.choice(bad) if k < p_bad else r.choice(good) if k < .2 else r.choice(ascii_)
    return out
p = r.choice([0, 0, .01, .05])
lines = [b'Subject: ' + text(r.randrange(0, 30), p) for _ in range(r.randrange(1, 5))]
if r.random() < .3: lines.insert(1, b' ' + text(5, p))   # a folded line
nl = r.choice([b'\n', b'\r\n'])
head = nl.join(lines) + nl
body = text(r.randrange(0, 40), .2) + b'\n'
msg = head + nl + body
sys.stdout.buffer.write(msg)
h = head
try:
    want = any(c >= 0x80 for c in h) and (h.decode('utf-8', 'strict') is not None)
except UnicodeDecodeError:
    want = False
sys.stderr.write('1' if want else '0')
EOP
yes=0 i=0
while [ $i -lt $N ]; do
  i=$((i + 1))
  want=$($PY "$T/gen.py" $i 2>&1 > "$T/m")
  printf 'Fa@b.test\0Tc@d.test\0\0' > "$T/env"
  inject_alone "$T/m" "$T/env"
  f=$NEW
  got=0; [ -n "$f" ] && sed '/^$/q' "$f" | grep -qx 'U SMTPUTF8' && got=1
  [ "$want" = 1 ] && yes=$((yes + 1))
  is "message $i: U SMTPUTF8 exactly when the header is UTF-8 outside ASCII" "$got" "$want"
  ok "message $i: stored as it came" sh -c "sed '1,/^\$/d' '$f' | cmp -s - '$T/m'"
done
ok "some headers were UTF-8 ($yes)" test "$yes" -gt $((N / 10))
ok "some were not" test "$yes" -lt $((N - N / 10))
