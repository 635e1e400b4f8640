#!/bin/sh
# The upstream's SIZE is known before the first message: smarthost-send
# runs `smarthost-remote --probe-size` at start (EHLO with the configured
# TLS, no AUTH), which records it in queue/upstream-size; the smtpd then
# refuses, at MAIL SIZE= and at the end of DATA, a message that would fit
# the upstream's SIZE but not once the upstream adds its own headers
# (UPSTREAM_SIZE_MARGIN, 4096 octets by default). Nothing of it reaches
# the upstream.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 16

make_certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
REMOTE=smarthost-remote UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u UPSTREAM_PASSFILE=$T/pass
export REMOTE UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
  --auth-user u --auth-pass pw --require-auth --size 1048576
UPSTREAM=localhost:$PORT; export UPSTREAM
start_send
ok "the scheduler learns the upstream's SIZE at start" wait_for 20 grep -qsx 1048576 "$Q/upstream-size"
ok "and says so" wait_for 10 grep -q 'smarthost-remote: info: the upstream advertises SIZE 1048576: recorded in' "$T/log"
ok "the probe went through STARTTLS" grep -qx starttls "$T/up/log"
unlike "and did not log in" "$(cat "$T/up/log")" '^auth'

start_relay_smtpd

# smtplib sends SIZE= when the server offers SIZE
cat > "$T/send.py" <<'PY'
import smtplib, sys
port, size = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
print("offered", s.esmtp_features.get("size", "none"))
body = b"Subject: big\r\n\r\n" + b"x" * 76 + b"\r\n"
msg = body * (size // len(body))
msg += b"y" * (size - len(msg))
try:
    s.sendmail("alice@example.org", ["bob@example.net"], msg)
    print("accepted", len(msg))
except smtplib.SMTPException as e:
    print("refused", getattr(e, "smtp_code", ""), getattr(e, "smtp_error", e))
s.quit()
PY
out=$($PY "$T/send.py" "$SPORT" 1048000 2>&1)
like "the smtpd offers the upstream's SIZE less the margin" "$out" 'offered 1044480'
like "a 1,048,000-octet message is refused at MAIL SIZE= with 552" "$out" 'refused 552 .*5\.3\.4'
printf 'Subject: big, no SIZE=\n\n' > "$T/big.txt"
awk 'BEGIN { for (i = 0; i < 13200; i++) printf "%078d\n", i }' >> "$T/big.txt"
swaks --server "127.0.0.1:$SPORT" --helo client.test --from alice@example.org --to bob@example.net --data @"$T/big.txt" > "$T/swaks.out" 2>&1
like "without SIZE=, it is refused at the end of DATA with 552" "$(grep -v ' -> ' "$T/swaks.out")" '552 5\.3\.4 message too big: the limit is 1044480 octets'
ok "nothing was queued" queue_empty
unlike "and the upstream saw no transaction" "$(cat "$T/up/log")" '^mail'
out=$($PY "$T/send.py" "$SPORT" 500000 2>&1)
like "a message under the limit is taken" "$out" 'accepted 500000'
ok "and delivered" wait_for 30 sh -c "ls '$T'/up/*.env >/dev/null 2>&1"

# UPSTREAM_SIZE_MARGIN=0: the upstream's SIZE as it is
SPORT2=$(free_port)
UPSTREAM_SIZE_MARGIN=0 spawn tcpserver -q -R -H -l0 -x "$T/rules.cdb" 127.0.0.1 "$SPORT2" smarthost-smtpd 2>>"$T/smtpd.log"
wait_port "$SPORT2"
like "UPSTREAM_SIZE_MARGIN=0 offers the upstream's SIZE itself" "$(swaks --server "127.0.0.1:$SPORT2" --quit-after EHLO 2>&1)" '250-SIZE 1048576'
stop_send

# By hand, with implicit TLS, into another spool
start_upstream up465 --cert "$T/certs/server.pem" --key "$T/certs/server.key" --tls-mode implicit --size 2000000
mkdir -p "$T/q2"
out=$(QUEUE=$T/q2 UPSTREAM=localhost:$PORT UPSTREAM_TLS=tls smarthost-remote --probe-size 2>&1)
is "--probe-size over implicit TLS exits 0" "$?" 0
is "and records the SIZE" "$(cat "$T/q2/upstream-size")" 2000000
DOWN=$(free_port)
out=$(QUEUE=$T/q2 UPSTREAM=localhost:$DOWN smarthost-remote --probe-size 2>&1)
is "an upstream that does not answer: exit 111" "$?" 111
like "with the reason" "$out" "warning: could not learn the upstream's SIZE: network"
