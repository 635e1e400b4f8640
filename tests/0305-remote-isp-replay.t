#!/bin/sh
# A replay of the ISP's server this project was built for, as transcribed
# from a real session: its exact EHLO lines, STARTTLS, AUTH LOGIN with
# "334 VXNlcm5hbWU6" / "334 UGFzc3dvcmQ6", "235 Authentication successful",
# "250 ok" to MAIL and "250 ok; forward to <...>" to RCPT. The script reads
# MAIL, RCPT and DATA before it answers any: without PIPELINING the client
# would wait forever, so passing shows the commands went out together.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 9

make_certs
printf 'Geheim!99\n' > "$T/pass"; chmod 600 "$T/pass"
user=kunde123@isp.example
u64=$(printf %s "$user" | base64 -w0)
p64=$(printf %s 'Geheim!99' | base64 -w0)
printf 'Subject: replay\n\nHallo,\n.\nbye\n' > "$T/body"
printf 'Subject: replay\r\n\r\nHallo,\r\n..\r\nbye\r\n' > "$T/wire"
size=$(wc -c < "$T/wire" | tr -d ' ')
# SIZE= counts the body with CRLF, before dot-stuffing
size=$((size - 1))

ehlo() {
  cat <<EOS
> 250-mail.isp.example
> 250-7BIT
> 250-8BITMIME
> 250-AUTH LOGIN PLAIN
> 250-DSN
> 250-HELP
> 250-NOOP
> 250-PIPELINING
> 250-SIZE 10485760
EOS
  [ "${1:-}" = tls ] && echo '> 250-STARTTLS'
  cat <<EOS
> 250-VERS V04.00c++
> 250 XMVP 2
EOS
}

{
  echo '> 220 mail.isp.example ESMTP ready'
  echo '< EHLO relay\.test'
  ehlo tls
  echo '< STARTTLS'
  echo '> 220 Ready to start TLS'
  echo 'tls'
  echo '< EHLO relay\.test'
  ehlo
  cat <<EOS
< AUTH LOGIN
> 334 VXNlcm5hbWU6
< $u64
> 334 UGFzc3dvcmQ6
< $p64
> 235 Authentication successful
< MAIL FROM:<anna@example\.org> SIZE=$size BODY=8BITMIME
< RCPT TO:<bernd@example\.net>
< DATA
> 250 ok
> 250 ok; forward to <bernd@example.net>
> 354 go ahead
data $T/got
> 250 ok 1700000000 qp 4711
< QUIT
> 221 mail.isp.example
EOS
} > "$T/isp.script"
start_scripted isp --cert "$T/certs/server.pem" --key "$T/certs/server.key"

export UPSTREAM="localhost:$PORT" UPSTREAM_CAFILE="$T/certs/ca.pem" UPSTREAM_USER=$user \
  UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test UPSTREAM_MECH=LOGIN UPSTREAM_TIMEOUT=5
smarthost-remote -f anna@example.org bernd@example.net < "$T/body" > "$T/res"; r=$?
is "the replay runs to its end" "$(scripted_done isp)" done
is "exit 0" "$r" 0
is "the recipient is accepted" "$(head -1 "$T/res" | cut -f1-4)" "$(printf 'R\tbernd@example.net\tok\t250')"
like "the message is accepted with the ISP's text" "$(tail -1 "$T/res")" '^M	ok	smtp	250	ok 1700000000 qp 4711$'
ok "the body on the wire is CRLF and dot-stuffed" cmp "$T/got" "$T/wire"

# The same server without UPSTREAM_MECH: PLAIN is preferred to LOGIN.
{
  echo '> 220 mail.isp.example ESMTP ready'
  echo '< EHLO relay\.test'
  ehlo tls
  echo '< STARTTLS'
  echo '> 220 Ready to start TLS'
  echo 'tls'
  echo '< EHLO relay\.test'
  ehlo
  echo "< AUTH PLAIN $(printf '\0%s\0%s' "$user" 'Geheim!99' | base64 -w0)"
  echo '> 535 5.7.8 Authentication failed'
  echo '< QUIT'
  echo '> 221 bye'
} > "$T/isp2.script"
start_scripted isp2 --cert "$T/certs/server.pem" --key "$T/certs/server.key"
UPSTREAM_MECH= UPSTREAM="localhost:$PORT" smarthost-remote --check > "$T/out" 2>&1; r=$?
is "AUTH PLAIN, refused with 535: --check exits 100" "$r" 100
is "... after a dialogue that ran as scripted" "$(scripted_done isp2)" done
like "... and reports an authentication failure" "$(tail -1 "$T/out")" '^fail: auth: AUTH refused: 535 5.7.8'
unlike "... without the password in the transcript" "$(cat "$T/out")" "Geheim|$p64"
