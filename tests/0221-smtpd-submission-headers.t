#!/bin/sh
# smarthost-smtpd, SMTPD_ADD_HEADERS: for clients with relay rights
# (RELAYCLIENT, or AUTH), Date: and Message-ID: are added when missing, as
# an RFC 6409 submission server does (section 8): at the end of the header
# section, the Message-ID from the queue id and HELONAME. Present fields are
# never touched; clients without relay rights and SMTPD_ADD_HEADERS=0 get
# nothing added. The size logged (and checked against DATABYTES) counts the
# added fields as sent upstream.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 19

start_smtpd relay

DATE_RE='^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$'

body_reply 'Subject: none\r\nFrom: a@example.org\r\n\r\nbody\r\n.\r\n'
like "queued" "$rep" '^250 '
message "$ID" > "$T/got"
is "Subject and From kept, first" "$(sed -n 1,2p "$T/got" | tr '\n' '|')" "Subject: none|From: a@example.org|"
like "Date: added, RFC 5322 form" "$(sed -n 3p "$T/got")" "$DATE_RE"
is "Message-ID: from the queue id and HELONAME" "$(sed -n 4p "$T/got")" "Message-ID: <$ID@relay.test>"
is "then the empty line and the body, untouched" "$(sed -n '5,$p' "$T/got" | tr '\n' '|')" "|body|"
is "the size logged counts the added fields as sent" "$(logged_size "$ID")" "$(wire_size "$ID")"

body_reply 'Subject: both\r\ndate: Tue, 1 Dec 2026 10:00:00 +0100\r\nMESSAGE-ID: <own@example.org>\r\n\r\nbody\r\n.\r\n'
message "$ID" > "$T/got"
printf 'Subject: both\ndate: Tue, 1 Dec 2026 10:00:00 +0100\nMESSAGE-ID: <own@example.org>\n\nbody\n' > "$T/want"
ok "both present (any case): nothing added or changed" cmp -s "$T/want" "$T/got"

body_reply 'Message-Id: <own@example.org>\r\nX-Long: a\r\n folded\r\n\r\nbody\r\n.\r\n'
message "$ID" > "$T/got"
is "only Date: missing: only Date: added, after the folded field" \
  "$(sed -n '1,3p;5,$p' "$T/got" | tr '\n' '|')" "Message-Id: <own@example.org>|X-Long: a| folded||body|"
like "... as the fourth line" "$(sed -n 4p "$T/got")" "$DATE_RE"

body_reply 'just text, no header\r\nDate: this is body\r\n.\r\n'
message "$ID" > "$T/got"
like "no header at all: Date: first" "$(sed -n 1p "$T/got")" "$DATE_RE"
is "then Message-ID:, an empty line, and the text as body" "$(sed -n '2,$p' "$T/got" | tr '\n' '|')" \
  "Message-ID: <$ID@relay.test>||just text, no header|Date: this is body|"

body_reply '.\r\n'
message "$ID" > "$T/got"
is "an empty message gets both fields" "$(grep -c '^Date: \|^Message-ID: ' "$T/got")" 2

# a header sent in pieces (separate writes; lib/msghead is unit-tested on every cut)
raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' '@0 Subject: cut\r\nDa' \
  '@0 te: Tue, 1 Dec 2026 10:00:00 +0100\r\n' '@0 \r\nbody\r\n' '.\r\n' 'QUIT\r\n' > "$T/out"
ID=$(sed -n 's/^250 2\.0\.0 Ok: queued as //p' "$T/out")
message "$ID" > "$T/got"
is "a header sent in pieces, Date: split: only Message-ID: added" "$(grep -c '^Date: ' "$T/got") $(grep -c '^Message-ID: ' "$T/got")" "1 1"

# swaks, an independent client, with data of its own that has no Date:
out=$(swaks --server "127.0.0.1:$PORT" --helo client.test --from a@example.org --to b@example.net \
  --data 'Subject: from swaks\n\nhello\n' 2>&1)
ID=$(printf '%s\n' "$out" | sed -n 's/^<- *250 2\.0\.0 Ok: queued as //p')
like "swaks: queued" "$ID" '^[0-9]{10}\.'
is "swaks: both fields added" "$(message "$ID" | grep -c '^Date: \|^Message-ID: ')" 2

# DATABYTES counts the added fields: a message that fits without them does not
body_reply 'Subject: s\r\n\r\nx\r\n.\r\n'
base=$(logged_size "$ID")
DATABYTES=$((base - 10)) start_smtpd relay
body_reply 'Subject: s\r\n\r\nx\r\n.\r\n'
like "over DATABYTES only with the added fields: 552" "$rep" '^552 5\.3\.4 '

# the setting, and clients without relay rights
SMTPD_ADD_HEADERS=0 start_smtpd relay
body_reply 'Subject: off\r\n\r\nbody\r\n.\r\n'
is "SMTPD_ADD_HEADERS=0: nothing added" "$(message "$ID" | tr '\n' '|')" "Subject: off||body|"
printf 'bob:%s\n' "$(openssl passwd -6 -salt saltsalt builder)" > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1 start_smtpd norelay
raw 'EHLO c\r\n' 'AUTH PLAIN AGJvYgBidWlsZGVy\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' \
  'Subject: auth\r\n\r\nbody\r\n.\r\n' 'QUIT\r\n' > "$T/out"
ID=$(sed -n 's/^250 2\.0\.0 Ok: queued as //p' "$T/out")
is "an AUTH client (a submission): both added" "$(message "$ID" | grep -c '^Date: \|^Message-ID: ')" 2
out=$(SMTPD_ADD_HEADERS=yes smarthost-smtpd -t 2>&1)
like "SMTPD_ADD_HEADERS=yes: fatal" "$out" 'fatal: invalid SMTPD_ADD_HEADERS: "yes"'
