#!/bin/sh
# smarthost-send: a delay warning after DELAYWARN (once, Action: delayed), and
# after LIFETIME the remaining recipients are bounced (Status 5.4.7) and the
# message goes; the recipient already delivered is not bounced.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 10

DELAYWARN=1 LIFETIME=4; export DELAYWARN LIFETIME
inject ok-alice@example.org ok-bob@example.net defer-carol@example.net
id=$(ls "$Q/new")
start_send
ok "a delay warning reaches the sender" wait_for 15 sh -c "grep ' ok-alice@example.org\$' '$FAKE_DIR/delivered' | grep -q ."
w=$FAKE_DIR/msg.$(awk '$2 == "ok-alice@example.org" {print $1; exit}' "$FAKE_DIR/delivered")
like "it says Action: delayed for the deferred recipient" "$(cat "$w")" 'Action: delayed'
like "and names it" "$(cat "$w")" 'Final-Recipient: rfc822; defer-carol@example.net'
unlike "but not the delivered one" "$(sed '1,3d' "$w")" 'Final-Recipient: rfc822; ok-bob'
ok "the message expires after LIFETIME and goes" wait_for 20 sh -c "[ ! -e '$Q/cur/$id' ] && [ ! -e '$Q/state/$id' ]"
ok "the expiry is logged" grep -q "$id <defer-carol@example.net>: expired" "$T/log"
ok "the bounce reaches the sender" wait_for 10 sh -c "[ \$(grep -c ' ok-alice@example.org\$' '$FAKE_DIR/delivered') = 2 ]"
b=$FAKE_DIR/msg.$(awk '$2 == "ok-alice@example.org" {print $1}' "$FAKE_DIR/delivered" | tail -1)
like "Action: failed, Status: 5.4.7" "$(cat "$b")" 'Status: 5.4.7'
like "with the last reply" "$(cat "$b")" 'Diagnostic-Code: smtp; 451 4.3.0 Try again later'
is "one delay warning only" "$(grep -c 'delay warning queued' "$T/log")" 1
stop_send
