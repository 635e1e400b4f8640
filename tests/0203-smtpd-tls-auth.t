#!/bin/sh
# smarthost-smtpd: STARTTLS (libtls) and inbound AUTH PLAIN/LOGIN against
# crypt(3) hashes, driven by swaks and the raw client.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 30

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=relay.test -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
# alice: yescrypt (Debian's default in /etc/shadow); bob: SHA-512-crypt; carol: locked
{
  printf 'alice:%s:19000:0:99999:7:::\n' "$($PY -c 'import crypt; print(crypt.crypt("wonder land", "$y$j9T$abcdefghijklmnopqrstu.$"))' 2>/dev/null)"
  printf 'bob:%s\n' "$(openssl passwd -6 -salt saltsalt builder)"
  printf 'carol:!%s\n' "$(openssl passwd -6 -salt saltsalt locked)"
} > "$T/auth"
SMTPD_CERTFILE=$T/cert.pem SMTPD_KEYFILE=$T/key.pem SMTPD_AUTHFILE=$T/auth
export SMTPD_CERTFILE SMTPD_KEYFILE SMTPD_AUTHFILE
start_smtpd norelay

sw() { swaks --server "127.0.0.1:$PORT" --helo client.test --from a@example.org --to b@example.net "$@" 2>&1; }

out=$(raw 'EHLO c\r\n' 'AUTH PLAIN AGFsaWNlAHdvbmRlciBsYW5k\r\n' 'QUIT\r\n')
like "STARTTLS advertised with a certificate" "$out" '^250-STARTTLS$'
unlike "no AUTH in clear" "$out" '^250.AUTH'
like "AUTH in clear: 538 5.7.11" "$out" '^538 5\.7\.11 '

out=$(sw --tls --auth PLAIN --auth-user alice --auth-password 'wonder land' --header 'Subject: plain')
ok "swaks: STARTTLS and AUTH PLAIN (yescrypt)" test $? = 0 -a -n "$(printf '%s' "$out" | grep '^<~  250 2\.0\.0 Ok: queued as')"
like "AUTH advertised after TLS" "$out" '^<~  250-AUTH PLAIN LOGIN'
unlike "no STARTTLS after TLS" "$out" '^<~  250-STARTTLS'
like "235 2.7.0" "$out" '^<~  235 2\.7\.0'
id=$(printf '%s\n' "$out" | sed -n 's/^<~  250 2\.0\.0 Ok: queued as //p')
f=$Q/new/$id
like "Received: ESMTPSA with the TLS version and cipher" "$(sed -n '/^Received:/,/^\t.*+0000$/p' "$f")" 'with ESMTPSA'
like "Received names the TLS version" "$(sed -n '/^Received:/,/+0000$/p' "$f")" '\(TLSv1\.[23] [A-Z0-9_-]+\)'
unlike "Received does not name the user by default" "$(sed -n '/^Received:/,/+0000$/p' "$f")" 'alice'

out=$(sw --tls --auth LOGIN --auth-user bob --auth-password builder)
like "swaks: AUTH LOGIN (SHA-512-crypt)" "$out" '^<~  250 2\.0\.0 Ok: queued as'

out=$(sw --tls --auth PLAIN --auth-user alice --auth-password wrong)
like "wrong password: 535 5.7.8" "$out" '^<~\* 535 5\.7\.8 authentication credentials invalid'
wrong=$(printf '%s\n' "$out" | grep '535')
out=$(sw --tls --auth LOGIN --auth-user nosuchuser --auth-password wrong)
is "unknown user: the very same reply" "$(printf '%s\n' "$out" | grep '535')" "$wrong"
out=$(sw --tls --auth LOGIN --auth-user carol --auth-password locked)
like "locked entry: 535" "$out" '^<~\* 535 5\.7\.8'

out=$(sw --tls)
like "TLS without AUTH and without RELAYCLIENT: 550 5.7.1" "$out" '^<~\* 550 5\.7\.1 relaying denied'

out=$(sw --tls --pipeline --auth PLAIN --auth-user bob --auth-password builder)
like "swaks: pipelining inside TLS" "$out" '^<~  250 2\.0\.0 Ok: queued as'
is "three messages queued" "$(spool_count new)" 3

# STARTTLS command injection (2011): what follows STARTTLS in the same
# packet is discarded, not run inside TLS; the session starts over.
out=$(raw 'EHLO c\r\n' 'STARTTLS\r\nHELP\r\n' '!tls' 'NOOP\r\n' 'MAIL FROM:<a@example.org>\r\n' 'EHLO c\r\n' \
  'AUTH PLAIN\r\n' 'AGJvYgBidWlsZGVy\r\n' 'AUTH LOGIN\r\n' 'QUIT\r\n')
like "STARTTLS: 220 2.0.0" "$out" '^220 2\.0\.0 '
unlike "the injected HELP is not run" "$out" '^214'
like "NOOP is the first reply inside TLS" "$(printf '%s\n' "$out" | sed -n '/^220 2\.0\.0 /{n;p;q}')" '^250 2\.0\.0 Ok$'
like "the discarded bytes are logged" "$(cat "$T/log")" 'discarded 6 octets sent after STARTTLS'
like "the session starts over: MAIL needs EHLO again" "$out" '^503 5\.5\.1 send HELO'
like "AUTH PLAIN with an empty initial response" "$out" '^334 $'
like "235 after the continuation" "$out" '^235 2\.7\.0'
like "a second AUTH: 503" "$out" '^503 5\.5\.1 already authenticated'

unlike "no password in the log" "$(cat "$T/log")" 'wonder|builder|locked'
unlike "no password in the spool" "$(cat "$Q"/new/*)" 'wonder land|builder'
like "the log names the AUTH user" "$(cat "$T/log")" 'AUTH PLAIN ok for alice'

# configured: AUTH in clear, and the user named in Received
kill "$SPAWNED"
SMTPD_AUTH_CLEAR=1 SMTPD_RECEIVED_USER=1
export SMTPD_AUTH_CLEAR SMTPD_RECEIVED_USER
start_smtpd norelay
out=$(sw --auth LOGIN --auth-user bob --auth-password builder)
like "SMTPD_AUTH_CLEAR=1: AUTH without TLS" "$out" '^<-  250 2\.0\.0 Ok: queued as'
id=$(printf '%s\n' "$out" | sed -n 's/^<-  250 2\.0\.0 Ok: queued as //p')
like "SMTPD_RECEIVED_USER=1: Received names the user" "$(sed -n '/^Received:/,/+0000$/p' "$Q/new/$id")" \
  '\(authenticated as bob\)'
