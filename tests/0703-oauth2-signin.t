#!/bin/sh
# Getting the first refresh token: the device authorization grant (RFC
# 8628; the test plays the person, who signs in while the program polls)
# and the authorization code with PKCE on a loopback redirect (RFC 7636;
# the test plays the browser, the server checks the S256 challenge).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/oauth2.sh"
plan 18

start_tokens
rt=$T/secret/refresh
OAUTH2_REFRESHFILE=$rt OAUTH2_SCOPE='https://outlook.office.com/SMTP.Send offline_access' OAUTH2_SECRETFILE=
export OAUTH2_REFRESHFILE OAUTH2_SCOPE OAUTH2_SECRETFILE

# browse URL: a browser that trusts the test CA and follows redirects
browse()
{
  $PY -c 'import ssl, sys, urllib.request
ctx = ssl.create_default_context(cafile=sys.argv[2])
print(urllib.request.urlopen(sys.argv[1], context=ctx, timeout=20).read().decode())' "$1" "$T/certs/ca.pem"
}

# --- the device flow
smarthost-oauth2 -d > "$T/dev.out" 2> "$T/dev.err" &
pid=$!
ok "the program says where to go and which code to enter" wait_for 20 grep -q 'enter the code' "$T/dev.out"
code=$(sed -n 's/.*enter the code \([0-9A-F]*\).*/\1/p' "$T/dev.out")
like "... the provider's page and code" "$(head -1 "$T/dev.out")" "^To sign in, open https://127.0.0.1:$TPORT/device in a browser, enter the code [0-9A-F]{8}\$"
ok "it polls, and is told to wait while the person has not signed in" wait_for 20 grep -q '^token device authorization_pending' "$T/ts/log"
is "no refresh token yet" "$(ls "$T/secret" | grep -c refresh)" 0
like "the person signs in" "$(browse "https://localhost:$TPORT/device?user_code=$code")" '^approved'
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
wait $pid; r=$?
is "then it exits 0" "$r" 0
like "... saying where the refresh token is" "$(tail -1 "$T/dev.out")" "^signed in: the refresh token is in $rt\$"
like "the refresh token is stored, mode 0600" "$(cat "$rt") $(stat -c %a "$rt")" '^rt-[0-9a-f]{16} 600$'
rm -f "$T/secret/oauth2-access"
tok=$(smarthost-oauth2); r=$?
is "the token program now works from it" "$r $(tail -1 "$T/ts/log")" "0 token refresh_token ok public"

# slow_down makes it poll 5 s less often (RFC 8628 3.5); a declined
# sign-in ends it with one line.
stop_tokens; : > "$T/ts/log"; rm -f "$rt"
start_tokens --slow-down
OAUTH2_SCOPE='https://outlook.office.com/SMTP.Send offline_access'
smarthost-oauth2 -d > "$T/dev.out" 2> "$T/dev.err" &
pid=$!
wait_for 20 grep -q '^token device slow_down' "$T/ts/log"; t0=$(date +%s)
wait_for 20 grep -q '^token device authorization_pending' "$T/ts/log"; t1=$(date +%s)
ok "after slow_down, the next poll waits 5 s longer (1 + 5)" test $((t1 - t0)) -ge 5
code=$(sed -n 's/.*enter the code \([0-9A-F]*\).*/\1/p' "$T/dev.out")
browse "https://localhost:$TPORT/device?user_code=$code&deny=1" > /dev/null
wait_for 20 sh -c "! kill -0 $pid 2>/dev/null"
wait $pid; r=$?
is "a declined sign-in: exit 100, said so, nothing stored" "$r $(cat "$T/dev.err") $(ls "$T/secret" | grep -c refresh)" \
  "100 smarthost-oauth2: fatal: the sign-in was declined 0"

# --- the browser sign-in with PKCE
rm -f "$rt"
# login: run -l, wait for the URL, give it to the browser (after $1, a sed
# expression, when the test tampers with it)
login()
{
  smarthost-oauth2 -l > "$T/l.out" 2> "$T/l.err" &
  lpid=$!
  wait_for 20 grep -q "^https://localhost:$TPORT/authorize?" "$T/l.out"
  url=$(grep "^https://localhost:$TPORT/authorize?" "$T/l.out" | sed "$1")
  browse "$url" > "$T/page" 2>&1
  wait_for 20 sh -c "! kill -0 $lpid 2>/dev/null"
  wait $lpid
}
login ''; r=$?
like "the URL asks for a code with an S256 challenge and a loopback redirect" "$(grep authorize "$T/l.out")" \
  'response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A[0-9]+%2F&scope=https%3A%2F%2Foutlook\.office\.com%2FSMTP\.Send%20offline_access&code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=S256&state=[0-9a-f]{32}'
like "the browser comes back to the program, which answers it" "$(cat "$T/page")" 'you may close this page'
is "the code and the verifier are exchanged: exit 0" "$r $(tail -1 "$T/ts/log")" "0 token authorization_code ok public"
like "the refresh token is stored" "$(cat "$rt" 2>&1)" '^rt-[0-9a-f]{16}$'

# A verifier that does not match the challenge (the browser changed it):
# the server refuses, and so nothing is stored.
rm -f "$rt"
login 's/code_challenge=[A-Za-z0-9_-]*/code_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/'; r=$?
like "a challenge that the verifier does not match: refused by the server, exit 100" "$r $(cat "$T/l.err")" \
  '^100 smarthost-oauth2: fatal: the token endpoint refused the grant \(invalid_grant, AADSTS501481\): the sign-in did not complete'
is "... nothing stored" "$(ls "$T/secret" | grep -c refresh)" 0
# A redirect with another state (a forged answer): ignored, no exchange.
n=$(ntoken)
login 's/state=[0-9a-f]*/state=00000000000000000000000000000000/'; r=$?
like "a redirect whose state is not ours: refused, no exchange" "$r $(ntoken) $(cat "$T/l.err")" "^100 $n .*state is not ours"
