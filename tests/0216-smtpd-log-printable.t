#!/bin/sh
# smarthost-smtpd: every piece of client text that reaches the log is made
# printable (lib/printable: each byte outside 0x20-0x7e becomes '?'), and
# a failed AUTH logs the user only when the password file has it: any other
# "user" may be a password typed in the wrong field, so only its length is
# logged.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 9

printf 'alice:%s\n' "$(openssl passwd -6 -salt alicesalt wonderland)" > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR
start_smtpd norelay
# 0x9b is a C1 CSI, 0x1b an ESC: either can drive a terminal that shows the log.
# Addresses can no longer carry them (553: control characters, and 8-bit
# octets only as well-formed UTF-8 under SMTPUTF8), so theirs are UTF-8
# letters: 8-bit octets all the same.
raw 'EHLO c\x9b[2J\x1b]0;x\x07\r\n' \
  "AUTH PLAIN $(printf '\0hunter2\233secret\0wonderland' | base64)\\r\\n" \
  'AUTH LOGIN\r\n' "$(printf 'Tr0ub4dor&3' | base64)\\r\\n" "$(printf 'x' | base64)\\r\\n" \
  "AUTH PLAIN $(printf '\0alice\0wrong' | base64)\\r\\n" \
  'MAIL FROM:<a\xc3\xb6[31m@example.org> SMTPUTF8\r\n' 'RCPT TO:<b\xc3\xa4[2J\xf0\x9f\x90\xb1@example.net>\r\n' \
  'QUIT\r\n' > "$T/out"
start_smtpd relay
raw 'EHLO h\x9b[2J\x1b]0;x\x07\r\n' 'MAIL FROM:<a\xc3\xb6[31m@example.org> SMTPUTF8\r\n' \
  'RCPT TO:<b\xc3\xbf@example.net>\r\n' 'DATA\r\n' 'x\r\n.\r\n' 'QUIT\r\n' >> "$T/out"

log=$(cat "$T/log")
like "the HELO name and sender of a queued message are logged made printable" "$log" 'queued [^ ]+ helo h\?\[2J\?\]0;x\? from <a\?\?\[31m@example\.org>' 
like "the relay refusal is logged" "$log" 'relaying denied to <b\?\?\[2J\?\?\?\?@example\.net>'
is "no byte of the log is outside printable ASCII" "$(LC_ALL=C tr -d '\n\040-\176' < "$T/log" | wc -c | tr -d ' ')" 0
like "a user not in the file: only its length" "$log" 'AUTH PLAIN failed for a user not in the password file \(14 octets\)'
unlike "never its text" "$log" 'hunter2'
like "AUTH LOGIN the same" "$log" 'AUTH LOGIN failed for a user not in the password file \(11 octets\)'
unlike "so a password typed as the user is not logged" "$log" 'Tr0ub4dor'
like "a user in the file is named" "$log" 'AUTH PLAIN failed for alice$'
unlike "no password in the log" "$log" 'wonderland|wrong'
