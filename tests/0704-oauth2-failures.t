#!/bin/sh
# Every way of not getting a token, end to end: smarthost-send ->
# smarthost-remote -> UPSTREAM_TOKENCMD=smarthost-oauth2 -> the HTTPS token
# endpoint, and an upstream (aiosmtpd) that takes only the tokens that
# endpoint issued, by OAUTHBEARER or XOAUTH2. A revoked refresh token, a
# wrong client secret, the endpoint down, answering garbage, a 503, an
# error that echoes the request, and a 535 to a new token: each pauses
# the queue with one clear line, keeps the mail, and once fixed the mail
# flows. A cached token that the upstream refuses is replaced at once. No secret in argv, the log or the queue.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/oauth2.sh"
plan 30

printf 'rt-valid0123456789\n' > "$T/rt0"
start_tokens --refresh-file "$T/rt0"
cp "$T/rt0" "$T/secret/refresh"; chmod 600 "$T/secret/refresh"
OAUTH2_REFRESHFILE=$T/secret/refresh OAUTH2_SECRETFILE=$T/secret/client-secret
OAUTH2_SCOPE='https://outlook.office.com/SMTP.Send offline_access'
export OAUTH2_REFRESHFILE OAUTH2_SECRETFILE OAUTH2_SCOPE
cache=$T/secret/oauth2-access

# Each message is a new session, so each one logs in and asks for a token.
REMOTE=smarthost-remote UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u@example.org
UPSTREAM_TOKENCMD=smarthost-oauth2 UPSTREAM_MAXMSGS=1
export REMOTE UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_TOKENCMD UPSTREAM_MAXMSGS
UPORT=$(free_port)
UPSTREAM=localhost:$UPORT; export UPSTREAM
# up TOKENFILE: the upstream, taking the tokens listed in TOKENFILE
up()
{
  upstream_on "$UPORT" --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
    --auth-user u@example.org --mechs 'XOAUTH2 OAUTHBEARER' --require-auth --auth-token-file "$1"
}
up "$T/ts/tokens"
start_send

delivered() { wait_for 30 sh -c "grep -q '^T $1\$' '$T'/up/*.env 2>/dev/null"; }
npaused() { grep -c 'queue paused' "$T/log"; }
# paused N REGEX: the Nth pause line comes, and matches REGEX
paused()
{
  wait_for 30 sh -c "[ \$(grep -c 'queue paused' '$T/log') -ge $1 ]"
  grep 'queue paused' "$T/log" | sed -n "$1p"
}
resumed() { wait_for 30 sh -c "[ \$(grep -c 'upstream works again' '$T/log') -ge $1 ]"; }
# kept ID: the message is in the queue (the queue's files are kept for the
# last check)
kept()
{
  cat "$Q"/new/* "$Q"/cur/* "$Q"/state/* >> "$T/states" 2>/dev/null
  [ -e "$Q/cur/$1" ] || [ -e "$Q/new/$1" ]
}
lastid() { ls -t "$Q/new" "$Q/cur" 2>/dev/null | grep -v '^$' | grep -v ':$' | head -1; }
why='queue paused, mail is kept: the OAuth2 token command failed: check UPSTREAM_TOKENCMD.*\(upstream said: 000 UPSTREAM_TOKENCMD failed or printed no token: smarthost-oauth2: fatal: '

inject alice@example.org m0@example.net
ok "with a token from the endpoint, the mail is delivered" delivered m0@example.net
like "... logged in by OAUTHBEARER with it" "$(grep '^auth' "$T/up/log" | tail -1)" '^auth ok OAUTHBEARER u@example.org$'
printf 'x\n' | make_msg "$T/xmsg" a@example.org x@example.net
printf 'M %s\nR x@example.net\n.\n' "$T/xmsg" | UPSTREAM_MECH=XOAUTH2 smarthost-remote -w > /dev/null 2>&1
like "... and by XOAUTH2" "$(grep '^auth' "$T/up/log" | tail -1)" '^auth ok XOAUTH2 u@example.org$'

# 1. The refresh token is revoked: invalid_grant.
rm -f "$cache"; cat "$T/rt0" > "$T/ts/revoked"
inject alice@example.org m1@example.net; id=$(lastid)
like "a revoked refresh token pauses the queue: sign in again" "$(paused 1)" "${why}the token endpoint refused the refresh token \\(invalid_grant, AADSTS70008\\): it expired or was revoked; sign in again"
ok "... the mail is kept" kept "$id"
: > "$T/ts/revoked"
ok "signed in again: the queue resumes" resumed 1
ok "... and the mail goes" delivered m1@example.net

# 2. A wrong client secret: invalid_client.
rm -f "$cache"; cp "$T/secret/client-secret" "$T/good-secret"
printf 'wrong-secret\n' > "$T/secret/client-secret"
inject alice@example.org m2@example.net; id=$(lastid)
like "a wrong client secret: check the client id and secret" "$(paused 2)" "${why}the token endpoint refused the client \\(invalid_client, AADSTS7000215\\): check OAUTH2_CLIENT_ID, OAUTH2_TENANT and the client secret"
ok "... the mail is kept" kept "$id"
cp "$T/good-secret" "$T/secret/client-secret"
ok "fixed: the mail goes" delivered m2@example.net

# 3. The endpoint is down.
rm -f "$cache"; stop_tokens
inject alice@example.org m3@example.net; id=$(lastid)
like "the token endpoint down: unable to reach it" "$(paused 3)" "${why}unable to reach the token endpoint https://localhost:$TPORT/token: "
ok "... the mail is kept" kept "$id"
start_tokens --refresh-file "$T/rt0"
ok "back up: the mail goes" delivered m3@example.net

# 4. Garbage, 5. a 503 page, 6. an error that echoes what we sent.
n=3
for c in 'garbage:answered HTTP 200 without an access token in JSON' 'down:answered HTTP 503 \(not JSON\)' \
         'echo:the token endpoint refused the request \(invalid_request, AADSTS900144, HTTP 400\)'; do
  n=$((n + 1))
  rm -f "$cache"; echo "${c%%:*}" > "$T/ts/mode"
  inject alice@example.org "m$n@example.net"; id=$(lastid)
  like "the endpoint answers ${c%%:*}: one clear line" "$(paused $n)" "${why}.*${c#*:}\\)?; probing again"
  ok "... the mail is kept" kept "$id"
  rm -f "$T/ts/mode"
  ok "fixed: the mail goes" delivered "m$n@example.net"
done

# 7. The cached token is revoked at the upstream: a new one at once (the
# remote asks with OAUTH2_FRESH), and no pause.
n=$(ntoken)
cached=$(tail -1 "$cache")
grep -vx "$cached" "$T/ts/tokens" > "$T/tokens.left"; cat "$T/tokens.left" > "$T/ts/tokens"
inject alice@example.org m7@example.net
ok "a revoked cached token: a new one is fetched and the mail goes" delivered m7@example.net
is "... with one more request and no pause" "$(ntoken) $(npaused)" "$((n + 1)) 6"

# 8. Every token refused by the SMTP server (SMTP AUTH disabled for the
# mailbox): after a new token is refused too, what to check at the provider.
stop_upstream
: > "$T/none"; up "$T/none"
n=$(ntoken)
inject alice@example.org m8@example.net; id=$(lastid)
like "a 535 to a new token: what to check at the provider" "$(paused 7)" \
  'upstream said: 535 AUTH refused: 5\.7\.8 .*the token endpoint issued a new token but the SMTP server refused it: check that UPSTREAM_USER is the mailbox, that SMTP AUTH is enabled for it'
ok "... the token was a new one, not the cached one" test "$(ntoken)" -gt "$n"
stop_upstream
up "$T/ts/tokens"
ok "fixed: the mail goes" delivered m8@example.net
stop_send

secrets="s3cr3t-client|wrong-secret|rt-valid0123456789|at-[0-9a-f]{24}"
unlike "no secret in the log" "$(cat "$T/log")" "$secrets"
like "the queue's files, while paused, were seen" "$(cat "$T/states")" '^T m6@example.net'
unlike "... with no secret in them" "$(cat "$T/states")" "$secrets"
