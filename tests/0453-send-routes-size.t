#!/bin/sh
# Each sender is held to the SIZE of its own route's upstream: two
# upstreams with different limits, smarthost-send probing both at start,
# and the smtpd refusing alice's too-large message (her upstream takes
# 1,000,000 octets) at MAIL SIZE= and at the end of DATA, while the same
# size from a sender of the other route (3,000,000) is taken and reaches
# its upstream. With ROUTES the smtpd offers DATABYTES in EHLO: the
# limit depends on the sender.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 9

start_upstream A --size 1000000; PA=$PORT
start_upstream B --size 3000000; PB=$PORT
cat > "$T/routes" <<EOR
alice@a.test  localhost:$PA  tls=none
*             localhost:$PB  tls=none
EOR
REMOTE=smarthost-remote ROUTES=$T/routes UPSTREAM_TLS=none
export REMOTE ROUTES UPSTREAM_TLS
unset UPSTREAM UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD
start_send
ok "both routes probed at start" wait_for 20 sh -c "[ \$(grep -c 'advertises SIZE .*recorded in' '$T/log') -ge 2 ]"

start_relay_smtpd DATABYTES=10000000

cat > "$T/send.py" <<'PY'
import smtplib, sys
port, sender, size = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
print("offered", s.esmtp_features.get("size", "none"))
if sys.argv[4:] == ["nosize"]:
    s.esmtp_features.pop("size")
line = b"x" * 76 + b"\r\n"
msg = b"Subject: big\r\n\r\n" + line * (size // len(line))
try:
    s.sendmail(sender, ["bob@dest.test"], msg)
    print("accepted", len(msg))
except smtplib.SMTPException as e:
    print("refused", getattr(e, "smtp_code", ""), getattr(e, "smtp_error", e))
s.quit()
PY
out=$($PY "$T/send.py" "$SPORT" alice@a.test 1500000 2>&1)
like "EHLO offers DATABYTES: the limit is the sender's" "$out" 'offered 10000000'
like "alice's 1,500,000 octets: 552 at MAIL SIZE=" "$out" 'refused 552 .*5\.3\.4'
out=$($PY "$T/send.py" "$SPORT" alice@a.test 1500000 nosize 2>&1)
like "without SIZE=: 552 at the end of DATA, her route's limit named" "$out" 'refused 552 .*limit is 995904 octets'
out=$($PY "$T/send.py" "$SPORT" carl@other.test 1500000 2>&1)
like "the same size from a sender of the other route is taken" "$out" 'accepted'
ok "and reaches B" wait_for 30 sh -c "grep -qx 'F carl@other.test' '$T'/B/*.env 2>/dev/null"
unlike "A saw no transaction" "$(cat "$T/A/log")" '^mail'
out=$($PY "$T/send.py" "$SPORT" carl@other.test 3500000 2>&1)
like "over B's limit, the other route's sender is refused too" "$out" 'refused 552'
out=$($PY "$T/send.py" "$SPORT" alice@a.test 500000 2>&1)
like "alice under her limit: taken" "$out" 'accepted'
stop_send
