#!/bin/sh
# smarthost-smtpd: relay rights by every path. AUTH survives RSET and EHLO
# but not STARTTLS (RFC 3207 4.2); a failed or cancelled AUTH grants
# nothing; RELAYCLIENT set to the empty string (tcprules RELAYCLIENT="")
# counts as set.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 8

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=relay.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
printf 'bob:%s\n' "$(openssl passwd -6 -salt saltsalt builder)" > "$T/auth"
SMTPD_CERTFILE=$T/cert.pem SMTPD_KEYFILE=$T/key.pem SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1
export SMTPD_CERTFILE SMTPD_KEYFILE SMTPD_AUTHFILE SMTPD_AUTH_CLEAR
start_smtpd norelay
GOOD=$(printf '\0bob\0builder' | base64)
BAD=$(printf '\0bob\0builders' | base64)
MAILRCPT='@2 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n'

out=$(raw 'EHLO c\r\n' "AUTH PLAIN $GOOD\\r\\n" 'RSET\r\n' 'EHLO again\r\n' "$MAILRCPT" 'QUIT\r\n')
like "AUTH survives RSET and EHLO" "$(printf '%s\n' "$out" | tail -2)" '^250 2\.1\.5 '

out=$(raw 'EHLO c\r\n' "AUTH PLAIN $GOOD\\r\\n" 'STARTTLS\r\n' '!tls' 'EHLO c\r\n' "$MAILRCPT" 'QUIT\r\n')
like "AUTH in clear, then STARTTLS: the AUTH is forgotten" "$out" '^550 5\.7\.1 relaying denied'
unlike "and the recipient is not accepted" "$out" '^250 2\.1\.5 '

out=$(raw 'EHLO c\r\n' "AUTH PLAIN $BAD\\r\\n" "$MAILRCPT" 'QUIT\r\n')
like "a failed AUTH grants nothing" "$out" '^550 5\.7\.1 relaying denied'

out=$(raw 'EHLO c\r\n' 'AUTH LOGIN\r\n' 'Ym9i\r\n' '*\r\n' "$MAILRCPT" 'QUIT\r\n')
like "a cancelled AUTH LOGIN grants nothing" "$out" '^550 5\.7\.1 relaying denied'

out=$(raw 'EHLO c\r\n' 'AUTH PLAIN\r\n' '*\r\n' "$MAILRCPT" 'QUIT\r\n')
like "a cancelled AUTH PLAIN grants nothing" "$out" '^550 5\.7\.1 relaying denied'

# RELAYCLIENT set to "" by tcprules, and by hand
start_smtpd relay
out=$(raw 'EHLO c\r\n' "$MAILRCPT" 'QUIT\r\n')
like "RELAYCLIENT=\"\" from tcprules may relay" "$out" '^250 2\.1\.5 '
out=$(printf 'EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nQUIT\r\n' \
  | RELAYCLIENT= TCPREMOTEIP=127.0.0.1 smarthost-smtpd 2>/dev/null)
like "RELAYCLIENT set empty in the environment may relay" "$out" '250 2\.1\.5 '
