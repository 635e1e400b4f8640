#!/bin/sh
# A client certificate (UPSTREAM_CERTFILE, UPSTREAM_KEYFILE) for an upstream
# that requires one: delivered with it over STARTTLS and implicit TLS;
# without it, or with one it does not trust, the handshake is refused and
# the mail deferred, class tls; a key that cannot be read or is not the
# certificate's is class config, found before any connection; the key is
# never printed.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 22

make_certs
c=$T/certs
(
  cd "$c" || exit 1
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key \
    -out client.csr -subj /CN=relay.test 2>/dev/null || exit 1
  printf 'extendedKeyUsage=clientAuth\n' > client.ext
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile client.ext -out client.pem 2>/dev/null
) || echo "# unable to make the client certificate"
chmod 600 "$c/client.key"
printf 'not a key\n' > "$c/garbage.key"

start_upstream st --cert "$c/server.pem" --key "$c/server.key" --client-ca "$c/ca.pem"
ST=$PORT
start_upstream imp --cert "$c/server.pem" --key "$c/server.key" --client-ca "$c/ca.pem" --tls-mode implicit
IMP=$PORT
start_upstream any --cert "$c/server.pem" --key "$c/server.key"
ANY=$PORT
export UPSTREAM_CAFILE="$c/ca.pem" HELONAME=relay.test UPSTREAM_TIMEOUT=10
printf 'x\n' | make_msg "$T/msg" a@example.org b@example.net
job() { printf 'M %s\nR b@example.net\n.\n' "$T/msg" | smarthost-remote -w 2>>"$T/all.err" | tee -a "$T/all.out" | tail -1; }
withcert() { UPSTREAM_CERTFILE="$c/client.pem" UPSTREAM_KEYFILE=${KEY:-$c/client.key} "$@"; }

# with the certificate
res=$(UPSTREAM=localhost:$ST withcert job)
like "STARTTLS with a client certificate: delivered" "$res" '^M	ok	smtp	250	'
is "the upstream verified our certificate" "$(grep -c '^client relay.test$' "$T/st/log") $(grep -c '^msg' "$T/st/log")" "1 1"
res=$(UPSTREAM=localhost:$IMP UPSTREAM_TLS=tls withcert job)
like "implicit TLS with a client certificate: delivered" "$res" '^M	ok	smtp	250	'
is "the implicit upstream verified it" "$(grep -c '^client relay.test$' "$T/imp/log") $(grep -c '^msg' "$T/imp/log")" "1 1"
UPSTREAM=localhost:$ST withcert smarthost-remote --check > "$T/check.out" 2>&1; r=$?
is "--check with the certificate exits 0" "$r $(tail -1 "$T/check.out" | cut -c1-3)" "0 ok:"
cat "$T/check.out" >> "$T/all.out"

# without it, or with one from another CA: the upstream refuses the handshake
res=$(UPSTREAM=localhost:$ST job)
like "STARTTLS, no client certificate: deferred, class tls" "$res" '^M	defer	tls	000	.*TLS handshake'
res=$(UPSTREAM=localhost:$IMP UPSTREAM_TLS=tls job)
like "implicit TLS, no client certificate: deferred, class tls" "$res" '^M	defer	tls	000	.*TLS handshake'
res=$(UPSTREAM=localhost:$ST UPSTREAM_CERTFILE="$c/rogue.pem" UPSTREAM_KEYFILE="$c/rogue.key" job)
like "a certificate the upstream does not trust: deferred, class tls" "$res" '^M	defer	tls	000	'
is "nothing was sent without a verified certificate" "$(grep -c '^mail' "$T/st/log") $(grep -c '^mail' "$T/imp/log")" "1 1"
UPSTREAM=localhost:$ST smarthost-remote --check > "$T/out" 2>&1; r=$?
like "--check without it: 100 (a person must fix it), fail: tls" "$r $(tail -1 "$T/out")" '^100 fail: tls: '
res=$(printf 'x\n' | UPSTREAM="localhost:$ST,localhost:$ANY" smarthost-remote -f a@example.org b@example.net); r=$?
is "a refused handshake moves on to the next upstream" "$r $(grep -c '^msg' "$T/any/log")" "0 1"

# our own files: class config, before any connection
: > "$T/st/log"
res=$(UPSTREAM=localhost:$ST KEY=$c/server.key withcert job)
like "a key that is not the certificate's: class config, the reason named" "$res" "^M	defer	config	000	.*key"
UPSTREAM=localhost:$ST KEY=$c/server.key withcert smarthost-remote --check > "$T/out" 2>&1; r=$?
like "... --check exits 100, fail: config" "$r $(tail -1 "$T/out")" '^100 fail: config: '
cat "$T/out" >> "$T/all.out"
res=$(UPSTREAM=localhost:$ST KEY=$c/missing.key withcert job)
like "a key file that cannot be read: class config, the file named" "$res" "^M	defer	config	000	.*missing\.key"
res=$(UPSTREAM=localhost:$ST KEY=$c withcert job)
like "a directory as the key file: class config" "$res" '^M	defer	config	000	'
res=$(UPSTREAM=localhost:$ST KEY=$c/garbage.key withcert job)
like "a key file that holds no key: class config" "$res" '^M	defer	config	000	'
res=$(UPSTREAM=localhost:$ST UPSTREAM_CERTFILE="$c/client.pem" job)
like "a certificate without its key: class config" "$res" '^M	defer	config	000	.*both'
res=$(UPSTREAM=localhost:$ST KEY=$c/client.pem withcert job)
like "the certificate given as its own key: class config" "$res" '^M	defer	config	000	'
is "none of these reached the upstream" "$(grep -c '^connect' "$T/st/log")" 0
printf 'x\n' | UPSTREAM=localhost:$ST KEY=$c/server.key withcert smarthost-remote -f a@example.org b@example.net > /dev/null 2>> "$T/all.err"; r=$?
is "by hand, a bad key is a configuration error (100)" "$r" 100

# the key is never printed, whatever happened
keyline() { sed -n 2p "$1"; }
fails "the client key is in no output" grep -qF "$(keyline "$c/client.key")" "$T/all.out" "$T/all.err"
fails "nor the mismatched key" grep -qF "$(keyline "$c/server.key")" "$T/all.out" "$T/all.err"
