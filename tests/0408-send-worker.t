#!/bin/sh
# smarthost-send: a worker that dies without a result means "try again",
# never "delivered"; a worker killed in the middle of a job is replaced and
# the message retried; a worker program that cannot run defers, never loses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 8

inject alice@example.org die@example.net
id=$(ls "$Q/new")
start_send
ok "a worker dying without a result: deferred" wait_for 10 grep -q "$id <die@example.net> .*: deferred 000 worker exited without a result" "$T/log"
ok "and retried (state: attempts grow)" wait_for 10 sh -c "grep -q '^attempts	[2-9]' '$Q/state/$id' 2>/dev/null"
like "the state file keeps it deferred" "$(cat "$Q/state/$id")" '^defer	die@example.net	0	worker exited without a result$'
unlike "no delivered line for it" "$(grep "$id <die" "$T/log")" 'delivered'
stop_send
rm -f "$Q/cur/$id" "$Q/state/$id"

# SIGKILL of a worker in the middle of a job: the job takes 3 s, so that
# the kill lands inside it even on a loaded machine or under valgrind
echo 3 > "$FAKE_DIR/delay"
: > "$T/log"
: > "$FAKE_DIR/jobs"
start_send
inject alice@example.org ok-k@example.net
wait_for 30 sh -c "[ -s '$FAKE_DIR/jobs' ]"
pkill -KILL -P "$SEND_PID"
ok "a worker killed mid-job: the job is deferred" wait_for 30 grep -q '<ok-k@example.net> .*deferred 000 worker exited' "$T/log"
rm -f "$FAKE_DIR/delay"
ok "a new worker delivers it on the retry" wait_for 30 grep -q ' ok-k@example.net$' "$FAKE_DIR/delivered"
ok "and the queue empties" wait_for 30 queue_empty
stop_send

# A worker program that does not exist
REMOTE=$T/nonexistent; export REMOTE
: > "$T/log"
start_send
inject alice@example.org ok-n@example.net
wait_for 10 grep -q 'deferred 000 worker exited' "$T/log"
ok "a missing worker program: deferred and kept" sh -c "grep -q 'deferred 000 worker exited' '$T/log' && ls '$Q/cur' | grep -q ."
stop_send
