#!/bin/sh
# The SIZE of each sender's route in an instance, as an administrator
# sets it up: smarthost-setup, DIR/routes (mode 0644) named by
# conf/ROUTES, two upstreams with different SIZE limits, under
# s6-svscan. The send service probes both routes at its start; the
# smtpd, running as the instance's smtpd user, reads the routes file
# and the records and refuses alice's too-large message at MAIL SIZE=
# while a sender of the other route gets the same size through. A routes
# file the smtpd's user cannot read is logged, and conf/'s limit
# applies.
. "$(dirname "$0")/lib.sh"
N=9
plan $N

need_built $N "instance routes size" smarthost-smtpd smarthost-send smarthost-remote smarthost-setup
. "$TOP/tests/peers/remote.sh"

test_instance
ok "instance made" test -x "$D/service/send/run"
conf_set HELONAME relay.test
conf_set RETRY 1
conf_set UPSTREAM_TLS none
conf_set DATABYTES 10000000

start_upstream A --size 1000000; PA=$PORT
start_upstream B --size 3000000; PB=$PORT
set_routes <<EOR
alice@isp-a.test  localhost:$PA  tls=none
*                 localhost:$PB  tls=none
EOR

start_instance
ok "smtpd listens" wait_port "$sport"
ok "the send service probes both routes at its start" wait_for 30 sh -c \
  "[ \$(grep -c 'advertises SIZE .*recorded in' '$D/log/send/current' 2>/dev/null) -ge 2 ]"

cat > "$T/send.py" <<'PY'
import smtplib, sys
port, sender, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
line = b"x" * 76 + b"\r\n"
msg = b"Subject: big\r\n\r\n" + line * (size // len(line))
try:
    s.sendmail(sender, ["bob@dest.test"], msg)
    print("accepted")
except smtplib.SMTPException as e:
    print("refused", getattr(e, "smtp_code", ""), getattr(e, "smtp_error", e))
s.quit()
PY
like "the smtpd user holds alice to her route's SIZE: 552 at MAIL" "$($PY "$T/send.py" "$sport" alice@isp-a.test 1500000 2>&1)" 'refused 552'
like "the same size from a sender of the * route is taken" "$($PY "$T/send.py" "$sport" carl@office.test 1500000 2>&1)" 'accepted'
ok "and reaches B" wait_for 30 sh -c "grep -qx 'F carl@office.test' '$T'/B/*.env 2>/dev/null"

# The smtpd's user cannot read the file: logged, conf/'s limit (none
# recorded here: DATABYTES) applies to everyone. Only meaningful when
# the smtpd runs as a user of its own.
su=$(cat "$D/conf/SMTPD_USER" 2>/dev/null)
if [ "$(id -u)" = 0 ] && [ -n "$su" ]; then
  chmod 600 "$D/routes"
  like "an unreadable routes file: alice's message is taken under DATABYTES" "$($PY "$T/send.py" "$sport" alice@isp-a.test 1500000 2>&1)" 'accepted'
  ok "and the smtpd says why" wait_for 10 grep -q "warning: unable to read $D/routes: Permission denied: the SIZE of conf/'s upstream applies" "$D/log/smtpd/current"
  chmod 644 "$D/routes"
else
  skip "unreadable routes file" "the smtpd runs as this user"
  skip "unreadable routes file" "the smtpd runs as this user"
fi

stop_instance
