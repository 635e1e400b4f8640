#!/bin/sh
# smarthost-remote against a real upstream (aiosmtpd) with STARTTLS and AUTH
# required: --check, a message by hand, the result lines, the bytes stored.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 16

make_certs
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
  --auth-user alice@example.org --auth-pass 'sEcr3t pass' --require-auth --size 5000000
printf 'sEcr3t pass\n' > "$T/pass"; chmod 600 "$T/pass"
export UPSTREAM="localhost:$PORT" UPSTREAM_CAFILE="$T/certs/ca.pem" \
  UPSTREAM_USER=alice@example.org UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test

smarthost-remote --check > "$T/check" 2>&1; r=$?
is "--check exits 0" "$r" 0
out=$(cat "$T/check")
like "--check shows STARTTLS and the verified certificate" "$out" 'certificate verified: /CN=localhost'
is "EHLO is sent again after STARTTLS" "$(grep -c '^> EHLO relay.test$' "$T/check")" 2
like "AUTH is shown redacted" "$out" '^> AUTH PLAIN <redacted>$'
b64=$(printf '\0alice@example.org\0sEcr3t pass' | base64 -w0)
unlike "neither the password nor its base64 is printed" "$out" "sEcr3t|$b64"
like "--check ends with ok" "$(tail -1 "$T/check")" '^ok: '

printf 'Subject: test\n\n.a line with a dot\nsecond\n' > "$T/body"
smarthost-remote -f bob@example.org carol@example.net dave@example.com < "$T/body" > "$T/res"; r=$?
is "by hand: exit 0" "$r" 0
is "by hand: one R line per recipient, then M ok" "$(cut -f1-4 "$T/res")" "$(printf 'R\tcarol@example.net\tok\t250\nR\tdave@example.com\tok\t250\nM\tok\tsmtp\t250')"
is "the upstream got the envelope" "$(cat "$T/up/1.env" 2>/dev/null)" "$(printf 'F bob@example.org\nT carol@example.net\nT dave@example.com')"
printf 'Subject: test\r\n\r\n.a line with a dot\r\nsecond\r\n' > "$T/want"
ok "the upstream got the message with CRLF, unstuffed back to the original" cmp "$T/up/1.msg" "$T/want"
is "two sessions, two logins" "$(grep -c '^auth ok PLAIN alice@example.org$' "$T/up/log")" 2
unlike "the upstream log has no failed AUTH" "$(cat "$T/up/log")" '^auth fail'

# a message file with a null sender and no final newline, sent by hand
printf 'no newline at the end' | smarthost-remote -f '' carol@example.net > "$T/res2"; r=$?
is "null sender: exit 0" "$r" 0
is "null sender reaches the upstream" "$(head -1 "$T/up/2.env" 2>/dev/null)" "F "
printf 'no newline at the end\r\n' > "$T/want3"
ok "a last line without LF gets its CRLF" cmp "$T/up/2.msg" "$T/want3"

fails_with 100 "a recipient that is no address is refused by hand" \
  sh -c 'smarthost-remote -f a@b "" < /dev/null 2>/dev/null'
