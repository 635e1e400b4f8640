#!/bin/sh
# A bounce by request carries the operator's reason (smarthost-control
# bounce ID REASON). The reason may hold 8-bit bytes (a Latin-1 or UTF-8
# word typed at a terminal); the notification's text part is declared
# text/plain; charset=us-ascii with no transfer encoding, and the
# scheduler's log is one printable line per event. Neither may carry the
# bytes raw. (The notification's text part was already made safe by
# lib/dsn; the log was not.) The scheduler makes the reason printable
# (queue_verbs, '?' for each byte outside 0x20-0x7e) before it is
# stored, logged or written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 7

start_send
ok "the scheduler made control/" wait_for 20 test -d "$Q/control"
inject ok-bob@example.org defer-four@example.net
id=$(newest_id)
wait_for 20 test -e "$Q/state/$id"
reason=$(printf '5.7.1 zur\303\274ckgezogen \351t\351 done')
ok "bounce it with an 8-bit reason" smarthost-control "$Q" bounce "$id" "$reason" 2>/dev/null
ok "the DSN goes to its sender" wait_for 20 grep -q ' ok-bob@example.org' "$FAKE_DIR/delivered"
stop_send
dsn=$(grep -l 'zur' "$FAKE_DIR"/msg.* | head -n 1)
ok "the reason is in the notification" test -n "$dsn"
is "no byte outside 7-bit ASCII in the notification" \
  "$($PY -c 'import sys; d = open(sys.argv[1], "rb").read(); print(sum(c > 0x7e or (c < 0x20 and c not in (9, 10, 13)) for c in d))' "$dsn")" 0
is "nor in the scheduler's log" \
  "$($PY -c 'import sys; d = open(sys.argv[1], "rb").read(); print(sum(c > 0x7e or (c < 0x20 and c not in (9, 10)) for c in d))' "$T/log")" 0
like "the log gives the reason with ? for each 8-bit byte" "$(cat "$T/log")" 'bounced by request: 5\.7\.1 zur\?\?ckgezogen \?t\? done'
