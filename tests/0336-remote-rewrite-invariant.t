#!/bin/sh
# UPSTREAM_REWRITE against headers built to slip past it. The invariant,
# over random headers (From: fields folded, several, quoted, with
# comments, named in any case, a From: in the body, LF or CRLF line
# ends): no From: field the
# upstream gets names the original sender, and the body arrives as it
# was. A header longer than what smarthost-remote reads to rewrite it
# (ROUTE_HEAD_MAX, 1 MB) could hide a From: field, or the folded rest of
# one, past that point: such a message is refused permanently, nothing
# of it sent.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
N=$(rounds 40)
plan $((2 * N + 4))
unset UPSTREAM_TOKENCMD UPSTREAM_MECH UPSTREAM_ROUTE QUEUE ROUTES UPSTREAM_USER UPSTREAM_PASSFILE
start_upstream U
UPSTREAM=localhost:$PORT UPSTREAM_TLS=none UPSTREAM_REWRITE=acct@isp.test
export UPSTREAM UPSTREAM_TLS UPSTREAM_REWRITE

# from_fields FILE: the From: fields of the header upstream got, a
# folded line marked "+"
from_fields() { tr -d '\r' < "$1" | awk '/^$/ { exit } /^[ \t]/ { if (f) print "+" $0; next } { f = tolower($0) ~ /^from[ \t]*:/; if (f) print }'; }
# body FILE: what follows the header's empty line
body() { tr -d '\r' < "$1" | sed '1,/^$/d'; }
stored() { ls "$T"/U/*.msg 2>/dev/null | wc -l | tr -d ' '; }

# A random header around the sender's address (python3: the generator)
cat > "$T/gen.py" <<'EOP'
import random, sys
r = random.Random(int(sys.argv[1]))
a = 'victim@bank.test'
name = lambda: r.choice(['Victim', '"Doe, J."', '"a <b> c"', 'V (x) W', '=?utf-8?q?V=C3=A9?='])
sp = lambda: r.choice([' ', '', '\t', '  '])
fold = lambda: r.choice(['', '\n ', '\n\t'])
def mailbox():
    k = r.randrange(5)
    if k == 0: return a
    if k == 1: return '<' + a + '>'
    if k == 2: return name() + fold() + ' <' + a + '>'
    if k == 3: return name() + ' <' + a + fold() + '>' + r.choice(['', ' (comment)'])
    return a + ' (' + r.choice(['c', 'a comment']) + ')'
def value():
    k = r.randrange(4)
    if k == 0: return mailbox() + ', ' + fold() + mailbox()
    if k == 1: return 'Group:' + fold() + mailbox() + ';'
    return mailbox()
def fieldname():
    return r.choice(['From', 'FROM', 'from', 'fRoM']) + r.choice(['', ' ', '\t'])
fields = ['Subject: s%d' % r.randrange(1000), 'To: r@dest.test', 'X-A: ' + a, 'Reply-To: <' + a + '>']
for _ in range(r.randrange(1, 4)):
    fields.insert(r.randrange(len(fields) + 1), fieldname() + ':' + sp() + value())
m = '\n'.join(fields) + '\n\nFrom: ' + a + '\n>From ' + a + '\nbody\n'
# CRLF line ends, as a filter may hand them to the injector (stored as they came)
sys.stdout.write(m.replace('\n', '\r\n') if r.random() < .3 else m)
EOP
i=0
while [ $i -lt $N ]; do
  i=$((i + 1))
  rm -f "$T"/U/*
  $PY "$T/gen.py" $i > "$T/m"
  smarthost-remote -f victim@bank.test r@dest.test < "$T/m" > "$T/out" 2>&1
  got=$(ls "$T"/U/*.msg 2>/dev/null | head -1)
  if [ -n "$got" ]; then f=$(from_fields "$got"); else f="not delivered: $(cat "$T/out")"; fi
  unlike "header $i: no From: field upstream names the sender" "$f" 'victim@bank|not delivered'
  is "header $i: the body as it was" "$( [ -n "$got" ] && body "$got" | od -c)" "$(tr -d '\r' < "$T/m" | sed '1,/^$/d' | od -c)"
done

# A header of 1 MB of filler, then a From: field whose address is on
# its folded line, on the far side of 1 MB; then one wholly past it.
fill() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "X-Fill: %070d\n", i }'; }
for tail in 'From: Victim\n <victim@bank.test>\n' 'X-Fill: y\nFrom: victim@bank.test\n'; do
  rm -f "$T"/U/*
  { fill 13273; printf "$tail"; printf 'Subject: big\n\nbody\n'; } > "$T/big"
  smarthost-remote -f victim@bank.test r@dest.test < "$T/big" > "$T/out" 2>&1
  rc=$?
  is "a header over 1 MB ($(printf "$tail" | head -c 12 | tr '\n' ' ')...): nothing sent" "$(stored)" 0
  like "refused for good, saying why" "$rc $(cat "$T/out")" '^100 .*header'
done
