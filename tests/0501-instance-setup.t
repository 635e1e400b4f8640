#!/bin/sh
# smarthost-setup: the files it makes, their modes and owners, the relay
# rules, and that running it again changes nothing and overwrites no value.
. "$(dirname "$0")/lib.sh"
plan 41

D=$T/inst
chmod 755 "$T"   # the unprivileged users of the instance must reach it
snapshot() { (cd "$D" && find . -path ./tcp.smtpd.cdb -prune -o -printf '%p %y %m %u %g %s\n' | sort); }
mode() { stat -c %a "$1"; }
user() { stat -c %U "$1"; }

fails_with 100 "no directory: usage" sh -c 'smarthost-setup 2>/dev/null'
fails_with 100 "unknown option: usage" sh -c "smarthost-setup -Z '$D' 2>/dev/null"
ok "setup" sh -c "smarthost-setup -t -l 127.0.0.1:2599 '$D' 2>'$T/err'"

# conf/: every setting, each documented in smarthost-conf(5).
names=$(ls "$D/conf")
for n in QUEUE UPSTREAM UPSTREAM_TLS UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE \
  UPSTREAM_TOKENCMD HELONAME LISTEN DATABYTES CONCURRENCY RETRY LIFETIME QMAILQUEUE \
  SMTPD_CERTFILE SMTPD_KEYFILE SMTPD_AUTHFILE SMTPD_TIMEOUT SMTPD_MAXRCPT DELAYWARN RESCAN; do
  printf '%s\n' "$names" | grep -qx "$n" || echo "# missing conf/$n"
done > "$T/missing"
is "doc/design.md's and interfaces.md's names are all in conf/" "$(cat "$T/missing")" ""
undoc=
for n in $names; do grep -Eq "^\.BR? (.* )?$n( |\$)" "$TOP/man/smarthost-conf.5" || undoc="$undoc $n"; done
is "every file in conf/ is documented in smarthost-conf(5)" "$undoc" ""
is "QUEUE is absolute" "$(cat "$D/conf/QUEUE")" "$D/queue"
is "LISTEN from -l" "$(cat "$D/conf/LISTEN")" "127.0.0.1:2599"
is "RETRY default" "$(cat "$D/conf/RETRY")" "60,240,540,960,1500,2160,2940,3600"
is "UPSTREAM_TLS default" "$(cat "$D/conf/UPSTREAM_TLS")" starttls
is "no upstream: empty file (unset by s6-envdir)" "$(wc -c < "$D/conf/UPSTREAM")" 0
like "PATH starts with the programs" "$(cat "$D/conf/PATH")" "^$BUILD:"
is "an environment s6-envdir can load" "$(s6-envdir "$D/conf" sh -c 'echo "$DATABYTES ${UPSTREAM-unset}"')" "26214400 unset"

# queue/, with the FIFO; service/ with run scripts; the certificate.
ok "queue directories" test -d "$D/queue/tmp" -a -d "$D/queue/new" -a -d "$D/queue/cur" -a -d "$D/queue/state"
ok "trigger is a FIFO" test -p "$D/queue/trigger"
if [ "$(id -u)" = 0 ]; then want="710 1730 700 700 3730 620 700"; else want="700 700 700 700 700 600 700"; fi
is "modes: queue new cur state tmp trigger secret (queue/README.md)" \
  "$(mode "$D/queue") $(mode "$D/queue/new") $(mode "$D/queue/cur") $(mode "$D/queue/state") $(mode "$D/queue/tmp") $(mode "$D/queue/trigger") $(mode "$D/secret")" \
  "$want"
ok "run scripts" test -x "$D/service/smtpd/run" -a -x "$D/service/smtpd/log/run" -a -x "$D/service/send/run" -a -x "$D/service/send/log/run"
ok "log directories" test -d "$D/log/smtpd" -a -d "$D/log/send"
like "self-signed certificate" "$(openssl x509 -noout -subject -in "$(cat "$D/conf/SMTPD_CERTFILE")" 2>&1)" 'CN ?= ?'
is "key mode" "$(mode "$(cat "$D/conf/SMTPD_KEYFILE")")" 600

# Relay rules: 127.0.0.1 gets RELAYCLIENT, nobody else does.
like "127.0.0.1 may relay" "$(TCPREMOTEIP=127.0.0.1 tcprulescheck "$D/tcp.smtpd.cdb")" 'RELAYCLIENT'
unlike "192.0.2.1 may not" "$(TCPREMOTEIP=192.0.2.1 tcprulescheck "$D/tcp.smtpd.cdb")" 'RELAYCLIENT'

# As root: unprivileged users, the queue theirs, the injector setuid to
# the queue's owner (never root), the key the smtpd's.
if [ "$(id -u)" = 0 ]; then
  su=$(cat "$D/conf/SEND_USER")
  is "queue owned by the send user" "$(user "$D/queue") $(user "$D/queue/new") $(user "$D/secret")" "$su $su $su"
  is "key owned by the smtpd user" "$(user "$D/tls/key.pem")" "$(cat "$D/conf/SMTPD_USER")"
  is "injector: setuid to the send user, group only" "$(stat -c '%a %U' "$D/bin/smarthost-queue")" "4710 $su"
  printf 'Subject: t\n\nx\n' | PATH=/usr/bin:/bin "$D/bin/sendmail" bob@example.net
  is "DIR/bin/sendmail queues, as the send user" "$(stat -c %U "$D"/queue/new/*)" "$su"
  rm -f "$D"/queue/new/*
else
  for i in 1 2 3 4; do skip "privilege separation" "needs root"; done
fi

# Twice: nothing changes; values are never overwritten; missing ones return.
before=$(snapshot)
ok "second run" sh -c "smarthost-setup -t '$D' 2>/dev/null"
is "second run changes nothing" "$(snapshot)" "$before"
echo smtp.example.net:587 > "$D/conf/UPSTREAM"
echo 127.0.0.1:2600 > "$D/conf/LISTEN"
: > "$D/conf/RETRY"
rm "$D/conf/DATABYTES"
echo '10.0.0.:allow,RELAYCLIENT=""' >> "$D/tcp.smtpd"
ok "third run, with another -l" sh -c "smarthost-setup -l 0.0.0.0:25 '$D' 2>/dev/null"
is "values kept" "$(cat "$D/conf/UPSTREAM") $(cat "$D/conf/LISTEN")" "smtp.example.net:587 127.0.0.1:2600"
is "an emptied value stays empty" "$(wc -c < "$D/conf/RETRY")" 0
is "a removed value comes back" "$(cat "$D/conf/DATABYTES")" 26214400
like "edited rules kept and compiled" "$(TCPREMOTEIP=10.0.0.7 tcprulescheck "$D/tcp.smtpd.cdb")" 'RELAYCLIENT'

# The password file: secret/upstream is made empty, the send user's, 0600;
# one there that others or the group can read is put right; one elsewhere
# is named with the fix.
su=$(cat "$D/conf/SEND_USER"); [ -n "$su" ] || su=$(id -un)
is "secret/upstream: empty, 0600, the send user's" "$(stat -c '%s %a %U' "$D/secret/upstream")" "0 600 $su"
printf 'pw\n' > "$D/secret/upstream"; chmod 640 "$D/secret/upstream"
[ "$(id -u)" = 0 ] && chown root "$D/secret/upstream"
echo "$D/secret/upstream" > "$D/conf/UPSTREAM_PASSFILE"
ok "setup again" sh -c "smarthost-setup '$D' 2>/dev/null"
is "... puts a group-readable password file right: 0600, the send user's, content kept" \
  "$(stat -c '%a %U' "$D/secret/upstream") $(cat "$D/secret/upstream")" "600 $su pw"
printf 'pw\n' > "$T/elsewhere"; chmod 640 "$T/elsewhere"
echo "$T/elsewhere" > "$D/conf/UPSTREAM_PASSFILE"
like "a readable password file elsewhere is named, with the fix" "$(smarthost-setup "$D" 2>&1)" "elsewhere is readable by others than its owner, and smarthost-remote refuses it: chmod 600"
is "... and left as it is" "$(stat -c %a "$T/elsewhere")" 640
if [ "$(id -u)" = 0 ]; then
  rm -f "$D/secret/upstream"; ln -s "$T/victim" "$D/secret/upstream"; printf 'v\n' > "$T/victim"; chmod 644 "$T/victim"
  echo "$D/secret/upstream" > "$D/conf/UPSTREAM_PASSFILE"
  smarthost-setup "$D" >/dev/null 2>&1
  is "a link in secret/ does not make root change the file it points to" "$(stat -c '%a %U' "$T/victim")" "644 root"
  rm -f "$D/secret/upstream"
else
  skip "a link in secret/" "needs root"
fi

# Without privilege separation (-n, or not root): no users, no setuid.
D2=$T/plain
ok "-n" sh -c "smarthost-setup -n '$D2' 2>/dev/null"
is "-n: no users" "$(cat "$D2/conf/SMTPD_USER" "$D2/conf/SEND_USER")" ""
ok "-n: no setuid injector" test ! -e "$D2/bin/smarthost-queue"
