#!/bin/sh
# tmp/ is swept: smarthost-send removes files in tmp/ unchanged for more
# than 36 hours (what a killed injector leaves), at start and every RESCAN
# seconds, and leaves younger ones (an injector may still be writing
# them). Their age is their change time, which nobody can set: a
# modification time set back makes no file old, and one set forward (the
# smtpd's group can make files in tmp/) keeps none forever. The clock is
# moved on by a preload (tests/shim/clockshift.c).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
SHIFT=$BUILD/test/clockshift.so
if grep -q __asan_init "$BUILD/smarthost-send" 2>/dev/null; then plan 1; skip "tmp/ sweep" "a sanitized program takes no preload"; exit 0; fi
plan 7

touch "$Q/tmp/1700000000.000000001.0000000001"
touch "$Q/tmp/odd name"
touch -d '37 hours ago' "$Q/tmp/1700000000.000000002.0000000002"
touch -d '2100-01-01' "$Q/tmp/1700000000.000000003.0000000003"
RESCAN=1; export RESCAN
start_send
wait_for 20 grep -q 'started: ' "$T/log"
is "fresh files stay, one whose modification time was set back too" "$(ls "$Q/tmp" | wc -l)" 4
stop_send

: > "$T/log"
CLOCKSHIFT_SECONDS=$((37 * 3600)) LD_PRELOAD=$SHIFT start_send
ok "37 hours on, a file is removed at start" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/1700000000.000000001.0000000001"
ok "whatever its name" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/odd name"
ok "one with a modification time in the future too" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/1700000000.000000003.0000000003"
ok "and logged" grep -q 'info: removed tmp/1700000000.000000001.0000000001: left over' "$T/log"
touch "$Q/tmp/1700000000.000000004.0000000004"
ok "later, the periodic sweep removes an old file too" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/1700000000.000000004.0000000004"
ok "smarthost-send still runs" kill -0 "$SEND_PID"
stop_send
