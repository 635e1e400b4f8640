#!/bin/sh
# A message to 20,000 recipients (and 500 duplicates of some of them):
# smarthost-send sends it as jobs of at most 100 recipients in one upstream
# session, each recipient once, and bounces the refused ones in one
# notification. With the real worker and an aiosmtpd upstream. No timing
# is asserted (make bench measures); lookups are hashed, so it is quick.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 8

PORT=$(free_port)
REMOTE=smarthost-remote UPSTREAM=localhost:$PORT UPSTREAM_TLS=none UPSTREAM_MAXMSGS=1000
export REMOTE UPSTREAM UPSTREAM_TLS UPSTREAM_MAXMSGS
mkdir -p "$T/up"
spawn $PY "$TOP/tests/peers/upstream.py" --dir "$T/up" --port "$PORT" --fail-rcpt '^r[0-9]*7@' > "$T/up.out" 2>>"$T/up.err"
wait_for 10 grep -q ready "$T/up.out"

N=20000
awk -v n=$N 'BEGIN { for (i = 0; i < n; i++) print "r" i "@example.net"; for (i = 0; i < 500; i++) print "r" i*3 "@EXAMPLE.net" }' > "$T/rcpts"
{ printf 'Falice@example.org\0'; tr '\n' '\0' < "$T/rcpts" | sed 's/^/T/; s/\x00/\x00T/g; s/T$//'; printf '\0'; } > "$T/env.bin"
printf 'From: <alice@example.org>\nSubject: many\n\nHello.\n' > "$T/msg.txt"
ok "the injector takes 20,500 recipients" sh -c 'smarthost-queue < "$1" 1< "$2"' x "$T/msg.txt" "$T/env.bin"

start_send
through() { queue_empty && [ "$(ls "$T"/up/*.env 2>/dev/null | wc -l)" -ge 2 ]; }
ok "the message and its bounce are through" wait_for 600 through
ok "smarthost-send is alive" kill -0 "$SEND_PID"
is "each accepted recipient got it once" "$(cat "$T"/up/*.env | grep '^T r' | sort | uniq -d | wc -l) $(cat "$T"/up/*.env | grep -c '^T r')" "0 18000"
b=$(grep -lx 'F ' "$T"/up/*.env | head -1)
is "one bounce naming each refused recipient once" "$(grep -lx 'F ' "$T"/up/*.env | wc -l) $(tr -d '\r' < "${b%.env}.msg" | grep '^Final-Recipient: rfc822; r' | sort -u | wc -l) $(tr -d '\r' < "${b%.env}.msg" | grep -c '^Final-Recipient: rfc822; r')" "1 2000 2000"
is "one RCPT per recipient" "$(grep -c '^rcpt r' "$T/up/log")" $N
# transactions: the RCPTs between two MAILs
is "at most 100 recipients per transaction, 200 transactions" \
  "$(awk '/^mail alice/ { if (n > max) max = n; n = 0; t++ } /^rcpt r/ { n++ } END { if (n > max) max = n; print max, t }' "$T/up/log")" "100 200"
# sessions that carried mail (the scheduler's SIZE probe at start has one of its own, without)
is "all in one upstream session" "$(awk '/^connect/ { m = 0 } /^mail alice/ && !m { n++; m = 1 } END { print n }' "$T/up/log")" 1
stop_send
