#!/bin/sh
# smarthost-oauth2 with a refresh token (delegated access): the token the
# endpoint returns replaces the stored one atomically (rotation), and a
# failure or a crash at any step of that keeps the old one; a refused
# refresh token says to sign in again.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/oauth2.sh"
plan 17

printf 'rt-first\n' > "$T/rt0"
start_tokens --refresh-file "$T/rt0" --rotate
rt=$T/secret/refresh
cp "$T/rt0" "$rt"; chmod 600 "$rt"
OAUTH2_REFRESHFILE=$rt OAUTH2_SCOPE='https://outlook.office.com/SMTP.Send offline_access'
export OAUTH2_REFRESHFILE OAUTH2_SCOPE
cache=$T/secret/oauth2-access

tok=$(smarthost-oauth2 2> "$T/err"); r=$?
is "a refresh grant: exit 0, the token issued" "$r $tok" "0 $(tail -1 "$T/ts/tokens")"
is "the endpoint saw a refresh_token grant from a public client" "$(tail -1 "$T/ts/log")" "token refresh_token ok public"
new=$(cat "$rt")
like "the new refresh token replaced the old one" "$new" '^rt-[0-9a-f]{16}$'
is "... mode 0600, no temporary file left" "$(stat -c %a "$rt") $(ls "$T/secret" | grep -c tmp)" "600 0"

# A failure to rename the new file into place: the old one stays, exit 111.
rm -f "$cache"
strace -f -o /dev/null -e trace=rename,renameat,renameat2 -e inject=rename,renameat,renameat2:error=EIO \
  smarthost-oauth2 > "$T/out" 2> "$T/err"; r=$?
like "the new refresh token cannot be stored: exit 111, said so" "$r $(cat "$T/err")" \
  "^111 smarthost-oauth2: fatal: unable to store the new refresh token in $rt \\(the old one is kept\\)"
is "... the old refresh token is still there" "$(cat "$rt")" "$new"
is "... and no access token was printed" "$(cat "$T/out")" ""

# A crash after the new file is written, before the rename (killed at its
# fsync): the old one stays; the next run uses it and rotates.
strace -f -o /dev/null -e trace=fsync -e inject=fsync:signal=SIGKILL smarthost-oauth2 > /dev/null 2>&1; r=$?
is "killed in the middle of the rotation" "$r" 137
like "... after writing the new one to refresh.tmp" "$(cat "$rt.tmp" 2>&1)" '^rt-[0-9a-f]{16}$'
is "... the old refresh token is still there" "$(cat "$rt")" "$new"
tok=$(smarthost-oauth2 2> "$T/err"); r=$?
is "the next run works with it" "$r $tok" "0 $(tail -1 "$T/ts/tokens")"
unlike "... and stores the next one" "$(cat "$rt")" "^$new\$"
is "... the leftover temporary file is gone" "$(ls "$T/secret" | grep -c tmp)" 0

# The invariant, at every step of the rotation and of the cache's write
# (killed at entry to each system call of them): the refresh file holds a
# whole token, the old or the new one, and the next run works.
bad= killed=0
for k in write:when=1 fsync:when=1 rename:when=1 fsync:when=2 write:when=2 fsync:when=3 rename:when=2 fsync:when=4; do
  rm -f "$cache"
  before=$(cat "$rt")
  strace -f -o /dev/null -e trace="${k%%:*}" -e inject="${k%%:*}:signal=SIGKILL:${k#*:}" smarthost-oauth2 > /dev/null 2>&1
  [ $? = 137 ] && killed=$((killed + 1))
  after=$(cat "$rt")
  { [ "$after" = "$before" ] || printf '%s\n' "$after" | grep -Eqx 'rt-[0-9a-f]{16}'; } || bad="$bad $k:'$after'"
  smarthost-oauth2 > /dev/null 2>&1 || bad="$bad $k:next-run-failed"
done
is "killed at any step of the rotation: a whole token stays, the next run works" "$killed$bad" 8

# Revoked or expired: one line that says what to do, exit 100.
rm -f "$cache"
cat "$rt" > "$T/ts/revoked"
old=$(cat "$rt")
smarthost-oauth2 > "$T/out" 2> "$T/err"; r=$?
is "a revoked refresh token: exit 100, one line" "$r $(wc -l < "$T/err")" "100 1"
like "... that says to sign in again" "$(cat "$T/err")" \
  '^smarthost-oauth2: fatal: the token endpoint refused the refresh token \(invalid_grant, AADSTS70008\): it expired or was revoked; sign in again with smarthost-oauth2 -d or -l$'
is "... and the stored one is kept as it was" "$(cat "$rt")" "$old"
