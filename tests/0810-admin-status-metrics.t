#!/bin/sh
# The status file and the metrics while the scheduler runs: smarthost-status
# says running or paused (why, since, next probe), the messages queued and
# the oldest, the last delivery and failure; METRICS_FILE is valid
# Prometheus text exposition format (checked by a parser of its grammar)
# with the counters that match what happened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 14

METRICS_FILE=$T/textfile/smarthost.prom; export METRICS_FILE
mkdir -p "$T/textfile"
RETRY=3600; export RETRY
inject alice@example.org ok-one@example.net
inject alice@example.org defer-two@example.net
start_send
ok "the status file appears" wait_for 20 grep -qs '^deliveries	1$' "$Q/status"
ok "and the deferral is counted" wait_for 20 grep -qs '^deferrals	1$' "$Q/status"
is "status file is the send user's alone" "$(stat -c %a "$Q/status")" 600
out=$(smarthost-status "$Q")
like "status: running" "$out" '^queue: +running'
like "status: one message queued" "$out" 'messages: +1 \(0 held\)'
like "status: the last failure names the deferral" "$out" 'last failure: .*deferred: .*451'
like "status: the last delivery" "$out" 'last delivery: [0-9]{4}-'
ok "metrics file written" wait_for 20 grep -qs '^smarthost_deliveries_total 1$' "$METRICS_FILE"
cat > "$T/promcheck.py" <<'PY'
import re, sys
# the text exposition format, version 0.0.4: HELP and TYPE comments, then
# samples "name value" with a metric name of [a-zA-Z_:][a-zA-Z0-9_:]*
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
typed = {}
seen = set()
for line in open(sys.argv[1]):
    line = line.rstrip('\n')
    m = re.fullmatch(r'# HELP (' + name + r') .+', line)
    if m: continue
    m = re.fullmatch(r'# TYPE (' + name + r') (counter|gauge|untyped|summary|histogram)', line)
    if m: typed[m.group(1)] = m.group(2); continue
    m = re.fullmatch(r'(' + name + r') (-?[0-9]+(\.[0-9]+)?)', line)
    if not m: sys.exit("bad line: %r" % line)
    n = m.group(1)
    if n not in typed: sys.exit("sample before its TYPE: " + n)
    if typed[n] == 'counter' and not n.endswith('_total'): sys.exit("counter without _total: " + n)
    if n in seen: sys.exit("duplicate sample: " + n)
    seen.add(n)
need = {'smarthost_queue_messages', 'smarthost_queue_oldest_age_seconds', 'smarthost_queue_paused',
        'smarthost_deliveries_total', 'smarthost_failures_total', 'smarthost_bounces_total'}
if need - seen: sys.exit("missing: %s" % (need - seen))
PY
ok "metrics parse as Prometheus text format" $PY "$T/promcheck.py" "$METRICS_FILE"
ok "no temporary file left in the textfile directory" [ "$(ls "$T/textfile")" = smarthost.prom ]
stop_send

# a broken upstream: paused, with the reason and the next probe
touch "$FAKE_DIR/authfail"
RETRY=3600; export RETRY
start_send
inject alice@example.org ok-three@example.net
ok "paused in the status file" wait_for 20 grep -qs '^paused	1$' "$Q/status"
out=$(smarthost-status "$Q")
like "status: paused, class and since" "$out" 'PAUSED \(auth\) since [0-9]{4}-'
like "status: why, with the upstream's words" "$out" 'why: +the upstream refused our authentication.*535'
ok "metrics say paused" wait_for 20 grep -qs '^smarthost_queue_paused 1$' "$METRICS_FILE"
stop_send
