#!/bin/sh
# tmp/ is swept: smarthost-send removes files in tmp/ older than 36 hours
# (what a killed injector leaves), at start and every RESCAN seconds, and
# leaves younger ones (an injector may still be writing them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 6

touch -d '37 hours ago' "$Q/tmp/1700000000.000000001.0000000001"
touch -d '37 hours ago' "$Q/tmp/odd name"
touch -d '35 hours ago' "$Q/tmp/1700000000.000000002.0000000002"
touch "$Q/tmp/1700000000.000000003.0000000003"
RESCAN=1; export RESCAN
start_send
ok "at start, a file older than 36 hours is removed" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/1700000000.000000001.0000000001"
ok "whatever its name" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/odd name"
ok "and logged" grep -q 'info: removed tmp/1700000000.000000001.0000000001: left over' "$T/log"
ok "younger files stay" sh -c '[ -e "$1/1700000000.000000002.0000000002" ] && [ -e "$1/1700000000.000000003.0000000003" ]' x "$Q/tmp"
touch -d '40 hours ago' "$Q/tmp/1700000000.000000004.0000000004"
ok "later, the periodic sweep removes an old file too" wait_for 10 sh -c '[ ! -e "$1" ]' x "$Q/tmp/1700000000.000000004.0000000004"
ok "smarthost-send still runs" kill -0 "$SEND_PID"
stop_send
