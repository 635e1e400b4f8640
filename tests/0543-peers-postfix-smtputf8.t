#!/bin/sh
# SMTPUTF8 (RFC 6531) between real servers: a LAN Postfix (smtputf8_enable
# on by default in 3.x) hands smarthost a UTF-8 recipient, a UTF-8 sender
# and a UTF-8 header (RFC 6532); smarthost relays them to an upstream
# Postfix with Dovecot SASL and smtputf8_enable = yes, byte for byte.
# Then the upstream stops offering SMTPUTF8: smarthost still takes the
# message from the LAN (today's bounce there, "SMTPUTF8 is required, but
# was not offered", is gone), and returns it to the sender with 5.6.7
# through the upstream. Postfix -> smarthost -> Postfix, tests/peers/postfix.sh.
. "$(dirname "$0")/lib.sh"
N=14
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

UP_SMTPUTF8=yes
lan_begin "SMTPUTF8 between Postfixes" "upstream Postfix with SMTPUTF8 and Dovecot SASL"
U=$(printf 'j\303\266rg@b\303\274cher.example')
SUBJ=$(printf 'Subject: Gr\303\274\303\237e aus dem LAN')

printf 'From: <a@example.org>\nTo: <%s>\n%s\nMessage-ID: <u1@example.org>\n\nHall\303\266.\n' "$U" "$SUBJ" > "$T/m1"
ok "LAN sendmail takes a message to a UTF-8 recipient" lan_sendmail -i -f a@example.org "$U" < "$T/m1"
ok "it arrives at the upstream's sink" wait_sink 1
gate
is "the envelope, byte for byte" "$(cat "$T/sink/1.env")" "F a@example.org
T $U"
ok "the UTF-8 header too" grep -qF "$SUBJ" "$T/sink/1.msg"
like "the LAN Postfix says smarthost took it" "$(cat "$LANLOG")" \
  "relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:$RELAY_PORT,.*status=sent \\(250 "
unlike "and never that SMTPUTF8 was not offered" "$(cat "$LANLOG")" 'SMTPUTF8 is required'

printf 'From: <%s>\nTo: <b@example.net>\nSubject: plain\n\nx\n' "$U" > "$T/m2"
lan_sendmail -i -f "$U" b@example.net < "$T/m2"
ok "a UTF-8 sender from the LAN arrives" wait_sink 2
is "with its envelope byte for byte" "$(cat "$T/sink/2.env")" "F $U
T b@example.net"

# The upstream no longer offers SMTPUTF8; smarthost's sessions start anew.
postconf -c "$T/pfup/etc" -e 'smtputf8_enable = no'
postfix -c "$T/pfup/etc" reload >/dev/null 2>&1
relay_restart
lan_sendmail -i -f a@example.org "$U" < "$T/m1"
ok "without SMTPUTF8 upstream, the sender gets a bounce through it" wait_sink 3
b=$(grep -lx 'F ' "$T"/sink/*.env | head -1)
is "a bounce (null sender) to the LAN sender" "$(cat "$b" 2>/dev/null)" "F 
T a@example.org"
like "saying 5.6.7" "$(tr -d '\r' < "${b%.env}.msg" 2>/dev/null)" 'Status: 5\.6\.7'
