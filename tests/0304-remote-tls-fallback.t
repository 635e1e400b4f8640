#!/bin/sh
# Certificate checks (wrong host name, unknown CA, no STARTTLS), AUTH never
# in clear, and falling back to the next upstream on refusal, TLS failure
# or a 421 greeting.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 20

make_certs
c=$T/certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
start_upstream good --cert "$c/server.pem" --key "$c/server.key" --auth-user u --auth-pass pw --require-auth
GOOD=$PORT
start_bad_tls_upstreams
DEAD=$(free_port)
export UPSTREAM_CAFILE="$c/ca.pem" UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test UPSTREAM_TIMEOUT=5

send() { printf 'x\n' | smarthost-remote -f a@example.org b@example.net; }

res=$(UPSTREAM=localhost:$WRONG send); r=$?
is "host name mismatch: deferred (exit 111)" "$r" 111
like "host name mismatch: class tls, the reason named" "$(printf '%s\n' "$res" | tail -1)" '^M	defer	tls	000	.*(name|match)'
unlike "nothing was sent to the wrong host" "$(cat "$T/wrong/log")" '^(auth|mail)'

res=$(UPSTREAM=localhost:$ROGUE send); r=$?
like "unknown CA: deferred, class tls" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	tls	000	.*(certificate|verify)'
fails_with 100 "--check fails with 100 on a bad certificate (waiting will not fix it)" sh -c "UPSTREAM=localhost:$ROGUE smarthost-remote --check > /dev/null"

res=$(UPSTREAM=localhost:$CLEAR send); r=$?
like "no STARTTLS offered: deferred, class tls" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	tls	000	.*STARTTLS'
unlike "and no AUTH in clear" "$(cat "$T/clear/log")" '^auth'

res=$(UPSTREAM=localhost:$CLEAR UPSTREAM_TLS=none send 2>&1); r=$?
is "UPSTREAM_TLS=none with credentials and no UPSTREAM_AUTH_CLEAR: refused (100)" "$r" 100
printf 'x\n' | make_msg "$T/msg" a@example.org b@example.net
res=$(printf 'M %s\nR b@example.net\n.\n' "$T/msg" | UPSTREAM=localhost:$CLEAR UPSTREAM_TLS=none smarthost-remote -w)
like "the same in worker mode: class config" "$res" '^M	defer	config	000	'
res=$(UPSTREAM=localhost:$CLEAR UPSTREAM_TLS=none UPSTREAM_AUTH_CLEAR=1 send); r=$?
is "with UPSTREAM_AUTH_CLEAR=1, AUTH in clear works" "$r$(grep -c '^auth ok' "$T/clear/log")" 01
res=$(printf 'x\n' | UPSTREAM=localhost:$CLEAR UPSTREAM_TLS=none UPSTREAM_USER= UPSTREAM_PASSFILE="$T/pass" \
  smarthost-remote -f a@example.org b@example.net 2>&1); r=$?
is "a password file without a user is refused, not sent without AUTH" "$r" 100

: > "$T/good/log"
res=$(UPSTREAM="localhost:$DEAD,localhost:$GOOD" send); r=$?
is "fallback after connection refused" "$r$(grep -c '^msg' "$T/good/log")" 01
res=$(UPSTREAM="localhost:$WRONG, localhost:$GOOD" send); r=$?
is "fallback after a TLS failure" "$r$(grep -c '^msg' "$T/good/log")" 02

cat > "$T/busy.script" <<'SCRIPT'
> 421 4.3.2 busy, try later
close
SCRIPT
start_scripted busy
res=$(UPSTREAM="localhost:$PORT,localhost:$GOOD" send); r=$?
is "fallback after a 421 greeting" "$r$(grep -c '^msg' "$T/good/log")" 03
is "the 421 upstream saw the connection" "$(scripted_done busy)" done

res=$(UPSTREAM="localhost:$DEAD,localhost:$WRONG" send); r=$?
like "every upstream failing: the last failure is reported" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	tls	'
res=$(UPSTREAM="localhost:$WRONG,localhost:$DEAD" send); r=$?
like "... class network when the last one refused the connection" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	network	000	.*refused'

cat > "$T/tlsdrop.script" <<'SCRIPT'
tls
> 220 up.test
< EHLO relay\.test
> 250-up.test
> 250 PIPELINING
< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA
> 250 ok
> 250 ok
> 354 go
datapart 1
close
SCRIPT
start_scripted tlsdrop --cert "$T/certs/server.pem" --key "$T/certs/server.key"
res=$(UPSTREAM=localhost:$PORT UPSTREAM_TLS=tls UPSTREAM_USER= UPSTREAM_PASSFILE= send); r=$?
like "a connection dropped under TLS is class network, not tls" "$r $(printf '%s\n' "$res" | tail -1)" '^111 M	defer	network	000	'

UPSTREAM=localhost:$GOOD UPSTREAM_PASSFILE="$T/nonexistent" smarthost-remote --check > "$T/out" 2>&1; r=$?
is "a missing password file: --check exits 100" "$r" 100
like "... class config, naming the setting" "$(tail -1 "$T/out")" '^fail: config: unable to open UPSTREAM_PASSFILE'
