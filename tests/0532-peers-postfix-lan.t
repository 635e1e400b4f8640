#!/bin/sh
# A real LAN client: a private Postfix whose relayhost is smarthost's
# smtpd, fed by its own sendmail, hands mail to smarthost, which relays it
# to the real upstream (a private Postfix with Dovecot SASL, then a sink):
# Postfix -> smarthost -> Postfix, all of tests/peers/postfix.sh.
. "$(dirname "$0")/lib.sh"
N=10
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

lan_begin "LAN Postfix"

# A complete message (Postfix adds nothing to it), 8-bit, a leading dot,
# a 990-octet line, two recipients.
{ printf 'From: Ann <a@example.org>\nTo: b@example.net\nSubject: from the LAN\nDate: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <lan@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
  printf '.leading dot\n\303\251t\303\251\n'; $PY -c 'print("y" * 990)'; printf 'end\n'; } > "$T/m1"
ok "LAN sendmail takes it" lan_sendmail -i -f a@example.org b@example.net c@example.net < "$T/m1"
ok "it arrives at the upstream's sink" wait_sink 1
gate
is "envelope: sender and both recipients" "$(cat "$T/sink/1.env")" "F a@example.org
T b@example.net
T c@example.net"
strip_received "$T/sink/1.msg" > "$T/got1"; crlf "$T/m1" > "$T/want1"
ok "byte for byte (less the three Received fields)" cmp "$T/got1" "$T/want1"
like "three relays on the way: upstream, smarthost, LAN Postfix" \
  "$(grep -c '^Received:' "$T/sink/1.msg")" '^3$'
like "the LAN Postfix says smarthost took it" "$(cat "$LANLOG")" \
  "to=<b@example.net>, relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$RELAY_PORT,.*status=sent \\(250 "
like "the upstream says smarthost authenticated" "$(cat "$(pf_log pfup)")" 'sasl_method=PLAIN, sasl_username=relay@example.org'
