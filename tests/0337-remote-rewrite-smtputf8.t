#!/bin/sh
# UPSTREAM_REWRITE and SMTPUTF8 together, to an upstream that does not
# offer SMTPUTF8. A message that asked for SMTPUTF8 (the spool's U line)
# with UTF-8 in its header fails with 5.6.7 and is not sent; UTF-8 only
# in its body goes. Rewriting the sender to the account's ASCII address
# changes neither: the header is still the header once From: is
# rewritten. The invariant, over random messages (UTF-8 or not in the
# Subject, a display name, the first or a later paragraph of the body;
# the U line or not): each goes, or fails with 5.6.7, the same with the
# rewrite as without it.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
N=$(rounds 30)
plan $((N + 3))

make_queue "$T/q"
export HELONAME=relay.test QUEUE="$T/q" UPSTREAM_TLS=none
unset UPSTREAM_REWRITE UPSTREAM_ROUTE ROUTES UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD
start_upstream plain
UPSTREAM="127.0.0.1:$PORT"; export UPSTREAM

cat > "$T/gen.py" <<'EOP'
import random, sys
r = random.Random(int(sys.argv[1]))
u = lambda: r.choice(['gr\u00fc\u00dfe', 'plain', 'caf\u00e9', 'x'])
lines = ['F a@example.org', 'T b@example.net']
if r.random() < .7: lines.append('U SMTPUTF8')
head = ['From: %s <a@example.org>' % r.choice(['Ann', 'J\u00f6rg', '"A, B"']), 'Subject: ' + u(), 'To: b@example.net']
body = [u() + ' first', '', r.choice(['Subject: ' + u(), 'From: ' + u()]), '', u() + ' last']
sys.stdout.write('\n'.join(lines) + '\n\n' + '\n'.join(head) + '\n\n' + '\n'.join(body) + '\n')
EOP
# outcome NAME: what the job's M line says, and whether the upstream got it
outcome()
{
  before=$(ls "$T/plain" | grep -c '\.msg$')
  { printf 'M %s\n' "$T/q/cur/$1"; printf 'R b@example.net\n.\n'; } | smarthost-remote -w > "$T/$1.res"
  after=$(ls "$T/plain" | grep -c '\.msg$')
  printf '%s sent=%s' "$(grep '^R' "$T/$1.res" | cut -f3 | head -1) $(grep -o '5\.6\.7' "$T/$1.res" | head -1)" "$((after - before))"
}
sent=0 failed=0 i=0
while [ $i -lt $N ]; do
  i=$((i + 1))
  $PY "$T/gen.py" $i > "$T/q/cur/m$i"
  plain=$(outcome "m$i")
  rewritten=$(UPSTREAM_REWRITE=acct@isp.test outcome "m$i")
  case $plain in *sent=1) sent=$((sent + 1)) ;; *5.6.7*) failed=$((failed + 1)) ;; esac
  is "message $i: the same outcome with the rewrite ($plain)" "$rewritten" "$plain"
done
ok "some went ($sent)" test "$sent" -gt 0
ok "some failed with 5.6.7 ($failed)" test "$failed" -gt 0

# the plain case: U line, UTF-8 in the Subject, ASCII body
printf 'F a@example.org\nT b@example.net\nU SMTPUTF8\n\nFrom: A <a@example.org>\nSubject: gr\303\274\303\237e\n\nhello\n' > "$T/q/cur/u1"
like "a UTF-8 Subject, rewritten From:: 5.6.7, not sent" "$(UPSTREAM_REWRITE=acct@isp.test outcome u1)" '^fail 5\.6\.7 sent=0$'
