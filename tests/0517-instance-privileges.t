#!/bin/sh
# The spool's privilege model (queue/README.md), each rule shown by running
# as the user in question, in an instance made by smarthost-setup as root:
# - the smtpd's user (its user, the spool's group only, as tcpserver runs
#   it) adds messages and nothing more: no listing of tmp/ or new/, no
#   reading, changing or removing a message the scheduler took, nothing of
#   secret/ or state/;
# - a local user in the instance's group (sendmail) no more than that, and
#   only through the setuid injector;
# - the send user reads and removes every message and reads the password;
# - running setup on an instance made before upgrades it, and setup
#   refuses a spool it cannot make right.
. "$(dirname "$0")/lib.sh"

# A sanitized build cannot run setuid (the sanitizers refuse it): this
# test is for the plain build.
setuid_member "privilege model" 38 smarthost-t517
L=$A
smtpd_u=$(cat "$D/conf/SMTPD_USER") send_u=$(cat "$D/conf/SEND_USER") spool_g=$(cat "$D/conf/SPOOL_GROUP")
as_smtpd() { setpriv --reuid="$smtpd_u" --regid="$spool_g" --clear-groups "$@" > /dev/null 2>&1; }
as_local() { setpriv --reuid="$L" --regid="$L" --init-groups "$@" > /dev/null 2>&1; }
as_send() { setpriv --reuid="$send_u" --regid="$(id -gn "$send_u")" --init-groups "$@" > /dev/null 2>&1; }
printf 'isp-password\n' > "$D/secret/upstream"

# One SMTP message through the smtpd, run as the smtpd's user (under
# $TRACE if set); prints the id.
smtpd_message()
{
  env -u QMAILQUEUE QUEUE="$Q" TCPREMOTEIP=127.0.0.1 RELAYCLIENT= HELONAME=relay.test \
    $PY - "$smtpd_u" "$spool_g" <<'PYEOF'
import os, subprocess, sys
trace = os.environ.get('TRACE', '').split()
p = subprocess.Popen(trace + ['setpriv', '--reuid=' + sys.argv[1], '--regid=' + sys.argv[2], '--clear-groups',
                      'smarthost-smtpd'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
def reply():
    while True:
        l = p.stdout.readline()
        if not l or len(l) < 4 or l[3:4] != b'-': return l.decode('latin-1').rstrip('\r\n')
def cmd(c):
    p.stdin.write(c + b'\r\n'); p.stdin.flush(); return reply()
reply(); cmd(b'EHLO c.test'); cmd(b'MAIL FROM:<a@example.org>'); cmd(b'RCPT TO:<b@example.net>')
cmd(b'DATA'); p.stdin.write(b'Subject: s\r\n\r\nfrom the smtpd\r\n.\r\n'); p.stdin.flush()
print(reply().split()[-1]); cmd(b'QUIT'); p.wait(20)
PYEOF
}

# The smtpd's user adds a message.
S1=$(smtpd_message)
ok "smtpd user: a message committed in-process" test -f "$Q/new/$S1"
is "... its file: the smtpd's, the spool's group, 0640" "$(stat -c '%U %G %a' "$Q/new/$S1")" "$smtpd_u $spool_g 640"
# Its commit: new/ cannot be opened (no read), so the file is fsynced
# again after the rename, and only then the trigger and the 250.
exec 7<> "$Q/trigger"
S2=$(TRACE="strace -f -q -y -e trace=fsync,renameat2,openat,write -o $T/trace" smtpd_message)
exec 7<&-
seq=$(sed -n \
  -e 's/.*fsync([0-9]*<.*\/tmp\/[0-9.]*>).*/F/p' \
  -e 's/.*renameat2(.*"tmp\/[0-9.]*".*"new\/[0-9.]*".*RENAME_NOREPLACE) = 0$/R/p' \
  -e 's/.*fsync([0-9]*<.*\/new\/[0-9.]*>).*/f/p' \
  -e 's/.*openat(.*"new".*O_DIRECTORY.* EACCES .*/-/p' \
  -e 's/.*write([0-9]*<.*\/trigger>.*/T/p' \
  -e 's/.*write(1<[^>]*>, "250 2.0.0 Ok: queued.*/2/p' "$T/trace" | tr -d '\n')
is "smtpd user: fsync(file), rename, new/ refused, fsync(file) again, trigger, then 250" "$seq" "FR-fT2"

# A local user in the instance's group, through sendmail (the setuid injector).
printf 'Subject: local\n\nfrom a local user\n' > "$T/local"; chmod 644 "$T/local"
ok "local user: sendmail works" as_local sh -c '"$1/bin/sendmail" b@example.net < "$2"' x "$D" "$T/local"
M=$(cd "$Q/new" && ls | grep -vx "$S1" | grep -vx "$S2")
is "... one file, the send user's, 0600" "$(stat -c '%U %a' "$Q/new/$M")" "$send_u 600"

# The scheduler takes S1: new/ to cur/, a state file.
as_send mv "$Q/new/$S1" "$Q/cur/$S1" || exit 1
as_send sh -c 'printf "attempts\t1\n" > "$1"' x "$Q/state/$S1"

# What the smtpd's user cannot do.
fails "smtpd user: cannot list tmp/" as_smtpd ls "$Q/tmp"
fails "smtpd user: cannot list new/" as_smtpd ls "$Q/new"
fails "smtpd user: cannot list the spool" as_smtpd ls "$Q"
fails "smtpd user: cannot read the local user's message in new/, even by name" as_smtpd cat "$Q/new/$M"
fails "smtpd user: cannot remove it" as_smtpd rm -f "$Q/new/$M"
fails "smtpd user: cannot replace it with a file of its own" as_smtpd mv "$Q/new/$S2" "$Q/new/$M"
fails "smtpd user: cannot read a message the scheduler took" as_smtpd cat "$Q/cur/$S1"
fails "smtpd user: cannot change it" as_smtpd sh -c 'echo x >> "$1"' x "$Q/cur/$S1"
fails "smtpd user: cannot remove it" as_smtpd rm -f "$Q/cur/$S1"
fails "smtpd user: cannot list cur/" as_smtpd ls "$Q/cur"
fails "smtpd user: cannot read state/" as_smtpd cat "$Q/state/$S1"
fails "smtpd user: cannot list state/" as_smtpd ls "$Q/state"
fails "smtpd user: cannot read the password" as_smtpd cat "$D/secret/upstream"
fails "smtpd user: cannot change new/'s mode" as_smtpd chmod 1770 "$Q/new"
ok "all of them left everything in place" test -f "$Q/new/$M" -a -f "$Q/cur/$S1" -a -f "$Q/new/$S2"

# The local user: no more than the smtpd's user, and only through the injector.
fails "local user: cannot enter the spool" as_local ls "$Q"
fails "local user: cannot write into tmp/ directly" as_local touch "$Q/tmp/x"
fails "local user: cannot commit without the setuid injector" as_local sh -c 'printf "Fa@b\0Tc@d\0\0" > /tmp/.env$$; QUEUE="$1" smarthost-queue < /dev/null 1< /tmp/.env$$; r=$?; rm -f /tmp/.env$$; exit $r' x "$Q"
fails "local user: cannot read a message the scheduler took" as_local cat "$Q/cur/$S1"
fails "local user: cannot read the password" as_local cat "$D/secret/upstream"
fails "local user: cannot run the smtpd's commit (not in the spool's group)" as_local sh -c 'id -nG | tr " " "\n" | grep -qx "$1"' x "$spool_g"

# The send user: reads and removes every message, reads the password.
ok "send user: reads the smtpd's message" as_send cat "$Q/new/$S2"
ok "send user: reads the local user's message" as_send cat "$Q/new/$M"
ok "send user: reads the password" as_send cat "$D/secret/upstream"
ok "send user: removes the smtpd's message" as_send rm "$Q/new/$S2"
ok "send user: removes the others" as_send rm "$Q/new/$M" "$Q/cur/$S1" "$Q/state/$S1"
is "the spool is empty" "$(ls -A "$Q/new" "$Q/cur" "$Q/tmp" "$Q/state" | grep -c .)" 4

# An instance made before (the old modes, QMAILQUEUE the setuid injector,
# no SPOOL_GROUP): setup upgrades it.
chgrp -R "$(id -gn "$send_u")" "$Q" && chmod 0750 "$Q" "$Q/new" "$Q/cur" "$Q/state" && chmod 0700 "$Q/tmp" && chmod 0600 "$Q/trigger"
echo "$D/bin/smarthost-queue" > "$D/conf/QMAILQUEUE"; rm -f "$D/conf/SPOOL_GROUP"
ok "setup on the old instance" sh -c "smarthost-setup '$D' > '$T/up.err' 2>&1"
is "... modes and groups upgraded" "$(cd "$Q" && stat -c '%n %a %U %G' . tmp new cur state trigger | tr '\n' ' ')" \
  ". 710 $send_u $spool_g tmp 3730 $send_u $spool_g new 1730 $send_u $spool_g cur 700 $send_u $spool_g state 700 $send_u $spool_g trigger 620 $send_u $spool_g "
is "... QMAILQUEUE emptied (the smtpd commits itself), SPOOL_GROUP back" "$(wc -c < "$D/conf/QMAILQUEUE") $(cat "$D/conf/SPOOL_GROUP")" "0 $spool_g"
S3=$(smtpd_message)
ok "... and the smtpd's user commits into it" test -f "$Q/new/$S3"

# A spool setup cannot make right: refused, naming it.
rm -f "$Q/new/$S3"; rmdir "$Q/tmp"; ln -s /tmp "$Q/tmp"
fails "a link as queue/tmp: setup refuses" sh -c "smarthost-setup '$D' > '$T/bad.err' 2>&1"
like "... naming it" "$(cat "$T/bad.err")" "queue/tmp is a symbolic link"
rm -f "$Q/tmp"
