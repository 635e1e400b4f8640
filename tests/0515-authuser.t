#!/bin/sh
# smarthost-authuser: inbound AUTH users from a password on stdin, as
# yescrypt hashes in the file SMTPD_AUTHFILE names (mode 0400, the smtpd
# user's), and smarthost-smtpd, as that user, accepts exactly those.
. "$(dirname "$0")/lib.sh"
plan 17

chmod 755 "$T"
D=$T/inst
smarthost-setup -l "127.0.0.1:$(free_port)" "$D" > "$T/setup.out" 2>&1
du=$(cat "$D/conf/SMTPD_USER")
F=$D/smtpd-users

ok "add alice" sh -c "printf 'alice pass\n' | smarthost-authuser '$D' alice 2> '$T/err'"
is "the file is named in conf/SMTPD_AUTHFILE" "$(cat "$D/conf/SMTPD_AUTHFILE")" "$(cd "$D" && pwd -P)/smtpd-users"
like "and the smtpd restart is named" "$(cat "$T/err")" 's6-svc -r .*/service/smtpd'
like "a yescrypt hash" "$(cat "$F")" '^alice:\$y\$[./A-Za-z0-9]+\$[./A-Za-z0-9]+\$[./A-Za-z0-9]{43}$'
is "mode 0400" "$(stat -c %a "$F")" 400
if [ -n "$du" ]; then
  is "owned by the smtpd user" "$(stat -c %U "$F")" "$du"
else
  skip "owned by the smtpd user" "not root"
fi
unlike "the password is nowhere in it" "$(cat "$F")" 'alice pass'
ok "add bob (no final LF, CRLF)" sh -c "printf 'bob pass\r' | smarthost-authuser '$D' bob 2>/dev/null"
h1=$(grep '^alice:' "$F")
ok "change alice" sh -c "printf 'new alice\n' | smarthost-authuser '$D' alice 2>/dev/null"
is "one line each, bob kept" "$(cut -d: -f1 "$F" | sort | tr '\n' ' ')" "alice bob "
unlike "a new salt" "$(grep '^alice:' "$F")" "^$(printf '%s' "$h1" | sed 's/[$.]/\\&/g')\$"
fails_with 100 "a name with a colon is refused" sh -c "printf 'x\n' | smarthost-authuser '$D' 'a:b' 2>/dev/null"
fails_with 100 "an empty password is refused" sh -c "printf '\n' | smarthost-authuser '$D' carol 2>/dev/null"

# The smtpd, as its user, with AUTH in clear for the test (over TLS in
# real life), accepts the new password, not the old one, and bob's.
auth()   # auth USER PASS: the smtpd's reply to AUTH PLAIN
{
  tok=$(printf '\0%s\0%s' "$1" "$2" | base64 -w0)
  printf 'EHLO t\r\nAUTH PLAIN %s\r\nQUIT\r\n' "$tok" \
    | s6-envdir "$D/conf" env TCPREMOTEIP=192.0.2.7 TCPLOCALIP=127.0.0.1 SMTPD_AUTH_CLEAR=1 \
      ${du:+s6-setuidgid "$du"} smarthost-smtpd 2>/dev/null \
    | grep -E '^(235|535|454)' | head -1 | cut -c1-3
}
is "alice's new password: 235" "$(auth alice 'new alice')" 235
is "alice's old one: 535" "$(auth alice 'alice pass')" 535
is "bob's: 235" "$(auth bob 'bob pass')" 235
ok "remove bob" sh -c "smarthost-authuser -d '$D' bob 2>/dev/null && ! grep -q '^bob:' '$F'"
