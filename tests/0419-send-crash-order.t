#!/bin/sh
# A power loss can roll back smarthost-send's rename of new/ID to cur/ID
# after state/ID was written: at start the message is in new/ with its
# state. Its done recipients must not get it again (start-up takes new/
# before it removes state files without a message). A second name of
# cur/ID left in new/ goes; another file under a queued id never replaces
# the queued message.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 9

id=1700000000.000000001.0000000001
printf 'F alice@example.org\nT ok-done@example.net\nT ok-left@example.net\n\nSubject: x\n\nbody\n' > "$Q/new/$id"
printf 'attempts\t1\nnext\t1700000060\nwarned\t0\ndone\tok-done@example.net\t250\tok\ndefer\tok-left@example.net\t451\tlater\n' > "$Q/state/$id"
start_send
ok "the recipient not yet done is delivered" wait_for 10 grep -q "^$id ok-left@example.net" "$FAKE_DIR/delivered"
ok "and the message finished" wait_for 10 sh -c '[ ! -e "$1/cur/$2" ] && [ ! -e "$1/state/$2" ]' x "$Q" "$id"
is "the done recipient does not get it again" "$(grep -c "ok-done" "$FAKE_DIR/delivered")" 0
stop_send

# the same file in new/ and cur/ (a rename half undone): one delivery
id2=1700000000.000000002.0000000002
printf 'F alice@example.org\nT ok-twice@example.net\n\nSubject: x\n\nbody\n' > "$Q/cur/$id2"
ln "$Q/cur/$id2" "$Q/new/$id2"
start_send
ok "a second name in new/ of a message in cur/: delivered" wait_for 10 grep -q "^$id2 ok-twice" "$FAKE_DIR/delivered"
ok "and both names are gone" wait_for 10 sh -c '[ ! -e "$1/cur/$2" ] && [ ! -e "$1/new/$2" ]' x "$Q" "$id2"
is "once" "$(grep -c "ok-twice" "$FAKE_DIR/delivered")" 1
stop_send

# another file under the id of a queued message does not replace it (a
# recent id: the message must stay queued, not expire, while we look)
id3=$(date +%s).000000003.0000000003
printf 'F alice@example.org\nT defer-real@example.net\n\nSubject: x\n\nbody\n' > "$Q/cur/$id3"
printf 'F mallory@example.org\nT ok-mallory@example.net\n\nSubject: x\n\nbody\n' > "$Q/new/$id3"
start_send
ok "the other file is reported" wait_for 10 grep -q "move new/$id3 to cur/: File exists: another message under a queued id, left in new/" "$T/log"
ok "the queued message is still the original" grep -q '^T defer-real@' "$Q/cur/$id3"
is "and the other one went nowhere" "$(grep -c ok-mallory "$FAKE_DIR/delivered")" 0
stop_send
