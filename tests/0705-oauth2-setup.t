#!/bin/sh
# Provider presets: smarthost-setup -o writes the upstream of Microsoft 365
# or Gmail, and smarthost-oauth2 knows their endpoints and scopes, so that
# the administrator adds only the tenant, the client id and the secret.
# The instance's conf/ drives smarthost-oauth2 through s6-envdir.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/oauth2.sh"
plan 11

D=$T/inst
ok "smarthost-setup -o microsoft" sh -c "smarthost-setup -n -o microsoft '$D' 2> '$T/err'"
c() { cat "$D/conf/$1"; }
is "the Microsoft 365 upstream: smtp.office365.com:587 with STARTTLS and the token program" \
  "$(c UPSTREAM) $(c UPSTREAM_TLS) $(c UPSTREAM_TOKENCMD) $(c OAUTH2_PROVIDER)" "smtp.office365.com:587 starttls smarthost-oauth2 microsoft"
is "the access token is cached in secret/" "$(c OAUTH2_CACHEFILE)" "$D/secret/oauth2-access"
smarthost-setup -n -o google "$D" 2> "$T/err"
like "a second preset does not overwrite the first: a warning" "$(cat "$T/err")" 'warning: conf/UPSTREAM is already set: the preset.s smtp.gmail.com:465 is not written'
is "... and the values stay" "$(c UPSTREAM)" smtp.office365.com:587
fails_with 100 "an unknown provider: refused" sh -c "smarthost-setup -n -o yahoo '$T/inst2' 2>/dev/null"

# The administrator adds the tenant, the client id and the secret. The
# endpoint is the preset's, with the tenant in it (an unreachable proxy
# shows it without reaching the Internet).
echo contoso.example > "$D/conf/OAUTH2_TENANT"
echo cid > "$D/conf/OAUTH2_CLIENT_ID"
printf 's3cr3t-client\n' > "$D/secret/client"; chmod 600 "$D/secret/client"
echo "$D/secret/client" > "$D/conf/OAUTH2_SECRETFILE"
https_proxy=http://127.0.0.1:1 s6-envdir "$D/conf" smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "Microsoft's token endpoint for the tenant" "$r $(cat "$T/err")" \
  '^111 smarthost-oauth2: fatal: unable to reach the token endpoint https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token: '
start_tokens
echo "$OAUTH2_TOKEN_URL" > "$D/conf/OAUTH2_TOKEN_URL"
echo "$OAUTH2_CAFILE" > "$D/conf/OAUTH2_CAFILE"
unset OAUTH2_TOKEN_URL OAUTH2_CAFILE OAUTH2_SCOPE OAUTH2_CLIENT_ID
tok=$(s6-envdir "$D/conf" smarthost-oauth2 2> "$T/err"); r=$?
is "with the endpoint overridden: a token from conf/ alone" "$r $tok" "0 $(tail -1 "$T/ts/tokens")"
is "... client credentials with the preset's scope" "$(tail -2 "$T/ts/log" | tr '\n' ' ')" "scope https://outlook.office365.com/.default token client_credentials ok secret "
echo "$D/secret/oauth2-refresh" > "$D/conf/OAUTH2_REFRESHFILE"
rm -f "$D/conf/OAUTH2_SECRETFILE"; : > "$D/conf/OAUTH2_SECRETFILE"
s6-envdir "$D/conf" smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "delegated, before the sign-in: says how to sign in" "$r $(cat "$T/err")" '^100 smarthost-oauth2: fatal: no refresh token in .*: sign in first with smarthost-oauth2 -d or -l$'
: > "$D/conf/OAUTH2_REFRESHFILE"; echo google > "$D/conf/OAUTH2_PROVIDER"; : > "$D/conf/OAUTH2_TOKEN_URL"
s6-envdir "$D/conf" smarthost-oauth2 > /dev/null 2> "$T/err"; r=$?
like "Gmail without a refresh token: application access does not exist, sign in" "$r $(cat "$T/err")" '^100 .*provider google has no application access for SMTP: set OAUTH2_REFRESHFILE and sign in'
