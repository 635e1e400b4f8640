#!/bin/sh
# smarthost-control while the scheduler runs: hold and release the whole
# queue (kept across a restart) and one message; remove one message (its
# files go and the scheduler forgets it); bounce one now with a reason (a
# DSN to the sender, then removed); refusals for an unknown id and when no
# scheduler answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 18

start_send
ok "the scheduler made control/" wait_for 20 test -d "$Q/control"
ok "hold the whole queue" smarthost-control "$Q" hold 2>/dev/null
inject alice@example.org ok-one@example.net
id1=$(newest_id)
ok "status says held by hand" wait_for 20 grep -qs '^pause_class	manual$' "$Q/status"
sleep 1
is "nothing went out while held" "$(ndelivered)" 0
stop_send
start_send
ok "still held after a restart" wait_for 20 grep -qs 'the queue is held' "$T/log"
ok "hold that message alone" smarthost-control "$Q" hold "$id1" 2>/dev/null
ok "release the queue" smarthost-control "$Q" release 2>/dev/null
inject alice@example.org ok-two@example.net
ok "the other message goes" wait_for 20 grep -qs 'ok-two' "$FAKE_DIR/delivered"
is "the held one does not" "$(ndelivered ok-one)" 0
ok "status counts it held" wait_for 20 grep -qs '^held	1$' "$Q/status"
ok "release it" smarthost-control "$Q" release "$id1" 2>/dev/null
ok "and it goes" wait_for 20 grep -qs "^$id1 ok-one" "$FAKE_DIR/delivered"

inject alice@example.org defer-three@example.net
id3=$(newest_id)
wait_for 20 test -e "$Q/state/$id3"
ok "remove a message being retried" smarthost-control "$Q" remove "$id3" 2>/dev/null
ok "its files are gone" sh -c "[ ! -e '$Q/cur/$id3' ] && [ ! -e '$Q/state/$id3' ]"

inject ok-bob@example.org defer-four@example.net
id4=$(newest_id)
wait_for 20 test -e "$Q/state/$id4"
ok "bounce a message now" smarthost-control "$Q" bounce "$id4" "5.7.1 withdrawn by the postmaster"
ok "the DSN goes to its sender, with the reason" wait_for 20 sh -c "grep -q ' ok-bob@example.org' '$FAKE_DIR/delivered' && grep -l 'withdrawn by the postmaster' '$FAKE_DIR'/msg.* >/dev/null"
fails_with 100 "an unknown id is refused" smarthost-control "$Q" remove 1796000000.000000000.0000000000 2>/dev/null
stop_send
fails_with 111 "no scheduler: no answer, exit 111" smarthost-control -t 1 "$Q" hold 2>/dev/null
