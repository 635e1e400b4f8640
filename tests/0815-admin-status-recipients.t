#!/bin/sh
# Recipients queued, in queue/status, smarthost-status and METRICS_FILE
# (and the upstream's SIZE in smarthost-status): the recipients of the
# queued messages that are neither delivered nor failed, as the scheduler
# learns them when it reads a message (its state file, or its envelope
# when it tries it). The status never opens a message file (a queue of
# 100,000 costs a readdir at start: 0413), so a message not read since
# the scheduler started counts one recipient, and says so (uncounted).
# A recipient the envelope names twice (the domain in another case)
# counts once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 22

METRICS_FILE=$T/textfile/smarthost.prom; export METRICS_FILE
mkdir -p "$T/textfile"
RETRY=3600; export RETRY
# one delivered, two deferred: two left
inject alice@example.org ok-one@example.net defer-two@example.net defer-three@example.net
start_send
ok "the attempt is over" wait_for 20 grep -qs '^deferrals	2$' "$Q/status"
ok "status: two recipients left of one message" wait_for 20 sh -c "grep -qx 'messages	1' '$Q/status' && grep -qx 'recipients	2' '$Q/status' && grep -qx 'uncounted	0' '$Q/status'"
like "smarthost-status says so" "$(smarthost-status "$Q")" 'recipients: +2 not yet delivered'
ok "metrics say so" wait_for 20 sh -c "grep -qx 'smarthost_queue_recipients 2' '$METRICS_FILE' && grep -qx 'smarthost_queue_uncounted_messages 0' '$METRICS_FILE'"
# the upstream's SIZE, as smarthost-remote records it (queue/upstream-size)
like "smarthost-status: the upstream's SIZE not known yet" "$(smarthost-status "$Q")" 'upstream SIZE: not known yet'
echo 10240000 > "$Q/upstream-size"
like "then the SIZE the upstream advertised" "$(smarthost-status "$Q")" 'upstream SIZE: 10240000 octets'
ok "hold the queue" smarthost-control "$Q" hold 2>/dev/null
stop_send

# a message never tried, and one written by hand naming a recipient twice
printf 'Subject: t\n\nx\n' > "$T/m"
printf 'Falice@example.org\0Tdefer-a@example.net\0Tdefer-b@example.net\0Tdefer-c@example.net\0\0' > "$T/env.bin"
smarthost-queue < "$T/m" 1< "$T/env.bin"
idh=$(( $(date +%s) - 60 )).000000001.0000000001
printf 'F alice@example.org\nT defer-d@example.net\nT defer-d@EXAMPLE.NET\n\nSubject: t\n\nx\n' > "$Q/cur/$idh"
start_send
ok "restarted, held" wait_for 20 grep -qs 'the queue is held' "$T/log"
ok "status after the restart: 3 messages" wait_for 20 grep -qx 'messages	3' "$Q/status"
is "held since the start, none was read: one recipient each, said uncounted" \
  "$(grep -E '^(recipients|uncounted)	' "$Q/status" | tr '\n' ' ')" "recipients	3 uncounted	3 "
like "smarthost-status says it is a lower bound" "$(smarthost-status "$Q")" \
  'recipients: +at least 3 not yet delivered \(3 messages not read since the scheduler started count one each\)'
ok "metrics say so" wait_for 20 grep -qx 'smarthost_queue_uncounted_messages 3' "$METRICS_FILE"
# released: the first is read (its state: two left, not due), the others tried
ok "release" smarthost-control "$Q" release 2>/dev/null
ok "the two never tried are tried" wait_for 20 grep -qs '^deferrals	4$' "$Q/status"
ok "every one counted now: 2 + 3 + 1 (named twice)" wait_for 20 sh -c "grep -qx 'recipients	6' '$Q/status' && grep -qx 'uncounted	0' '$Q/status'"
ok "metrics agree" wait_for 20 grep -qx 'smarthost_queue_recipients 6' "$METRICS_FILE"
ok "remove the one written by hand" smarthost-control "$Q" remove "$idh" 2>/dev/null
ok "its recipient no longer counts" wait_for 20 grep -qx 'recipients	5' "$Q/status"
like "smarthost-status: exact again" "$(smarthost-status "$Q")" 'recipients: +5 not yet delivered$'
stop_send

# paused (a refused password): when the next probe goes, and the recipients
# of the message that met the pause still count
touch "$FAKE_DIR/authfail"
start_send
inject alice@example.org defer-five@example.net defer-six@example.net
ok "paused" wait_for 20 grep -qs '^paused	1$' "$Q/status"
like "smarthost-status says when the next probe goes" "$(smarthost-status "$Q")" 'next probe: +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(in [0-9]+ s\)'
ok "the paused message's two count, the others as they were" wait_for 20 grep -qx 'recipients	7' "$Q/status"
stop_send
