#!/bin/sh
# DSN parameters handed to the injector in its envelope (a "D" field, as
# a filter or a caller of smarthost-queue may write it) against the
# reader of the spool. The invariant, over random parameter lists in any
# case, with words repeated, values at their limits and beyond, bytes
# that xtext must not decode to: the injector either refuses (exit 91
# or 11, nothing queued) or writes a file that the scheduler's reader
# takes (mailq does not call it malformed), its D lines in the spool's
# one form (keywords and words in upper case, each word once, RET before
# ENVID and NOTIFY before ORCPT: queue/README.md). A list the injector
# took as it came, longer than a D line may be, was queued and then
# never read: left alone in cur/, neither sent nor bounced.
. "$(dirname "$0")/lib.sh"
N=$(rounds 200)
plan $((N + 4))
test_spool
unset MAILQ_FILE

cat > "$T/gen.py" <<'EOP'
import random, sys
r = random.Random(int(sys.argv[1]))
case = lambda w: ''.join(c.upper() if r.random() < .5 else c.lower() for c in w)
def xtext(n):
    s = ''
    while len(s) < n:
        s += r.choice(['+2B', '+3D', '+20', '+41']) if r.random() < .1 else r.choice('abcXYZ019.-_@!~')
    if r.random() < .1:
        i = r.randrange(len(s) + 1)
        s = s[:i] + r.choice(['+0D', '+0A', '+zz', '+4', 'é', ' ', '=']) + s[i:]
    return s
def notify():
    if r.random() < .15: return case('never')
    return ','.join(case(r.choice(['success', 'failure', 'delay'])) for _ in range(r.choice([1, 2, 3, 20, 60, 90])))
def mail():
    p = []
    if r.random() < .7: p.append(case('ret') + '=' + case(r.choice(['full', 'hdrs'])))
    if r.random() < .7: p.append(case('envid') + '=' + xtext(r.choice([1, 50, 99, 100, 100, 101])))
    r.shuffle(p); return p
def rcpt():
    p = []
    if r.random() < .8: p.append(case('notify') + '=' + notify())
    if r.random() < .7: p.append(case('orcpt') + '=' + case('rfc822') + ';' + xtext(r.choice([5, 200, 480, 493, 493, 510])))
    r.shuffle(p); return p
env = 'Fa@b.test\0'
m = mail()
if m: env += 'D ' + ' '.join(m) + '\0'
for i in range(r.randrange(1, 4)):
    env += 'Tr%d@c.test\0' % i
    p = rcpt()
    if p: env += 'D ' + ' '.join(p) + '\0'
sys.stdout.write(env + '\0')
EOP
# normal: the D lines of a message file as dsnparam_fmt writes them
cat > "$T/norm.py" <<'EOP'
import sys
bad = 0
for line in open(sys.argv[1], encoding='latin-1').read().split('\n\n')[0].split('\n'):
    if not line.startswith('D '): continue
    kv = dict(w.split('=', 1) for w in line[2:].split(' '))
    want = []
    for k in ('RET', 'ENVID', 'NOTIFY', 'ORCPT'):
        if k not in kv: continue
        v = kv[k]
        if k == 'RET': v = v.upper()
        if k == 'NOTIFY':
            ws = set(w.upper() for w in v.split(','))
            v = ','.join(w for w in ('NEVER', 'SUCCESS', 'FAILURE', 'DELAY') if w in ws)
        want.append(k + '=' + v)
    if line != 'D ' + ' '.join(want): print('not normal:', line[:80]); bad = 1
sys.exit(bad)
EOP
printf 'Subject: dsn\n\nbody\n' > "$T/msg"
queued=0 refused=0 i=0
while [ $i -lt $N ]; do
  i=$((i + 1))
  $PY "$T/gen.py" $i > "$T/env"
  inject_alone "$T/msg" "$T/env" 2> "$T/err"; rc=$?
  case $rc in
    0) queued=$((queued + 1))
       if [ -z "$NEW" ]; then why="exit 0, no file"
       elif smarthost-mailq 2>&1 | grep -q malformed; then why="read back as malformed: $(sed -n '/^D/p' "$NEW" | awk '{ print length($0) }' | tr '\n' ' ')"
       else why=$($PY "$T/norm.py" "$NEW") || true; fi ;;
    11|91) refused=$((refused + 1)); why=${NEW:+"exit $rc, and a file"} ;;
    *) why="exit $rc: $(cat "$T/err")" ;;
  esac
  is "envelope $i: refused, or queued readable in the spool's form" "$why" ""
done
ok "some were queued ($queued)" test "$queued" -gt $((N / 10))
ok "some were refused ($refused)" test "$refused" -gt $((N / 10))

# The case that was lost: 88 words of NOTIFY, a field the injector takes
# (under its 540 octets) and a line longer than the reader's 537.
n=$($PY -c "print(','.join(['delay'] * 86 + ['success'] * 2))")
printf "Fa@b.test\0Tc@d.test\0D NOTIFY=$n\0\0" > "$T/env"
inject_alone "$T/msg" "$T/env"
unlike "NOTIFY of 88 words: queued, and readable" "exit $? $(smarthost-mailq 2>&1 | head -1)" 'exit [^0]|malformed'
is "as one word each" "$(sed -n '/^D/p' "$Q"/new/*)" "D NOTIFY=SUCCESS,DELAY"
