#!/bin/sh
# smarthost-oauth2 with client credentials against a local HTTPS token
# endpoint (tests/peers/tokenserver.py, its own CA): a client secret, a
# certificate (a signed client assertion, RFC 7523), the cache (no request
# while a token is valid, a new one shortly before it expires), ten callers
# at once make one request, the endpoint's certificate always verified,
# secrets never in argv, the provider presets.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/oauth2.sh"
plan 25

start_tokens --client-cert "$T/certs/app.pem"
OAUTH2_SECRETFILE=$T/secret/client-secret; export OAUTH2_SECRETFILE
cache=$T/secret/oauth2-access

tok=$(smarthost-oauth2 2> "$T/err"); r=$?
is "client credentials with a secret: exit 0" "$r" 0
like "it prints the token the endpoint issued" "$tok" "^$(tail -1 "$T/ts/tokens")\$"
is "the endpoint saw a client_credentials grant authenticated by the secret" "$(tail -1 "$T/ts/log")" "token client_credentials ok secret"
is "the token is cached next to the secret, mode 0600" "$(stat -c %a "$cache")" 600
tok2=$(smarthost-oauth2); r=$?
is "a second call within the validity: the same token" "$r $tok2" "0 $tok"
is "... and no request" "$(ntoken)" 1

# Ten workers at once with an empty cache: one request, one token for all.
rm -f "$cache"
pids=
for i in 0 1 2 3 4 5 6 7 8 9; do smarthost-oauth2 > "$T/par.$i" 2>&1 & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
is "ten callers at once: one request" "$(ntoken)" 2
is "... and all ten print the same token" "$(cat "$T"/par.* | sort -u | wc -l) $(cat "$T"/par.* | wc -l)" "1 10"

# Expiry: tokens valid 330 s with a margin of 300 s are cached for 30 s;
# once within the margin of their expiry (a margin of 330 s puts the
# token there at once, without waiting), a new one is fetched.
stop_tokens; rm -f "$cache"; : > "$T/ts/log"
start_tokens --client-cert "$T/certs/app.pem" --expires 330
a=$(smarthost-oauth2); b=$(smarthost-oauth2)
is "a short-lived token is cached while it is valid for the margin" "$(ntoken) $b" "1 $a"
c=$(OAUTH2_MARGIN=330 smarthost-oauth2)
is "within the margin of its expiry, a new one is fetched" "$(ntoken)" 2
unlike "... which is another token" "$c" "^$a\$"
OAUTH2_MARGIN=600 smarthost-oauth2 > /dev/null; OAUTH2_MARGIN=600 smarthost-oauth2 > /dev/null
is "a token valid less than the margin is never cached" "$(ntoken)" 4

# A certificate instead of the secret: a signed JWT the server verifies.
rm -f "$cache"
tok=$(OAUTH2_SECRETFILE= OAUTH2_CERTFILE=$T/certs/app.pem OAUTH2_KEYFILE=$T/certs/app.key OAUTH2_CACHEFILE=$T/c2 smarthost-oauth2 2> "$T/err"); r=$?
is "client credentials with a certificate: exit 0" "$r" 0
is "the endpoint verified the assertion (RS256, x5t, iss, sub, aud)" "$(tail -1 "$T/ts/log")" "token client_credentials ok assertion"
OAUTH2_SECRETFILE= OAUTH2_CERTFILE=$T/certs/other.pem OAUTH2_KEYFILE=$T/certs/other.key OAUTH2_CACHEFILE=$T/c3 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "an assertion signed by another key: refused as invalid_client, exit 100" "$r $(cat "$T/err")" '^100 smarthost-oauth2: fatal: the token endpoint refused the client \(invalid_client, AADSTS7000215\)'
OAUTH2_SECRETFILE= OAUTH2_CERTFILE=$T/certs/app.pem OAUTH2_KEYFILE=$T/certs/other.key OAUTH2_CACHEFILE=$T/c3 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "a key that is not the certificate's: said so, no request" "$r $(cat "$T/err")" '^100 .*does not match the certificate'

chmod 644 "$T/certs/app.key"
OAUTH2_SECRETFILE= OAUTH2_CERTFILE=$T/certs/app.pem OAUTH2_KEYFILE=$T/certs/app.key OAUTH2_CACHEFILE=$T/c3 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "a key file others may read: refused" "$r $(cat "$T/err")" '^100 .*unable to read the private key in OAUTH2_KEYFILE .*not accessible to other users'
chmod 600 "$T/certs/app.key"

# The endpoint's certificate is verified, always.
OAUTH2_CAFILE=$T/certs/rogue.pem OAUTH2_CACHEFILE=$T/c4 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "an endpoint certificate from another CA: refused, exit 111" "$r $(cat "$T/err")" '^111 smarthost-oauth2: fatal: unable to reach the token endpoint https://localhost:[0-9]+/token: .*(certificate|SSL)'
OAUTH2_TOKEN_URL=https://127.0.0.1:$TPORT/token OAUTH2_CACHEFILE=$T/c4 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "a name the certificate does not carry: refused" "$r $(cat "$T/err")" '^111 .*unable to reach the token endpoint'
OAUTH2_TOKEN_URL=http://localhost:$TPORT/token OAUTH2_CACHEFILE=$T/c4 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "plain http: refused, the secret is never sent in clear" "$r $(cat "$T/err")" '^111 .*unable to reach the token endpoint http:'

# Secrets: only from files; a file others can read is refused.
chmod 644 "$T/secret/client-secret"
OAUTH2_CACHEFILE=$T/c5 smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "a secret file readable by others: refused" "$r $(cat "$T/err")" '^100 .*accessible to other users'
chmod 600 "$T/secret/client-secret"
echo slow > "$T/ts/mode"
OAUTH2_CACHEFILE=$T/c6 smarthost-oauth2 > "$T/slow.out" 2>&1 &
pid=$!
wait_for 10 grep -q '^slow' "$T/ts/log"
argv=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ')
kill -0 $pid 2>/dev/null; running=$?
wait $pid
rm -f "$T/ts/mode"
is "argv was read while it waited for the endpoint, which then answered" "$running $(cut -c1-3 "$T/slow.out")" "0 at-"
unlike "no secret in any process's argv" "$argv" 's3cr3t-client|at-[0-9a-f]{24}'

# Presets: what the administrator would look up.
out=$(smarthost-oauth2 -p microsoft)
like "the Microsoft 365 preset: smtp.office365.com:587, STARTTLS" "$(printf '%s\n' "$out" | tr '\n' ' ')" 'UPSTREAM=smtp.office365.com:587 UPSTREAM_TLS=starttls UPSTREAM_TOKENCMD=smarthost-oauth2 OAUTH2_PROVIDER=microsoft'
out=$(smarthost-oauth2 -p google)
like "the Gmail preset: smtp.gmail.com:465, implicit TLS" "$(printf '%s\n' "$out" | tr '\n' ' ')" 'UPSTREAM=smtp.gmail.com:465 UPSTREAM_TLS=tls .*OAUTH2_PROVIDER=google'
