# tests/peers/oauth2.sh: helpers for the tests of smarthost-oauth2
# (tests/07xx), sourced after tests/lib.sh and tests/peers/remote.sh.
#
#   start_tokens ARGS   make_certs (and RSA certificates for client
#                       assertions: app.pem/.key, other.pem/.key), then tests/peers/tokenserver.py on a free
#                       port ($TPORT if set) with the certificate for localhost, storing
#                       into $T/ts; client id "cid", the client secret in
#                       $T/secret/client-secret. Sets TPORT, and the
#                       OAUTH2_* settings for it (no provider: the endpoints
#                       are the server's), OAUTH2_CAFILE the test CA.
#   stop_tokens         stops it (by PID)
#   ntoken [WHAT]       requests to /token in its log (matching WHAT)

# libcurl would take these: the tests talk to 127.0.0.1 directly
unset https_proxy HTTPS_PROXY all_proxy ALL_PROXY

start_tokens()
{
  [ -e "$T/certs/ca.pem" ] || make_certs
  for n in app other; do
    [ -e "$T/certs/$n.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/certs/$n.key" \
      -out "$T/certs/$n.pem" -days 2 -subj "/CN=smarthost $n" 2>/dev/null
  done
  mkdir -p "$T/ts" "$T/secret"
  chmod 700 "$T/secret"
  [ -e "$T/secret/client-secret" ] || { printf 's3cr3t-client\n' > "$T/secret/client-secret"; chmod 600 "$T/secret/client-secret"; }
  : > "$T/ts/tokens"
  TPORT=${TPORT:-$(free_port)}
  spawn $PY "$TOP/tests/peers/tokenserver.py" --port "$TPORT" --dir "$T/ts" \
    --cert "$T/certs/server.pem" --key "$T/certs/server.key" --client-id cid \
    --secret-file "$T/secret/client-secret" "$@" > "$T/ts.out" 2> "$T/ts.err"
  TS_PID=$SPAWNED
  wait_for 10 grep -q ready "$T/ts.out" || { echo "# tokenserver did not start:"; sed 's/^/# /' "$T/ts.err"; }
  OAUTH2_TOKEN_URL=https://localhost:$TPORT/token
  OAUTH2_DEVICE_URL=https://localhost:$TPORT/devicecode
  OAUTH2_AUTH_URL=https://localhost:$TPORT/authorize
  OAUTH2_CAFILE=$T/certs/ca.pem
  OAUTH2_CLIENT_ID=cid
  OAUTH2_SCOPE=https://outlook.office365.com/.default
  export OAUTH2_TOKEN_URL OAUTH2_DEVICE_URL OAUTH2_AUTH_URL OAUTH2_CAFILE OAUTH2_CLIENT_ID OAUTH2_SCOPE
}

stop_tokens()
{
  kill "$TS_PID" 2>/dev/null
  wait "$TS_PID" 2>/dev/null
}

ntoken() { grep -c -- "^token ${1:-}" "$T/ts/log" 2>/dev/null; }
