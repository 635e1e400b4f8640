#!/bin/sh
# The send log is printable: addresses with 8-bit bytes or a C1 control
# (0x9b, a terminal's CSI), and upstream text with ESC (0x1b) or 0x9b,
# reach log lines (attempts, bounces, expiry) only in lib/printable's form,
# every byte outside 0x20-0x7e as '?'.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 7

printf '\033]0;owned\007\233[2J' > "$FAKE_DIR/suffix"
csi=$(printf '\233')
inject "ok-s${csi}[31m@example.org" "ok-a${csi}[2J@example.net" "fail-b${csi}@example.net" "ok-c$(printf '\303\266')@example.net"
start_send
ok "the message is through" wait_for 10 sh -c '[ -z "$(ls "$1/cur" "$1/new" | grep "^[0-9]")" ] && grep -q "bounce queued" "$2"' x "$Q" "$T/log"
ok "the delivery line shows the address printable" grep -q 'info: [0-9.]* <ok-a?\[2J@example.net> upstream=fake.upstream:587?\]0;owned??\[2J tls=' "$T/log"
ok "the failure line too, with the reply made printable" grep -q '<fail-b?@example.net> .*: failed 550 5.1.1 No such user?\]0;owned??\[2J' "$T/log"
ok "the bounce line names the sender printable" grep -q 'bounce queued for <ok-s?\[31m@example.org>' "$T/log"
stop_send

# expiry: LIFETIME=0 gives up on a deferred recipient at its first attempt
LIFETIME=0; export LIFETIME
inject "ok-s@example.org" "defer-d${csi}x@example.net"
start_send
ok "the expiry line shows the address printable" wait_for 10 grep -q '<defer-d?x@example.net>: expired' "$T/log"
stop_send
is "no byte outside 0x20-0x7e in the whole log" "$(LC_ALL=C grep -c '[^ -~]' "$T/log")" 0
ok "and no ESC" sh -c '! LC_ALL=C grep -q "$(printf "\033")" "$1"' x "$T/log"
