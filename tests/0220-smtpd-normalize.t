#!/bin/sh
# smarthost-smtpd, SMTPD_NORMALIZE: clients with relay rights (old printers,
# scripts) may end lines with a bare LF and send lines over 998 octets, as
# Postfix's smtpd_forbid_bare_newline = normalize allows: a bare LF ends a
# line, a long line is folded with LF SPACE (CRLF SPACE upstream). Only
# CRLF.CRLF ends DATA: every smuggling form stays inside one message, or
# is refused (bare CR). Other clients are refused as before; the setting
# chooses who. The size logged (and checked against DATABYTES) is the size
# as sent upstream.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 39

# what is checked is the data as sent: no Date:/Message-ID: added (0221)
DATABYTES=100000 SMTPD_ADD_HEADERS=0
export DATABYTES SMTPD_ADD_HEADERS
start_smtpd relay

AUTHSTEP='NOOP\r\n'   # before MAIL in body_reply

body_reply 'Subject: lf\n\nline one\nline two\r\n.\r\n'
like "relay client: bare LF line ends accepted" "$rep" '^250 2\.0\.0 Ok: queued as'
printf 'Subject: lf\n\nline one\nline two\n' > "$T/want"
message "$ID" > "$T/got"
ok "stored as the lines sent, LF ends" cmp -s "$T/want" "$T/got"
is "the size logged is the size upstream (each bare LF counted as CRLF)" "$(logged_size "$ID")" "$(wire_size "$ID")"
like "the normalization is logged" "$(cat "$T/log")" "normalized $ID: 3 bare LF line ends, 0 long lines folded"

body_reply 'mixed\r\nends\nhere\n..dot\r\n.\r\n'
like "CRLF and bare LF mixed" "$rep" '^250 '
printf 'mixed\nends\nhere\n.dot\n' > "$T/want"
message "$ID" > "$T/got"
ok "dot-unstuffing after a bare LF too" cmp -s "$T/want" "$T/got"

# Smuggling: the forms that end DATA at lenient receivers. Those with a bare
# LF are now one message holding the second one as text; those with a bare
# CR are still refused. Never a second message.
SMUGGLED='MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nsmuggled\r\n'
n=$(spool_count new)
for seq in 'LF.CRLF:\n.\r\n' 'LF.LF:\n.\n' 'CRLF.LF:\r\n.\n'; do
  name=${seq%%:*} bytes=${seq#*:}
  body_reply "Subject: s\\r\\n\\r\\nfirst$bytes$SMUGGLED\\r\\n.\\r\\n"
  like "$name does not end DATA: one message" "$rep" '^250 2\.0\.0 Ok: queued as'
  like "$name: the session goes on in step (QUIT answered)" "$(tail -1 "$T/out")" '^221 2\.0\.0'
  like "$name: the would-be commands are text of that message" "$(message "$ID")" 'MAIL FROM:<evil@example.org>'
  is "$name: no line is a lone dot (nothing for the upstream to end early on)" "$(message "$ID" | grep -c '^\.$')" 0
  n=$((n + 1))
done
for seq in 'CR.CR:\r.\r' 'CR.CRLF:\r.\r\n' 'CRLF.CR:\r\n.\r' 'LF.CR:\n.\r'; do
  name=${seq%%:*} bytes=${seq#*:}
  body_reply "Subject: s\\r\\n\\r\\nfirst$bytes$SMUGGLED\\r\\n.\\r\\n"
  like "$name: a bare CR is still refused" "$rep" '^554 5\.6\.0 .*bare CR'
done
is "one message per attempt, none smuggled" "$(spool_count new)" "$n"
is "no message from the smuggled sender" "$(grep -l '^F evil@' "$Q"/new/* | wc -l | tr -d ' ')" 0

# long lines: folded at 998 octets with LF SPACE, in the header and the body
l1500=$(head -c 1500 /dev/zero | tr '\0' x)
h1200=$(head -c 1200 /dev/zero | tr '\0' h)
body_reply "Subject: $h1200\\r\\n\\r\\n$l1500\\r\\nshort\\r\\n.\\r\\n"
like "relay client: lines over 998 octets accepted" "$rep" '^250 '
message "$ID" > "$T/got"
is "no stored line is over 998 octets" "$(awk 'length($0) > 998' "$T/got" | wc -l | tr -d ' ')" 0
is "each long line folded once, the continuation starting with a space" "$(grep -c '^ ' "$T/got")" 2
is "the header's fold removed, it is what was sent" "$(sed -n 1,2p "$T/got" | awk 'NR == 1 { printf "%s", $0 } NR == 2 { printf "%s", substr($0, 2) }')" "Subject: $h1200"
is "the body line keeps its octets, 998 then a space and the rest" "$(sed -n 4p "$T/got" | wc -c | tr -d ' ')$(sed -n 5p "$T/got" | wc -c | tr -d ' ')" 999504
is "the size logged counts the folds as sent" "$(logged_size "$ID")" "$(wire_size "$ID")"

# DATABYTES holds for the size as sent: a body of bare LFs that fits as
# sent with LF, but not with CRLF, is refused
lines=$(awk 'BEGIN { for (i = 0; i < 560; i++) printf "%s\\n", "0123456789012345678901234567890123456789012345678901234567890123456789012345678" }')
DATABYTES=90000 start_smtpd relay
body_reply "${lines}${lines}end\\r\\n.\\r\\n"
like "over DATABYTES once each bare LF counts as CRLF: 552" "$rep" '^552 5\.3\.4 '

# other clients (relay rights by AUTH only, roaming users): refused as before
printf 'bob:%s\n' "$(openssl passwd -6 -salt saltsalt builder)" > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR
AUTHSTEP='AUTH PLAIN AGJvYgBidWlsZGVy\r\n'
start_smtpd norelay
body_reply 'a bare\nLF\r\n.\r\n'
like "AUTH client without RELAYCLIENT: bare LF refused" "$rep" '^554 5\.6\.0 .*bare LF'
body_reply "$l1500\\r\\n.\\r\\n"
like "AUTH client: a long line refused" "$rep" '^554 5\.6\.0 .*998 octets'
for seq in 'LF.CRLF:\n.\r\n' 'LF.LF:\n.\n' 'CRLF.LF:\r\n.\n'; do
  name=${seq%%:*} bytes=${seq#*:}
  body_reply "Subject: s\\r\\n\\r\\nfirst$bytes$SMUGGLED\\r\\n.\\r\\n"
  like "AUTH client, $name: refused, as before" "$rep" '^554 5\.6\.0 .*bare'
done

# the setting
SMTPD_NORMALIZE=all start_smtpd norelay
body_reply 'a bare\nLF\r\n.\r\n'
like "SMTPD_NORMALIZE=all: normalized for AUTH clients too" "$rep" '^250 '
SMTPD_NORMALIZE=none start_smtpd relay
body_reply 'a bare\nLF\r\n.\r\n'
like "SMTPD_NORMALIZE=none: refused for relay clients too" "$rep" '^554 5\.6\.0'
out=$(SMTPD_NORMALIZE=yes smarthost-smtpd -t 2>&1)
like "SMTPD_NORMALIZE=yes: fatal, naming the choices" "$out" 'fatal: invalid SMTPD_NORMALIZE: "yes" \(relay, none or all\)'
