#!/bin/sh
# DSN from a real LAN Postfix, through smarthost, to a real upstream
# Postfix (tests/peers/postfix.sh) that relays to a sink without DSN.
# Issue 13: a LAN Postfix asking NOTIFY=SUCCESS used to get its own
# "relayed" report, smarthost offering no DSN, and the ENVID was lost.
# Now the LAN Postfix sees DSN at smarthost and passes the request on,
# smarthost passes it to the upstream, and the report comes from the
# upstream Postfix, the last DSN-capable hop, carrying the ENVID.
. "$(dirname "$0")/lib.sh"
N=9
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

lan_begin "LAN Postfix"

printf 'From: a@example.org\nTo: b@example.net\nSubject: lan dsn\nMessage-ID: <lan-dsn@example.org>\n\nbody\n' > "$T/m1"
ok "LAN sendmail takes it with -N success -V lan-envid" lan_sendmail -i -N success -V lan-envid -f a@example.org b@example.net < "$T/m1"
ok "the message and one report reach the sink" wait_sink 2
gate
ok "the LAN Postfix is done with it" wait_for 60 grep -q 'postfix.*: removed' "$LANLOG"
unlike "the LAN Postfix made no report of its own (smarthost offered DSN)" "$(cat "$LANLOG")" 'sender delivery status notification'
rep=$(for e in "$T"/sink/*.env; do grep -q '^F $' "$e" && tr -d '\r' < "${e%.env}.msg"; done)
like "the report is the upstream Postfix's, the last hop with DSN" "$rep" '^Reporting-MTA: dns; ?pfup\.test\.invalid'
like "relayed, with the LAN client's ENVID" "$(printf '%s\n' "$rep" | grep -E '^(Action|Original-Envelope-Id):' | tr '\n' ' ')" 'Original-Envelope-Id: lan-envid.*Action: relayed'
