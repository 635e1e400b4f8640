#!/bin/sh
# Implicit TLS (port 465 style), and each AUTH mechanism against the real
# upstream: PLAIN, LOGIN, CRAM-MD5, XOAUTH2 and OAUTHBEARER (token from
# UPSTREAM_TOKENCMD), the choice of the strongest, and a wrong password.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 14

make_certs
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" --tls-mode implicit \
  --auth-user u@example.org --auth-pass pw --auth-token tok123 --require-auth \
  --mechs 'PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER'
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
printf 'wrong\n' > "$T/badpass"; chmod 600 "$T/badpass"
export UPSTREAM="localhost:$PORT" UPSTREAM_TLS=tls UPSTREAM_CAFILE="$T/certs/ca.pem" \
  UPSTREAM_USER=u@example.org UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test

out=$(smarthost-remote --check 2>&1); r=$?
is "implicit TLS: --check exits 0" "$r" 0
like "TLS comes before the greeting" "$(printf '%s\n' "$out" | sed -n 3,4p)" 'certificate verified'
unlike "no STARTTLS under implicit TLS" "$out" '> STARTTLS'
like "with a password, CRAM-MD5 is the strongest common mechanism" "$out" '> AUTH CRAM-MD5'

for m in PLAIN LOGIN; do
  UPSTREAM_MECH=$m smarthost-remote --check > /dev/null 2>&1
  like "UPSTREAM_MECH=$m logs in with $m" "$(tail -2 "$T/up/log" | head -1)" "^auth ok $m u@example.org"
done

printf 'x\n' | smarthost-remote -f a@example.org b@example.net > "$T/res"; r=$?
is "a message over implicit TLS" "$r$(tail -1 "$T/res" | cut -f1-4)" "0$(printf 'M\tok\tsmtp\t250')"

printf '#!/bin/sh\necho tok123\n' > "$T/tokcmd"; chmod +x "$T/tokcmd"
out=$(UPSTREAM_TOKENCMD="$T/tokcmd" UPSTREAM_PASSFILE= smarthost-remote --check 2>&1); r=$?
is "with a token, OAUTHBEARER is chosen and accepted" "$r$(tail -2 "$T/up/log" | head -1)" "0auth ok OAUTHBEARER u@example.org"
unlike "the token is not printed" "$out" tok123
UPSTREAM_TOKENCMD="$T/tokcmd" UPSTREAM_PASSFILE= UPSTREAM_MECH=XOAUTH2 smarthost-remote --check > /dev/null 2>&1
is "XOAUTH2 with the token" "$(tail -2 "$T/up/log" | head -1)" "auth ok XOAUTH2 u@example.org"

printf '#!/bin/sh\necho expired\n' > "$T/badtok"; chmod +x "$T/badtok"
UPSTREAM_TOKENCMD="$T/badtok" UPSTREAM_PASSFILE= UPSTREAM_MECH=XOAUTH2 smarthost-remote --check > "$T/out" 2>&1; r=$?
is "a refused token: --check exits 100" "$r" 100
like "the failure is an AUTH failure with the 535" "$(tail -1 "$T/out")" '^fail: auth: AUTH refused: 535'

printf 'x\n' | UPSTREAM_PASSFILE="$T/badpass" smarthost-remote -f a@example.org b@example.net > "$T/res2"; r=$?
is "a wrong password: the message is deferred, not bounced" "$r$(tail -1 "$T/res2" | cut -f1-4)" "111$(printf 'M\tdefer\tauth\t535')"

UPSTREAM_TOKENCMD=false UPSTREAM_PASSFILE= smarthost-remote --check > "$T/out" 2>&1; r=$?
like "a failing token command: class auth, exit 100" "$r $(tail -1 "$T/out")" '^100 fail: auth: UPSTREAM_TOKENCMD failed'
