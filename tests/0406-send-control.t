#!/bin/sh
# smarthost-send: control. SIGALRM and a (non-NUL) byte on the trigger retry
# everything now; a restart honours the next attempt time in state/; SIGTERM
# finishes the jobs in flight, records them, and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 10

RETRY=3600; export RETRY
njobs() { wc -l < "$FAKE_DIR/jobs"; }
start_send
inject alice@example.org once-a@example.net
ok "deferred for an hour" wait_for 10 sh -c "cat '$Q'/state/* 2>/dev/null | grep -q '^defer	once-a'"
kill -ALRM "$SEND_PID"
ok "SIGALRM retries it now" wait_for 10 grep -q ' once-a@example.net$' "$FAKE_DIR/delivered"

inject alice@example.org once-b@example.net
ok "another deferred for an hour" wait_for 10 sh -c "cat '$Q'/state/* 2>/dev/null | grep -q '^defer	once-b'"
timeout 10 sh -c "echo > '$Q/trigger'"
ok "echo > trigger retries it now" wait_for 10 grep -q ' once-b@example.net$' "$FAKE_DIR/delivered"

inject alice@example.org once-c@example.net
ok "a third deferred for an hour" wait_for 10 sh -c "cat '$Q'/state/* 2>/dev/null | grep -q '^defer	once-c'"
ok "SIGTERM with nothing in flight: exit 0" stop_send
n=$(njobs)
start_send
wait_for 10 grep -q 'started: 1 messages' "$T/log"
sleep 1
is "after a restart the next attempt time in state/ is honoured" "$(njobs)" "$n"
kill -ALRM "$SEND_PID"
ok "and SIGALRM still retries it" wait_for 10 grep -q ' once-c@example.net$' "$FAKE_DIR/delivered"

# SIGTERM while a job is in flight: it finishes and is recorded.
touch "$FAKE_DIR/slow"
n=$(njobs)
inject alice@example.org ok-e@example.net
wait_for 10 sh -c "[ \$(wc -l < '$FAKE_DIR/jobs') -gt $n ]"
kill -TERM "$SEND_PID"
ok "SIGTERM waits for the job in flight" stop_send
ok "which was delivered and recorded: the spool is empty" sh -c "grep -q ' ok-e@example.net\$' '$FAKE_DIR/delivered' && [ -z \"\$(ls -A '$Q/cur')\" ]"
