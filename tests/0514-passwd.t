#!/bin/sh
# The newcomer's password step: smarthost-passwd stores the upstream
# password from standard input, whole, mode 0600, owned by the send user,
# and names it in conf/. The README's quick try, run as printed, gives a
# scheduler that can read it (before, it left a root-owned file and the
# queue paused with "Permission denied").
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 12

chmod 755 "$T"
D=$T/run
smarthost-setup -l "127.0.0.1:$(free_port)" "$D" > "$T/setup.out" 2>&1
su=$(cat "$D/conf/SEND_USER")
pf=$D/secret/upstream

ok "a password from a pipe" sh -c "printf 'first pass\n' | smarthost-passwd '$D' > '$T/out'"
is "stored as given" "$(cat "$pf")" "first pass"
is "mode 0600" "$(stat -c %a "$pf")" 600
if [ -n "$su" ]; then
  is "owned by the send user" "$(stat -c %U "$pf")" "$su"
  ok "which can read it" s6-setuidgid "$su" test -r "$pf"
else
  skip "owned by the send user" "not root: no service users"; skip "readable" "not root"
fi
is "named in conf/UPSTREAM_PASSFILE" "$(cat "$D/conf/UPSTREAM_PASSFILE")" "$(cd "$D" && pwd -P)/secret/upstream"
like "it says where, and what to restart" "$(cat "$T/out")" 'stored in .*secret/upstream.*s6-svc -r'

ok "a new one, without a final LF, with CRLF" sh -c "printf 'second pass\r' | smarthost-passwd '$D' >/dev/null"
is "replaced" "$(cat "$pf")" "second pass"
fails_with 111 "an empty password is refused" sh -c "printf '\n' | smarthost-passwd '$D' 2>/dev/null"
is "and the file is unchanged, no temporary left" "$(cat "$pf"; ls -A "$D/secret" | grep -c tmp)" "second pass
0"

# The README's quick try, as printed (the names of the example replaced by
# this test's upstream, which wants STARTTLS and AUTH).
make_certs
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
  --auth-user alice@example.org --auth-pass 'the readme pass' --require-auth
sed -n '/^Then give it the upstream/,/^`smarthost-passwd` stores/p' "$TOP/README.md" \
  | sed -n '/^```sh$/,/^```$/p' | grep -v '^```' | grep -v '^s6-svc' \
  | sed "s|smtp.isp.example:587|localhost:$PORT|; s|customer123@isp.example|alice@example.org|; s|run/|$D/|g; s|build/|$BUILD/|g; s| run | $D |; s| run\$| $D|" \
  > "$T/quick.sh"
echo "$T/certs/ca.pem" > "$D/conf/UPSTREAM_CAFILE"
printf 'the readme pass\n' | sh -e "$T/quick.sh" > "$T/quick.out" 2>&1
if [ -n "$su" ]; then
  ok "the README's steps: the scheduler's user passes --check" \
    sh -c "s6-envdir '$D/conf' s6-setuidgid '$su' smarthost-remote --check > '$T/check' 2>&1"
else
  ok "the README's steps: --check passes" sh -c "s6-envdir '$D/conf' smarthost-remote --check > '$T/check' 2>&1"
fi
[ "$_tap_failed" = 0 ] || { sed 's/^/# /' "$T/quick.sh" "$T/quick.out" "$T/check" >&3; }
