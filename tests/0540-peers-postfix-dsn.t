#!/bin/sh
# DSN against a real upstream: the private Postfix of tests/peers/postfix.sh
# (DSN on, Dovecot SASL, STARTTLS before AUTH) relaying to a sink that
# does not offer DSN. smarthost passes NOTIFY, ORCPT, RET and ENVID on, so
# it is Postfix that acts for the sink: its own "relayed" report reaches
# the sender carrying our client's ENVID and ORCPT, and smarthost sends
# none. What Postfix refuses at RCPT is smarthost's to report, as NOTIFY
# says: nothing for NEVER, a bounce with Original-Recipient and
# Original-Envelope-Id for FAILURE.
. "$(dirname "$0")/lib.sh"
N=17
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

pf_begin "real upstream" "Postfix with Dovecot SASL"
raw() { "$PY" "$TOP/tests/peers/rawsmtp.py" "$RELAY_PORT" "$@"; }
# the sink's message whose envelope sender is null, its text without CR
sink_report() { for e in "$T"/sink/*.env; do grep -q '^F $' "$e" && tr -d '\r' < "${e%.env}.msg"; done; }

# 1. NOTIFY=SUCCESS and an ORCPT for one recipient, NOTIFY=NEVER for one
# Postfix refuses; RET=HDRS and an ENVID in xtext for the message.
out=$(raw 'EHLO lan.test\r\n' 'MAIL FROM:<a@example.org> RET=HDRS ENVID=E540+2B1\r\n' \
  'RCPT TO:<b@example.net> NOTIFY=SUCCESS ORCPT=rfc822;orig+2Bb@example.net\r\n' \
  'RCPT TO:<refused@example.net> NOTIFY=NEVER\r\n' \
  'DATA\r\n' 'From: a@example.org\r\nSubject: dsn e2e\r\nMessage-ID: <e540@example.org>\r\n\r\nbody\r\n.\r\n' 'QUIT\r\n')
like "smarthost offers DSN and takes the parameters" "$out" '^250 2\.0\.0 Ok: queued as '
ok "the message and Postfix's report reach the sink" wait_sink 2
gate
like "Postfix got the recipient from smarthost" "$(cat "$PFLOG")" 'to=<b@example.net>.*status=sent'
rep=$(sink_report)
like "Postfix's report is to the sender" "$(grep -l '^F $' "$T"/sink/*.env | xargs cat)" '^T a@example.org$'
like "Postfix reports it (Reporting-MTA)" "$rep" '^Reporting-MTA: dns; ?pfup\.test\.invalid'
like "as relayed: the sink offers no DSN, and Postfix knew it was asked" "$rep" '^Action: relayed'
like "with our client's ENVID (Postfix got ENVID)" "$rep" '^Original-Envelope-Id: E540\+1'
like "and ORCPT (Postfix got ORCPT)" "$rep" '^Original-Recipient: rfc822; ?orig\+b@example.net'
like "headers only (Postfix got RET=HDRS)" "$rep" 'text/rfc822-headers'
ok "smarthost logs no bounce for NOTIFY=NEVER" wait_for 30 grep -q ': no bounce: NOTIFY asks for none' "$SLOG"
unlike "and sends no relayed report of its own (the upstream has DSN)" "$(cat "$SLOG")" 'relayed report queued'
is "so the sink has the two, nothing more" "$(ls "$T/sink" | grep -c '\.env$')" 2

# 2. NOTIFY=FAILURE for a recipient Postfix refuses: smarthost's bounce,
# with what the client gave.
out=$(raw 'EHLO lan.test\r\n' 'MAIL FROM:<a@example.org> ENVID=second\r\n' \
  'RCPT TO:<refused@example.net> NOTIFY=FAILURE ORCPT=rfc822;first+40example.net\r\n' \
  'DATA\r\n' 'Subject: dsn e2e 2\r\n\r\nbody\r\n.\r\n' 'QUIT\r\n')
ok "a bounce of smarthost's reaches the sink" wait_sink 3
b=$(ls "$T"/sink/*.env | while read -r e; do grep -q '^F $' "$e" && echo "${e%.env}.msg"; done | xargs grep -l 'Original-Envelope-Id: second' | head -1)
like "it names the ORCPT, decoded" "$(tr -d '\r' < "$b")" '^Original-Recipient: rfc822;first@example.net'
like "and Postfix's refusal" "$(tr -d '\r' < "$b")" '^Diagnostic-Code: smtp; 550 5\.1\.1'
