#!/bin/sh
# smarthost-smtpd commits in-process when QMAILQUEUE is unset: no process
# started for a message, the envelope as the injector writes it (duplicate
# recipients folded), and the order of a durable commit before the 250:
# fsync(tmp/ID), rename into new/, fsync(new/), trigger, then "250".
. "$(dirname "$0")/lib.sh"
plan 12

test_spool

# session N RCPT...: N messages in one session on pipes; prints each reply
# to the final dot.
session()
{
  T=$T TCPREMOTEIP=127.0.0.1 RELAYCLIENT= HELONAME=relay.test SMTPD_TIMEOUT=10 \
  $PY - "$@" <<'PYEOF'
import subprocess, sys, os
n = int(sys.argv[1]); rcpts = sys.argv[2:]
cmdline = os.environ.get("SMTPD_CMD", "smarthost-smtpd").split()
p = subprocess.Popen(cmdline, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.environ["T"] + "/smtpd.log", "a"))
def reply():
    while True:
        l = p.stdout.readline()
        if not l: return 'none'
        if len(l) < 4 or l[3:4] != b'-': return l.decode('latin-1').rstrip('\r\n')
def cmd(c):
    p.stdin.write(c + b'\r\n'); p.stdin.flush(); return reply()
reply(); cmd(b'EHLO client.test')
for i in range(n):
    cmd(b'MAIL FROM:<a@example.org>')
    for r in rcpts: cmd(b'RCPT TO:<' + r.encode() + b'>')
    r = cmd(b'DATA')
    if not r.startswith('354'): print('DATA: ' + r); continue
    p.stdin.write(b'Subject: m%d\r\n\r\nbody %d\r\n.\r\n' % (i, i)); p.stdin.flush()
    print(reply())
cmd(b'QUIT'); p.stdin.close(); p.wait(20)
PYEOF
}

reply=$(session 1 b@example.net b@EXAMPLE.net c@example.net b@example.net)
id=${reply##* }
like "a message: 250 with its id" "$reply" '^250 2\.0\.0 Ok: queued as [0-9]{10}\.[0-9]{9}\.[0-9]{10}$'
ok "... the file is new/ID" test -f "$Q/new/$id"
is "... envelope as the injector writes it, duplicates folded" "$(sed -n '1,/^$/p' "$Q/new/$id")" "F a@example.org
T b@example.net
T c@example.net"
like "... then our Received header with the id" "$(sed -n '5,7p' "$Q/new/$id")" "id $id;"
is "... and nothing in tmp/" "$(ls "$Q/tmp")" ""
rm -f "$Q"/new/*

# The order of the commit, and no process started for 20 messages. A
# reader holds the trigger open, as the scheduler does.
exec 7<> "$Q/trigger"
SMTPD_CMD="strace -f -q -y -e trace=execve,fork,vfork,clone,clone3,fsync,renameat2,write -o $T/trace smarthost-smtpd" \
  session 20 b@example.net > "$T/replies"
is "20 messages: 20 times 250" "$(grep -c '^250 ' "$T/replies")" 20
is "20 files in new/" "$(ls "$Q/new" | wc -l)" 20
is "no process started (execve, fork, clone) but the smtpd itself" \
  "$(grep -cE '(execve|fork|clone3?)\(' "$T/trace")" 1
seq=$(sed -n \
  -e 's/.*fsync([0-9]*<.*\/tmp\/[0-9.]*>).*/F/p' \
  -e 's/.*renameat2(.*"tmp\/[0-9.]*".*"new\/[0-9.]*".*RENAME_NOREPLACE) = 0$/R/p' \
  -e 's/.*fsync([0-9]*<.*\/new>).*/D/p' \
  -e 's/.*write([0-9]*<.*\/trigger>.*/T/p' \
  -e 's/.*write(1<[^>]*>, "250 2.0.0 Ok: queued.*/2/p' "$T/trace" | tr -d '\n')
ok "... each 250 comes after fsync(file), rename, fsync(new/), trigger" \
  sh -c '[ "$(printf %s "$1" | sed "s/FRDT2//g")" = "" ] && [ "$(printf %s "$1" | grep -o FRDT2 | wc -l)" -eq 20 ]' x "$seq"
[ "$(printf %s "$seq" | grep -o FRDT2 | wc -l)" -eq 20 ] || echo "# sequence: $seq" >&3
rm -f "$Q"/new/*
exec 7<&-

# QMAILQUEUE set: the injector it names is run, as before.
printf '#!/bin/sh\necho ran >> "%s/ran"\nexec smarthost-queue\n' "$T" > "$T/qq"; chmod +x "$T/qq"
r=$(QMAILQUEUE=$T/qq session 2 b@example.net)
is "QMAILQUEUE set: the filter runs for each message" "$(cat "$T/ran" 2>/dev/null)" "ran
ran"
is "... and both are queued" "$(ls "$Q/new" | wc -l)" 2
rm -f "$Q"/new/*

# A spool that is gone: 451 at DATA, nothing else.
r=$(QUEUE=$T/nowhere session 1 b@example.net)
like "spool missing: 451 before any data" "$r" '^DATA: 451 4\.3\.0 '
