#!/bin/sh
# A 421 to MAIL, RCPT or DATA, then the upstream closes the connection as
# RFC 5321 3.8 requires: the failure is the 421's (class throttle, the
# queue is held), never "connection broken" (class network, which counts
# toward a pause as an unreachable upstream). Over plain TCP and over TLS,
# where the close arrives as a TLS error; with and without PIPELINING.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 21

export HELONAME=relay.test UPSTREAM_TIMEOUT=5 UPSTREAM_DATATIMEOUT=5
make_certs

# play NAME TLSMODE < SCRIPT: one message to two recipients; sets R (exit
# code), RES (the M line), RLINES (the R lines)
play()
{
  name=$1; mode=$2
  cat > "$T/$name.script"
  if [ "$mode" = tls ]; then
    start_scripted "$name" --cert "$T/certs/server.pem" --key "$T/certs/server.key"
  else
    start_scripted "$name"
  fi
  printf 'Subject: f\n\nbody\n' | UPSTREAM="localhost:$PORT" UPSTREAM_TLS=$mode UPSTREAM_CAFILE="$T/certs/ca.pem" \
    smarthost-remote -f a@example.org b@example.net c@example.net > "$T/$name.res" 2>"$T/$name.err"
  R=$?
  RES=$(grep '^M' "$T/$name.res")
  RLINES=$(grep '^R' "$T/$name.res" | tr '\n' ' ')
  scripted_done "$name" > /dev/null
}

for mode in none tls; do
  if [ $mode = tls ]; then start='tls
> 220 up.test ESMTP'; else start='> 220 up.test ESMTP'; fi
  for pipe in pipelining stepwise; do
    if [ $pipe = pipelining ]; then ext='> 250-up.test
> 250 PIPELINING'; else ext='> 250 up.test'; fi

    play "mail-$mode-$pipe" $mode <<EOF2
$start
< EHLO relay\.test
$ext
< MAIL FROM:<a@example\.org>
> 421 4.7.0 too many connections from your address
close
EOF2
    like "$mode, $pipe: 421 to MAIL then close: defer, class throttle, the 421's text" "$R $RES" \
      '^111 M	defer	throttle	421	.*too many connections from your address'
    unlike "... no recipient is said to be lost to a broken connection" "$RLINES" 'broken|closed|unable'

    play "rcpt-$mode-$pipe" $mode <<EOF2
$start
< EHLO relay\.test
$ext
< MAIL FROM:<a@example\.org>
> 250 ok
< RCPT TO:<b@example\.net>
> 421 4.7.0 slow down
close
EOF2
    like "$mode, $pipe: 421 to RCPT then close: class throttle" "$R $RES" '^111 M	defer	throttle	421	.*slow down'
    like "... both recipients deferred with 421" "$RLINES" '^R	b@example.net	defer	421	.* R	c@example.net	defer	421	'

    play "data-$mode-$pipe" $mode <<EOF2
$start
< EHLO relay\.test
$ext
< MAIL FROM:<a@example\.org>
> 250 ok
< RCPT TO:<b@example\.net>
> 250 ok
< RCPT TO:<c@example\.net>
> 250 ok
< DATA
> 421 4.3.2 shutting down
close
EOF2
    like "$mode, $pipe: 421 to DATA then close: class throttle" "$R $RES" '^111 M	defer	throttle	421	.*shutting down'
  done
done

# A close with no 421 before it stays a network failure.
play "plainclose" none <<EOF2
> 220 up.test ESMTP
< EHLO relay\.test
> 250-up.test
> 250 PIPELINING
< MAIL FROM:<a@example\.org>
close
EOF2
like "a close without a 421: class network, as before" "$R $RES" '^111 M	defer	network	000	'
