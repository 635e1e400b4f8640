#!/bin/sh
# Against a real upstream: a private Postfix 3.7 with Dovecot SASL
# (tests/peers/postfix.sh), STARTTLS required before AUTH, implicit TLS on
# a second port, a self-signed certificate on a third, message_size_limit,
# one recipient refused by a check_recipient_access map. It relays to an
# aiosmtpd sink, so what the upstream accepted is checked byte for byte.
# smarthost is an instance made by smarthost-setup under s6-svscan; mail
# enters by swaks.
. "$(dirname "$0")/lib.sh"
N=35
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

pf_begin "real upstream"

# msg FILE SUBJECT: a complete message (Date and Message-ID present, so
# that neither relay has a reason to add any), with a leading dot, 8-bit
# text and a 990-octet line.
msg()
{
  { printf 'From: Ann <a@example.org>\nTo: b@example.net\nSubject: %s\nDate: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.org>\n\n' "$2" "$2"
    printf '.leading dot\n..two\n\303\251t\303\251\n'; $PY -c 'print("y" * 990)'; printf 'end\n'; } > "$1"
}
send() # FILE RCPT,...
{
  swaks -4 --server 127.0.0.1 --port "$RELAY_PORT" --from a@example.org --to "$2" \
    --data "@$1" --silent 2
}
# wait_sink N: the sink has N messages
# the lines of the upstream's log for its service SVC (submission, smtps,
# rogue) that say who authenticated, and how
sasl_lines() { grep "postfix/$1/smtpd.*sasl_method=" "$PFLOG"; }

# 1. Over the upstream's message_size_limit, before smarthost has learned
# the limit: a bounce with 5.3.4 to the sender, nothing delivered. (Once
# smarthost knows the limit before the first message, as issue 13 item 6
# asks, the same message is refused at once with 552 5.3.4 instead: both
# are right, nothing else is.)
{ printf 'From: a@example.org\nTo: big@example.net\nSubject: too big\nDate: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <big@example.org>\n\n'
  $PY -c 'print(("z" * 76 + "\n") * 700, end="")'; } > "$T/m5"
swaks -4 --server 127.0.0.1 --port "$RELAY_PORT" --from a@example.org --to big@example.net \
  --data "@$T/m5" > "$T/big.out" 2>&1
big_rc=$?
if grep -q '^<\*\* *552 5\.3\.4' "$T/big.out"; then
  is "oversized: refused by smarthost with 552 5.3.4, nothing queued" \
    "$(messages_in "$D/queue" new cur)" 0
  skip "oversized: bounce" "refused at once, no bounce needed"
  skip "oversized: bounce" "refused at once, no bounce needed"
  skip "oversized: bounce" "refused at once, no bounce needed"
  skip "oversized: Postfix's refusal" "refused at once, Postfix never saw it"
  NS=0
else
  is "oversized: accepted by smarthost" "$big_rc" 0
  ok "oversized: a bounce arrives" wait_sink 1
  is "the bounce goes to the sender" "$(cat "$T/sink/1.env")" "F 
T a@example.org"
  like "with status 5.3.4" "$(tr -d '\r' < "$T/sink/1.msg")" 'Status: 5\.3\.4'
  like "Postfix refused it for its size" "$(cat "$PFLOG")" 'Message size exceeds fixed limit'
  NS=1
fi

# 2. STARTTLS and AUTH PLAIN: byte for byte.
conf_set UPSTREAM_MECH PLAIN
relay_restart
msg "$T/m1" plain
ok "accepted by smarthost" send "$T/m1" b@example.net
ok "arrives through Postfix" wait_sink $((NS+1))
gate
is "envelope as sent" "$(cat "$T/sink/$((NS+1)).env")" "F a@example.org
T b@example.net"
strip_received "$T/sink/$((NS+1)).msg" > "$T/got1"; swaks_crlf "$T/m1" > "$T/want1"
ok "byte for byte (less the two Received fields)" cmp "$T/got1" "$T/want1"
like "Postfix: TLS, then AUTH PLAIN as the account" "$(sasl_lines submission)" 'sasl_method=PLAIN, sasl_username=relay@example.org'
like "Postfix's Received says TLS and the authenticated sender" "$(sed -n '1,/^Received/p' "$T/sink/$((NS+1)).msg" | tr -d '\r')" 'with ESMTPSA'
like "Dovecot checked the password" "$(cat "$T/dovecot/log")" 'passdb out: OK.*user=relay@example.org'

# 3. AUTH LOGIN.
conf_set UPSTREAM_MECH LOGIN
relay_restart
msg "$T/m2" login
ok "LOGIN: accepted" send "$T/m2" c@example.net
ok "LOGIN: arrives" wait_sink $((NS+2))
strip_received "$T/sink/$((NS+2)).msg" > "$T/got2"; swaks_crlf "$T/m2" > "$T/want2"
ok "LOGIN: byte for byte" cmp "$T/got2" "$T/want2"
like "Postfix: AUTH LOGIN" "$(sasl_lines submission)" 'sasl_method=LOGIN, sasl_username=relay@example.org'

# 4. Implicit TLS (port 465 style).
conf_set UPSTREAM "localhost:$SMTPS_PORT"
conf_set UPSTREAM_TLS tls
rm -f "$D/conf/UPSTREAM_MECH"
relay_restart
msg "$T/m3" implicit
ok "implicit TLS: accepted" send "$T/m3" d@example.net
ok "implicit TLS: arrives" wait_sink $((NS+3))
strip_received "$T/sink/$((NS+3)).msg" > "$T/got3"; swaks_crlf "$T/m3" > "$T/want3"
ok "implicit TLS: byte for byte" cmp "$T/got3" "$T/want3"
like "Postfix: the wrapper-mode service authenticated it" "$(sasl_lines smtps)" 'sasl_username=relay@example.org'
gate

# 5. One recipient refused (550 5.1.1 from the access map): the other is
# delivered, and the sender gets one bounce for the refused one.
msg "$T/m4" refused
ok "two recipients: accepted" send "$T/m4" ok@example.net,refused@example.net
ok "the message and one bounce arrive" wait_sink $((NS+5))
# the two in either order: the message (sender a@) and the bounce (null)
m=$T/sink/$((NS+4)); b=$T/sink/$((NS+5))
grep -q '^F a@' "$b.env" && { m=$b; b=$T/sink/$((NS+4)); }
is "delivered to the other recipient only" "$(cat "$m.env")" "F a@example.org
T ok@example.net"
is "one bounce, null sender, to the sender" "$(cat "$b.env")" "F 
T a@example.org"
b=$b.msg
like "the bounce names the refused recipient and 5.1.1" "$(tr -d '\r' < "$b")" 'Final-Recipient: rfc822; ?refused@example.net'
like "with the upstream's status" "$(tr -d '\r' < "$b")" 'Status: 5\.1\.1'

# 6. A certificate not signed by UPSTREAM_CAFILE: no AUTH is ever sent;
# the mail is kept and goes out once the upstream is the right one.
auths=$(grep -c 'client passdb out' "$T/dovecot/log")
conf_set UPSTREAM "localhost:$ROGUE_PORT"
conf_set UPSTREAM_TLS starttls
relay_restart
msg "$T/m6" rogue
ok "rogue certificate: accepted by smarthost" send "$T/m6" e@example.net
ok "smarthost tried STARTTLS with the rogue service" wait_for 30 grep -q 'postfix/rogue/smtpd.*disconnect from.*starttls=' "$PFLOG"
unlike "no AUTH in any session of the rogue service" "$(grep 'postfix/rogue/smtpd' "$PFLOG")" 'auth=|sasl_'
is "Dovecot got no request" "$(grep -c 'client passdb out' "$T/dovecot/log")" "$auths"
conf_set UPSTREAM "localhost:$SUB_PORT"
relay_restart
ok "kept, then delivered by the right upstream" wait_sink $((NS+6))
is "that is the message" "$(grep -c 'Subject: rogue' "$T/sink/$((NS+6)).msg")" 1

# 7. Now that smarthost knows the upstream's limit, a message over it is
# refused at once, with the same status.
swaks -4 --server 127.0.0.1 --port "$RELAY_PORT" --from a@example.org --to big@example.net \
  --data "@$T/m5" > "$T/big2.out" 2>&1
like "oversized, limit known: 552 5.3.4 at our smtpd" "$(cat "$T/big2.out")" '<\*\* 552 5\.3\.4'
