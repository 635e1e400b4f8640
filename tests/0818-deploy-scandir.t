#!/bin/sh
# An instance's services linked into an existing s6 scan directory, as the
# README says (instead of s6-svscan on DIR/service): each finds the
# instance through its physical place (../../conf), the smtpd greets with
# the instance's HELONAME on its LISTEN port, mail from the instance's
# sendmail is queued and listed, the log services write DIR/log, s6-svc
# on the link restarts a service, and everything stops with the scanner.
. "$(dirname "$0")/lib.sh"
plan 9

chmod 755 "$T"
D=$T/inst
port=$(free_port)
smarthost-setup -n -l "127.0.0.1:$port" "$D" > /dev/null 2>&1 || { echo "Bail out! setup failed"; exit 1; }
echo relay.scandir.test > "$D/conf/HELONAME"
scan=$T/scan
mkdir "$scan"
ln -s "$D/service/smtpd" "$scan/smarthost-smtpd"
ln -s "$D/service/send" "$scan/smarthost-send"
spawn s6-svscan "$scan" 3>&-   # the services must not hold the TAP descriptor
svscan=$SPAWNED
ok "the smtpd listens on the instance's LISTEN" wait_port "$port"
greet=$($PY -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),10); print(s.recv(512).decode()); s.close()' "$port")
like "it greets with the instance's HELONAME (conf/ found through the link)" "$greet" '^220 relay\.scandir\.test '
ok "the scheduler started, logged into DIR/log/send" wait_for 20 grep -qs 'smarthost-send: info: started' "$D/log/send/current"
printf 'Subject: linked\n\nthrough a linked service\n' | "$D/bin/sendmail" -f a@example.org held@example.net
ok "the instance's sendmail queues a message; the scheduler takes it" \
  wait_for 20 sh -c "ls '$D/queue/cur' | grep -q '^[0-9]'"
like "mailq lists it" "$("$D/bin/mailq")" '<a@example.org> <held@example.net>'
pid=$(s6-svstat -o pid "$scan/smarthost-send")
ok "s6-svc -r on the link restarts the scheduler" s6-svc -r "$scan/smarthost-send"
ok "a new one runs" wait_for 20 sh -c "p=\$(s6-svstat -o pid '$scan/smarthost-send'); [ \"\$p\" != -1 ] && [ \"\$p\" != '$pid' ]"
ok "it started again, with the message still queued" wait_for 20 grep -qs 'started: 1 messages queued' "$D/log/send/current"

pids="$svscan"
for s in smarthost-smtpd smarthost-smtpd/log smarthost-send smarthost-send/log; do pids="$pids $(s6-svstat -o pid "$scan/$s")"; done
kill -TERM "$svscan"
wait_for 20 sh -c "! ps -o stat= -p $svscan | grep -qv Z"
left=
for p in $pids; do [ "$p" != -1 ] && kill -0 "$p" 2>/dev/null && left="$left $p"; done
is "every process stopped with the scanner" "$left" ""
