#!/bin/sh
# smarthost-smtpd: the RFC 5321 dialogue, replies, sequence errors, limits
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 34

# the message is checked as sent: no Date:/Message-ID: added (0221 tests those)
SMTPD_MAXERRORS=5 SMTPD_MAXRCPT=3 DATABYTES=1000 SMTPD_ADD_HEADERS=0
export SMTPD_MAXERRORS SMTPD_MAXRCPT DATABYTES SMTPD_ADD_HEADERS
start_smtpd relay

out=$(raw 'EHLO client.test\r\n' 'NOOP\r\n' 'VRFY bob\r\n' 'HELP\r\n' 'RSET\r\n' 'QUIT\r\n' '!eof')
like "greeting names HELONAME" "$out" '^220 relay\.test ESMTP'
like "EHLO: PIPELINING" "$out" '^250-PIPELINING$'
like "EHLO: SIZE is DATABYTES" "$out" '^250-SIZE 1000$'
like "EHLO: 8BITMIME" "$out" '^250-8BITMIME$'
like "EHLO: ENHANCEDSTATUSCODES last" "$out" '^250 ENHANCEDSTATUSCODES$'
unlike "no STARTTLS without a certificate" "$out" '^250.STARTTLS'
unlike "no AUTH without a password file" "$out" '^250.AUTH'
like "NOOP" "$out" '^250 2\.0\.0 Ok$'
like "VRFY is 252" "$out" '^252 2\.5\.2 '
like "HELP is 214" "$out" '^214 2\.0\.0 '
like "QUIT is 221" "$out" '^221 2\.0\.0 '
# every reply after EHLO's carries an enhanced status code (RFC 2034)
is "enhanced codes on every reply" "$(printf '%s\n' "$out" | sed '1,/^250 ENHANCEDSTATUSCODES$/d' | grep -Evc '^[0-9]{3}[ -][245]\.[0-9]{1,3}\.[0-9]{1,3} |^EOF$')" 0

out=$(raw 'MAIL FROM:<a@example.org>\r\n' 'HELO c\r\n' 'RCPT TO:<b@example.net>\r\n' 'DATA\r\n' \
  'MAIL FROM:a@example.org\r\n' 'MAIL FROM:<a@example.org> FOO=1\r\n' 'QUIT\r\n')
like "MAIL before HELO: 503" "$out" '^503 5\.5\.1 send HELO'
like "HELO reply" "$out" '^250 relay\.test$'
like "RCPT before MAIL: 503" "$out" '^503 5\.5\.1 send MAIL'
like "path without brackets: 501" "$out" '^501 5\.5\.4 syntax: MAIL'
like "unknown MAIL parameter: 555" "$out" '^555 5\.5\.4 '

out=$(raw 'EHLO c\r\n' 'FOO\r\n' 'EXPN x\r\n' "$(printf 'NOOP %0600d' 0)\\r\\n" 'NOOP\r\n' 'QUIT\r\n')
like "unknown command: 500" "$out" '^500 5\.5\.2 unrecognized'
like "EXPN: 502" "$out" '^502 5\.5\.1 '
like "command over 512 octets: 500" "$out" '^500 5\.5\.2 line too long'
like "the session goes on after a long line" "$out" '^221 2\.0\.0'

out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' 'MAIL FROM:<a@example.org>\r\n' 'DATA\r\n' \
  'RCPT TO:<x>\r\n' 'RCPT TO:<>\r\n' 'FOO\r\n' '!eof')
like "nested MAIL: 503" "$out" '^503 5\.5\.1 nested'
like "DATA before RCPT: 503" "$out" '^503 5\.5\.1 send RCPT'
like "local recipient refused" "$out" '^550 5\.1\.3 '
like "fifth error: 421 and close" "$out" '^421 4\.7\.0 too many errors'

# pipelining: one write of many commands, replies in order
out=$(raw 'EHLO c\r\n' '@7 MAIL FROM:<a@example.org> SIZE=10 BODY=8BITMIME\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nRCPT TO:<d@example.net>\r\nRCPT TO:<e@example.net>\r\nRSET\r\nMAIL FROM:<a@example.org> SIZE=1001\r\n' 'QUIT\r\n')
is "pipelined replies in order" "$(printf '%s\n' "$out" | sed '1,/^250 ENHANCEDSTATUSCODES$/d' | sed -n 1,7p | cut -c1-9 | tr '\n' ' ')" \
  "250 2.1.0 250 2.1.5 250 2.1.5 250 2.1.5 452 4.5.3 250 2.0.0 552 5.3.4 "

# the message as stored: Received on top, dot-unstuffed, LF endings
out=$(raw 'EHLO c\r\n' '@3 MAIL FROM:<>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' \
  'Subject: t\r\n\r\n..leading dot\r\nend\r\n.\r\n' 'QUIT\r\n')
id=$(printf '%s\n' "$out" | sed -n 's/^250 2\.0\.0 Ok: queued as //p')
like "queued with an id" "$id" '^[0-9]{10}\.[0-9]{9}\.[0-9]{10}$'
f=$Q/new/$id
printf 'F \nT b@example.net\n\n' > "$T/want.env"
ok "envelope: null sender, one recipient" cmp -s "$T/want.env" "$(head -3 "$f" > "$T/got.env"; echo "$T/got.env")"
like "Received names HELO, IP and id" "$(sed -n 4,7p "$f")" "^Received: from c \(\[127\.0\.0\.1\]\)"
like "Received carries the queue id" "$(sed -n 4,8p "$f")" "id $id;"
printf 'Subject: t\n\n.leading dot\nend\n' > "$T/want.body"
tail -n 4 "$f" > "$T/got.body"
ok "body dot-unstuffed, LF endings" cmp -s "$T/want.body" "$T/got.body"

# relaying is denied without RELAYCLIENT
kill "$SPAWNED"
start_smtpd norelay
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' 'RCPT TO:<b@example.net>\r\n' 'QUIT\r\n')
like "no RELAYCLIENT: 550 5.7.1" "$out" '^550 5\.7\.1 relaying denied'
like "relay refusals are logged" "$(cat "$T/log")" 'warning: 127\.0\.0\.1: relaying denied to <b@example\.net>'
like "each queued message is logged" "$(cat "$T/log")" "info: 127\\.0\\.0\\.1: queued $id helo c from <> size [0-9]+ recipients 1"
