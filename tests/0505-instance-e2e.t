#!/bin/sh
# End to end, as an administrator runs it: an instance made by
# smarthost-setup, under s6-svscan, relaying through an independent upstream
# (aiosmtpd) that wants STARTTLS and AUTH LOGIN, as the ISP of the original
# site did. Mail comes in with swaks (STARTTLS to our smtpd) and with the
# instance's sendmail, is held while no upstream is configured, arrives
# byte-exact, survives s6-svc -r of both services in the middle of a batch,
# and everything stops at the end.
. "$(dirname "$0")/lib.sh"
N=24
plan $N

need_built $N "end to end" smarthost-smtpd smarthost-queue smarthost-send smarthost-remote smarthost-sendmail smarthost-setup \
  tests/peers/upstream.py tests/peers/remote.sh
. "$TOP/tests/peers/remote.sh"

test_instance
ok "instance made" test -x "$D/service/smtpd/run" -a -x "$D/service/send/run"
conf_set HELONAME relay.test
conf_set RETRY 1
conf_set UPSTREAM_MAXMSGS 5

# When a step the rest depends on failed, the rest is skipped rather than
# left to time out.
gate()
{
  [ "$_tap_failed" = 0 ] && return 0
  while [ "$_tap_n" -lt $N ]; do skip "end to end" "an earlier step failed"; done
  exit 1
}

# Everything the services start: stopped by PID at the end (and by
# lib.sh's trap if the test dies first).
start_instance
ok "smtpd listens" wait_port "$sport"

# 1. No upstream yet: mail is accepted, held, and listed.
printf 'From: a@example.org\nTo: held@example.net\nSubject: held\nDate: Fri, 27 Nov 2026 10:00:00 +0000\nMessage-ID: <held@example.org>\n\nkept until there is an upstream\n' > "$T/m0"
ok "swaks without upstream: 250" swaks -4 --server 127.0.0.1 --port "$sport" --tls \
  --from a@example.org --to held@example.net --data "@$T/m0" --silent 2
ok "held in the queue" wait_for 10 sh -c "ls '$D/queue/cur' '$D/queue/new' | grep -q '^[0-9]'"
gate
like "mailq lists it" "$("$D/bin/mailq")" '^[0-9]{10}\.[0-9]{9}\.[0-9]{10} [0-9]+[smhd]+.* [0-9]+ <a@example.org> <held@example.net>'
wait_for 10 grep -q "no upstream configured" "$D/log/send/current"
like "the send log says how to set the upstream" "$(cat "$D/log/send/current")" 'no upstream configured: mail is accepted and held in .*conf/UPSTREAM'

# 2. The upstream: STARTTLS, AUTH LOGIN only, AUTH required.
make_certs
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
  --auth-user alice@example.org --auth-pass 'pass word' --mechs LOGIN --require-auth
instance_secret upstream 'pass word'
conf_set UPSTREAM "localhost:$PORT"
conf_set UPSTREAM_CAFILE "$T/certs/ca.pem"
conf_set UPSTREAM_USER alice@example.org
conf_set UPSTREAM_PASSFILE "$D/secret/upstream"
s6-svc -r "$D/service/send"
ok "the held message goes out" wait_for 30 test -e "$T/up/1.env"
gate
is "its envelope" "$(cat "$T/up/1.env")" "F a@example.org
T held@example.net"

# Byte-exact: what the upstream stored, less the Received field our smtpd
# put on top, is the message as sent, with CRLF.
strip_received "$T/up/1.msg" > "$T/got1"; swaks_crlf "$T/m0" > "$T/want1"
ok "held message byte-exact" cmp "$T/got1" "$T/want1"
like "STARTTLS and AUTH LOGIN upstream" "$(cat "$T/up/log")" 'starttls'
like "AUTH LOGIN as alice" "$(cat "$T/up/log")" 'auth ok LOGIN alice@example.org'

# 3. swaks, STARTTLS to our smtpd, a message with a leading dot and 8-bit.
{ printf 'From: Ann <ann@example.org>\nTo: bob@example.net\nSubject: swaks\nDate: Fri, 27 Nov 2026 10:00:01 +0000\nMessage-ID: <swaks@example.org>\n\n'
  printf '.leading dot\n..two\n\303\251t\303\251\n'; $PY -c 'print("y" * 990)'; printf 'end\n'; } > "$T/m1"
ok "swaks over STARTTLS: 250" swaks -4 --server 127.0.0.1 --port "$sport" --tls \
  --from ann@example.org --to bob@example.net,carol@example.com --data "@$T/m1" --silent 2
ok "swaks message arrives" wait_for 30 test -e "$T/up/2.env"
is "swaks envelope" "$(cat "$T/up/2.env")" "F ann@example.org
T bob@example.net
T carol@example.com"
strip_received "$T/up/2.msg" > "$T/got2"; swaks_crlf "$T/m1" > "$T/want2"
ok "swaks message byte-exact" cmp "$T/got2" "$T/want2"

# 4. The instance's sendmail (as root: the setuid injector), -t with Bcc.
printf 'From: cron@example.org\nTo: dave@example.net\nBcc: eve@example.net\nSubject: from cron\nDate: Fri, 27 Nov 2026 10:00:02 +0000\nMessage-ID: <cron@example.org>\n\nreport\n' > "$T/m2"
ok "sendmail -t" sh -c "'$D/bin/sendmail' -t -i -f cron@example.org < '$T/m2'"
ok "sendmail message arrives" wait_for 30 test -e "$T/up/3.env"
is "sendmail envelope: To and Bcc" "$(cat "$T/up/3.env")" "F cron@example.org
T dave@example.net
T eve@example.net"
grep -v '^Bcc:' "$T/m2" > "$T/m2nobcc"; crlf "$T/m2nobcc" > "$T/want3"
ok "sendmail message byte-exact, Bcc removed" cmp "$T/up/3.msg" "$T/want3"

# 5. A batch of 30 over SMTP while both services restart: every message
# that got its 250 arrives. The client retries what got no 250 (the port
# is closed for a moment while tcpserver restarts).
cat > "$T/batch.py" <<'EOF'
import smtplib, ssl, sys, time, subprocess
port, d = int(sys.argv[1]), sys.argv[2]
got = 0
deadline = time.time() + 120
for i in range(30):
    if i == 8: subprocess.run(["s6-svc", "-r", d + "/service/send"])
    if i == 16: subprocess.run(["s6-svc", "-r", d + "/service/smtpd"])
    if i == 22: subprocess.run(["s6-svc", "-r", d + "/service/send"])
    msg = "From: b@example.org\r\nSubject: batch %d\r\n\r\nmessage %d\r\n" % (i, i)
    for attempt in range(100):
        try:
            s = smtplib.SMTP("127.0.0.1", port, timeout=20)
            s.sendmail("b@example.org", ["batch@example.net"], msg)
            s.quit()
            got += 1
            break
        except (OSError, smtplib.SMTPException):
            if time.time() > deadline: break
            time.sleep(0.1)
print(got)
EOF
is "30 messages accepted during the restarts" "$($PY "$T/batch.py" "$sport" "$D")" 30
ok "all 30 arrive" wait_for 60 sh -c "[ \$(cat '$T'/up/*.msg | grep -c '^Subject: batch') -ge 30 ]"
is "each of them" "$(cat "$T"/up/*.msg | sed -n 's/^Subject: batch \([0-9]*\)\r$/\1/p' | sort -un | wc -l)" 30
ok "the queue empties" wait_for 30 sh -c "[ -z \"\$(ls '$D/queue/new' '$D/queue/cur' | grep '^[0-9]')\" ]"

# 6. Stop everything: s6-svscan's orderly stop, then no process is left.
stop_instance
