#!/bin/sh
# Recipients queued, in queue/status, smarthost-status and METRICS_FILE
# (and the upstream's SIZE in smarthost-status):
# the recipients of the queued messages that are neither delivered nor
# failed. Counted from what the scheduler learnt trying a message, and,
# for a message it has not read since it started (held at a restart),
# from the message file and its state file; a recipient the envelope
# names twice (the domain in another case) counts once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 19

METRICS_FILE=$T/textfile/smarthost.prom; export METRICS_FILE
mkdir -p "$T/textfile"
RETRY=3600; export RETRY
# one delivered, two deferred: two left
inject alice@example.org ok-one@example.net defer-two@example.net defer-three@example.net
start_send
ok "the attempt is over" wait_for 20 grep -qs '^deferrals	2$' "$Q/status"
ok "status: two recipients left of one message" wait_for 20 sh -c "grep -qx 'messages	1' '$Q/status' && grep -qx 'recipients	2' '$Q/status'"
like "smarthost-status says so" "$(smarthost-status "$Q")" 'recipients: +2 not yet delivered'
ok "metrics say so" wait_for 20 grep -qx 'smarthost_queue_recipients 2' "$METRICS_FILE"
# the upstream's SIZE, as smarthost-remote records it (queue/upstream-size)
like "smarthost-status: the upstream's SIZE not known yet" "$(smarthost-status "$Q")" 'upstream SIZE: not known yet'
echo 10240000 > "$Q/upstream-size"
like "then the SIZE the upstream advertised" "$(smarthost-status "$Q")" 'upstream SIZE: 10240000 octets'
ok "hold the queue" smarthost-control "$Q" hold 2>/dev/null
stop_send

# a message the scheduler never tried: counted from its file
printf 'Subject: t\n\nx\n' > "$T/m"
printf 'Falice@example.org\0Tdefer-a@example.net\0Tdefer-b@example.net\0Tdefer-c@example.net\0\0' > "$T/env.bin"
smarthost-queue < "$T/m" 1< "$T/env.bin"
# and one written by hand naming a recipient twice: one recipient
idh=1796000001.000000001.0000000001
printf 'F alice@example.org\nT defer-d@example.net\nT defer-d@EXAMPLE.NET\n\nSubject: t\n\nx\n' > "$Q/cur/$idh"
start_send
ok "restarted, held" wait_for 20 grep -qs 'the queue is held' "$T/log"
ok "status after the restart: 3 messages" wait_for 20 grep -qx 'messages	3' "$Q/status"
is "recipients: 2 left, 3 never tried, 1 named twice" "$(grep '^recipients	' "$Q/status")" "recipients	6"
ok "metrics agree" wait_for 20 grep -qx 'smarthost_queue_recipients 6' "$METRICS_FILE"
ok "remove the one written by hand" smarthost-control "$Q" remove "$idh" 2>/dev/null
ok "its recipient no longer counts" wait_for 20 grep -qx 'recipients	5' "$Q/status"
# released: the three never tried are tried, and all five stay deferred
ok "release" smarthost-control "$Q" release 2>/dev/null
ok "tried" wait_for 20 grep -qs '^deferrals	3$' "$Q/status"
ok "still five recipients after the attempt" wait_for 20 grep -qx 'recipients	5' "$Q/status"
stop_send

# paused (a refused password): when the next probe goes, and the recipients
# of the message that met the pause still count
touch "$FAKE_DIR/authfail"
start_send
inject alice@example.org defer-five@example.net defer-six@example.net
ok "paused" wait_for 20 grep -qs '^paused	1$' "$Q/status"
like "smarthost-status says when the next probe goes" "$(smarthost-status "$Q")" 'next probe: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(in [0-9]+ s\)'
ok "seven recipients: five, and the two the pause kept" wait_for 20 grep -qx 'recipients	7' "$Q/status"
stop_send
