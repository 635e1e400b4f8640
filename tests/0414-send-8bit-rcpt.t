#!/bin/sh
# smarthost-send matches the worker's R lines to recipients by their order:
# the worker makes every field printable, so an 8-bit address comes back
# with '?' in it, and must still count as delivered (once), not retried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 4

inject alice@example.org "ok-j$(printf '\303\266')rg@example.net" ok-bob@example.net
id=$(ls "$Q/new")
start_send
ok "both recipients delivered" wait_for 10 sh -c '[ "$(grep -c "^$1 " "$2")" = 2 ]' x "$id" "$FAKE_DIR/delivered"
ok "then the message and its state are removed" wait_for 10 sh -c "[ ! -e '$Q/cur/$id' ] && [ ! -e '$Q/state/$id' ]"
sleep 2
is "the 8-bit recipient got it exactly once, no retry" "$(grep -c "^$id ok-j" "$FAKE_DIR/delivered")" 1
is "two attempt lines, both delivered" "$(grep -c "info: $id <.*delivered 250" "$T/log")" 2
stop_send
