#!/bin/sh
# What the smtpd's group can plant in new/ that is no message (it may
# create names there, and nothing else would remove them): smarthost-send
# leaves such names while they are fresh, and removes them, with a log
# line each, once unchanged for 36 hours (by their change time: the clock
# is moved on by a preload, tests/shim/clockshift.c, since a change time
# cannot be set back). A link goes, not what it names; a directory goes
# with what it holds; mail flows all along.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
SHIFT=$BUILD/test/clockshift.so
if grep -q __asan_init "$BUILD/smarthost-send" 2>/dev/null; then plan 1; skip "planted names" "a sanitized program takes no preload"; exit 0; fi
plan 9

L=1700000000.000000009.0000000009
mkdir "$T/elsewhere" "$Q/new/dir" "$Q/new/dir/sub"
echo "the send user's own" > "$T/elsewhere/file"
echo x > "$Q/new/junk"
echo x > "$Q/new/.hidden"
echo x > "$Q/new/dir/sub/file"
ln -s "$T/elsewhere/file" "$Q/new/$L"
ln -s "$T/elsewhere" "$Q/new/dir/up"
planted() { ls -A "$Q/new" | grep -c -v '^[0-9]\{10\}\.[0-9]\{9\}\.[0-9]\{10\}$'; }
is "four names planted (three no id, one link under an id)" "$(( $(planted) + 1 ))" 4

start_send
wait_for 20 grep -q 'started: ' "$T/log"
inject a@example.org ok-b@example.net
ok "a message is delivered" wait_for 20 sh -c '[ "$(grep -c . "$1")" = 1 ]' x "$FAKE_DIR/delivered"
stop_send
ok "fresh, they all stay" sh -c '[ -e "$1/junk" ] && [ -e "$1/.hidden" ] && [ -e "$1/dir/sub/file" ] && [ -L "$1/$2" ]' x "$Q/new" "$L"

: > "$T/log"
CLOCKSHIFT_SECONDS=$((37 * 3600)) LD_PRELOAD=$SHIFT start_send
# (its clock 37 hours on, its sweep of tmp/ would take a message being
# written for a leftover: the start-up sweep is over before this line)
wait_for 20 grep -q 'started: ' "$T/log"
inject a@example.org ok-c@example.net
ok "37 hours on, a message is delivered" wait_for 20 sh -c '[ "$(grep -c . "$1")" = 2 ]' x "$FAKE_DIR/delivered"
stop_send
is "what was no message is gone" "$(ls -A "$Q/new")" ""
is "what the link and the directory's link named stays" "$(cat "$T/elsewhere/file")" "the send user's own"
ok "each removal logged" sh -c 'grep -q "warning: removed new/junk: no message, left there for more than 36 hours" "$1" && grep -q "removed new/dir: no message" "$1" && grep -q "removed new/$2: no message" "$1"' x "$T/log" "$L"
is "four lines" "$(grep -c 'removed new/' "$T/log")" 4
ok "the queue is empty" queue_empty
