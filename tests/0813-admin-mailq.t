#!/bin/sh
# mailq (sendmail -bp) says why mail waits: a queue held by
# smarthost-control, a message held alone, a queue paused for a broken
# upstream, a rate-limited queue; never "(not tried yet)" for those.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 9

mailq() { smarthost-sendmail -bp; }
start_send
wait_for 20 test -d "$Q/control"
ok "hold the queue" smarthost-control "$Q" hold 2>/dev/null
inject alice@example.org ok-one@example.net
ok "the scheduler took it into cur/" wait_for 20 sh -c "ls '$Q/cur' | grep -q ."
id=$(ls "$Q/cur")
wait_for 20 grep -qs '^pause_class	manual$' "$Q/status"
out=$(mailq)
like "mailq: the queue is held" "$out" '^queue held by smarthost-control'
like "mailq: the message waits for that" "$out" "^$id .*<ok-one@example.net> \(queue held\)$"
ok "hold the message too" smarthost-control "$Q" hold "$id" 2>/dev/null
like "mailq: the message is held" "$(mailq)" "^$id .* \(held\)"
smarthost-control "$Q" release "$id" 2>/dev/null
smarthost-control "$Q" release 2>/dev/null
stop_send

# a broken upstream
touch "$FAKE_DIR/authfail"
RETRY=3600; export RETRY
inject alice@example.org ok-two@example.net
start_send
wait_for 20 grep -qs '^paused	1$' "$Q/status"
like "mailq: paused, with the reason" "$(mailq)" '^queue paused \(auth\): the upstream refused our authentication'
stop_send
rm -f "$FAKE_DIR/authfail"

# pacing: one message a minute, three queued
RATE_MINUTE=1; RETRY=1; export RATE_MINUTE RETRY
inject alice@example.org ok-three@example.net
inject alice@example.org ok-four@example.net
start_send
wait_for 20 grep -qs '^paced_until	[1-9]' "$Q/status"
out=$(mailq)
like "mailq: rate-limited" "$out" '^queue rate-limited'
unlike "and nothing says not tried yet" "$out" 'not tried yet'
stop_send
