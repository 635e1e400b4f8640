#!/bin/sh
# Every failure, forced by the scripted upstream: 4xx and 5xx at each step,
# 535 and 454 to AUTH, no AUTH offered, a drop in the middle of DATA, a
# reply line over the limit, a malformed reply, an upstream that never
# answers. Each must end in the right result line, class and exit code.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 39

export HELONAME=relay.test UPSTREAM_TLS=none UPSTREAM_TIMEOUT=2 UPSTREAM_DATATIMEOUT=2
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
printf 'Subject: f\n\nbody\n' > "$T/body"

greet='> 220 up.test ESMTP
< EHLO relay\.test'
ehlo='> 250-up.test
> 250 PIPELINING'
tx='< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA'
quit='< QUIT
> 221 bye'

# play NAME: runs the script on stdin against one message by hand; sets
# R (exit code), RES (the M line), RLINE (the R line), ST (script status)
play()
{
  cat > "$T/$1.script"
  start_scripted "$1"
  printf 'Subject: f\n\nbody\n' | UPSTREAM="127.0.0.1:$PORT" smarthost-remote -f a@example.org b@example.net > "$T/$1.res" 2>"$T/$1.err"
  R=$?
  RES=$(grep '^M' "$T/$1.res")
  RLINE=$(grep '^R' "$T/$1.res")
  ST=$(scripted_done "$1")
}

play greet554 <<EOF2
> 554 5.7.1 no mail from your address
close
EOF2
like "greeting 554: defer (the upstream refuses us, not the message)" "$R $RES" '^111 M	defer	protocol	554	.*no mail from your address'

play greet421 <<EOF2
> 421 4.7.0 too many connections
close
EOF2
like "greeting 421: defer, class throttle" "$R $RES" '^111 M	defer	throttle	421	'

play ehlo550 <<EOF2
$greet
> 550 5.5.1 go away
$quit
EOF2
like "EHLO 550: defer, class protocol" "$R $RES" '^111 M	defer	protocol	550	'
is "... and QUIT was sent" "$ST" done

cat > "$T/nostarttls.script" <<EOF2
$greet
> 250-up.test
> 250 STARTTLS
< STARTTLS
> 454 4.7.0 TLS not available due to temporary reason
$quit
EOF2
start_scripted nostarttls
res=$(printf 'x\n' | UPSTREAM="localhost:$PORT" UPSTREAM_TLS=starttls smarthost-remote -f a@example.org b@example.net); r=$?
like "STARTTLS 454: defer, class tls" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	tls	454	'

export UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" UPSTREAM_AUTH_CLEAR=1
play auth535 <<EOF2
$greet
> 250-up.test
> 250 AUTH PLAIN
< AUTH PLAIN AHUAcHc=
> 535 5.7.8 Error: authentication failed
$quit
EOF2
like "AUTH 535: defer, class auth, never a bounce" "$R $RES" '^111 M	defer	auth	535	'
like "... the recipient deferred too" "$RLINE" '^R	b@example.net	defer	535	'
is "... nothing sent after the refusal but QUIT" "$ST" done

play auth454 <<EOF2
$greet
> 250-up.test
> 250 AUTH LOGIN
< AUTH LOGIN
> 454 4.7.0 Too many login attempts, please try again later
$quit
EOF2
like "AUTH 454 4.7.0: defer, class throttle" "$R $RES" '^111 M	defer	throttle	454	'

play noauth <<EOF2
$greet
$ehlo
$quit
EOF2
like "no AUTH offered with credentials: defer, class auth" "$R $RES" '^111 M	defer	auth	000	.*offers no AUTH'
is "... and no MAIL was sent unauthenticated" "$ST" done

play nomech <<EOF2
$greet
> 250-up.test
> 250 AUTH GSSAPI NTLM
$quit
EOF2
like "no common mechanism: defer, class auth, naming what is offered" "$R $RES" '^111 M	defer	auth	000	.*GSSAPI NTLM'
unset UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_AUTH_CLEAR

for c in 451:defer:111 550:fail:100; do
  code=${c%%:*}; st=${c#*:}; st=${st%%:*}; ex=${c##*:}
  play mail$code <<EOF2
$greet
$ehlo
$tx
> $code 5.1.8 sender refused
> 503 5.5.1 no MAIL
> 503 5.5.1 no valid recipients
$quit
EOF2
  like "MAIL $code: $st, exit $ex" "$R $RES" "^$ex M	$st	smtp	$code	MAIL refused: "
  like "MAIL $code: the recipient gets the MAIL reply" "$RLINE" "^R	b@example.net	$st	$code	"

  play rcpt$code <<EOF2
$greet
$ehlo
$tx
> 250 ok
> $code 5.1.1 no such user
> 554 5.5.1 no valid recipients
$quit
EOF2
  like "RCPT $code: the recipient is $st" "$RLINE" "^R	b@example.net	$st	$code	.*no such user"
  like "RCPT $code: the message is $st, exit $ex" "$R $RES" "^$ex M	$st	smtp	$code	no recipient accepted"

  play data$code <<EOF2
$greet
$ehlo
$tx
> 250 ok
> 250 ok
> $code 5.3.0 no DATA now
$quit
EOF2
  like "DATA $code: the recipient is $st" "$RLINE" "^R	b@example.net	$st	$code	"
  like "DATA $code: the message is $st, exit $ex" "$R $RES" "^$ex M	$st	smtp	$code	DATA refused: "

  play end$code <<EOF2
$greet
$ehlo
$tx
> 250 ok
> 250 ok
> 354 go
data
> $code 5.7.1 content refused
$quit
EOF2
  like "end of DATA $code: the recipient is $st" "$RLINE" "^R	b@example.net	$st	$code	.*content refused"
  like "end of DATA $code: the message is $st, exit $ex" "$R $RES" "^$ex M	$st	smtp	$code	"
  is "end of DATA $code: the script ran through" "$ST" done
done

play drop <<EOF2
$greet
$ehlo
$tx
> 250 ok
> 250 ok
> 354 go
datapart 5
close
EOF2
like "a drop in the middle of DATA: defer, class network" "$R $RES" '^111 M	defer	network	000	'
like "... the recipient deferred with code 000" "$RLINE" '^R	b@example.net	defer	000	'

play longline <<EOF2
> 220-up.test
long 5000 220-
> 220 ready
close
EOF2
like "a reply line over the limit: defer, class protocol" "$R $RES" '^111 M	defer	protocol	000	.*too long'

play garbage <<EOF2
> hello, this is not SMTP
close
EOF2
like "a malformed reply: defer, class protocol" "$R $RES" '^111 M	defer	protocol	000	.*malformed'

play mixed <<EOF2
> 220-up.test
> 250 the code changed
close
EOF2
like "a multi-line reply whose code changes: protocol" "$R $RES" '^111 M	defer	protocol	000	'

play silent <<EOF2
sleep 4
EOF2
like "an upstream that never answers: defer after UPSTREAM_TIMEOUT, class network" "$R $RES" '^111 M	defer	network	000	.*timed out'

play silentdata <<EOF2
$greet
$ehlo
$tx
> 250 ok
> 250 ok
> 354 go
data
sleep 4
EOF2
like "no answer to the end of DATA: defer, class network" "$R $RES" '^111 M	defer	network	000	.*timed out'

play rcpt421 <<EOF2
$greet
$ehlo
$tx
> 250 ok
> 421 4.4.2 closing, too busy
close
EOF2
like "421 to RCPT: defer, class throttle" "$R $RES" '^111 M	defer	(throttle|network)	'

play nopipe <<EOF2
$greet
> 250 up.test
< MAIL FROM:<a@example\.org>
> 250 ok
< RCPT TO:<b@example\.net>
> 250 ok
< DATA
> 354 go
data
> 250 accepted
$quit
EOF2
is "without PIPELINING, one command at a time" "$R $ST" "0 done"
