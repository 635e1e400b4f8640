#!/bin/sh
# smarthost-remote --check, the newcomer's first tool, exits 100 for what
# waiting will not fix (a certificate for another name, an unknown CA, no
# STARTTLS offered, a refused password) and 111 for what may pass (nobody
# listening, 454 to STARTTLS).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 8

make_certs
c=$T/certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
start_bad_tls_upstreams
start_upstream good --cert "$c/server.pem" --key "$c/server.key" --auth-user u --auth-pass other --require-auth
GOOD=$PORT
export UPSTREAM_CAFILE="$c/ca.pem" UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test UPSTREAM_TIMEOUT=5

check() { UPSTREAM=localhost:$1 smarthost-remote --check > "$T/out" 2>&1; }
fails_with 100 "a certificate for another name: 100" check "$WRONG"
like "and it says so" "$(tail -1 "$T/out")" '^fail: tls: .*(name|match)'
fails_with 100 "an unknown CA: 100" check "$ROGUE"
fails_with 100 "no STARTTLS offered: 100" check "$CLEAR"
fails_with 100 "a refused password: 100, as before" check "$GOOD"

fails_with 111 "nobody listening: 111" check "$(free_port)"
cat > "$T/busy.script" <<'S'
> 220 busy.example ESMTP
< EHLO .*
> 250-busy.example
> 250 STARTTLS
< STARTTLS
> 454 4.7.0 TLS not available right now
<? QUIT
> 221 bye
S
start_scripted busy
fails_with 111 "454 to STARTTLS: 111 (it may pass)" check "$PORT"
like "named as a TLS failure" "$(tail -1 "$T/out")" '^fail: tls: STARTTLS refused: 454'
