# send-lib.sh: helpers for the tests of smarthost-send (tests/04xx-send-*.t),
# sourced after lib.sh. A spool in $Q, the fake worker (tests/peers/fakeremote)
# unless the test sets REMOTE, and short retry times.
#
#   inject SENDER RCPT...   queue a small message through smarthost-queue
#   inject_file FILE SENDER RCPT...   the same with the message in FILE
#   start_send              run smarthost-send -v, its stderr in $T/log
#   stop_send               SIGTERM and wait (bounded) for it to exit
#   queue_empty             true when new/, cur/ and state/ are empty
#   ndelivered [WHAT]       lines of $FAKE_DIR/delivered (matching WHAT)
#   newest_id               the id of the message queued last

Q=$T/queue
make_queue "$Q"
FAKE_DIR=$T/fake
mkdir -p "$FAKE_DIR"
: > "$FAKE_DIR/delivered"
: > "$FAKE_DIR/jobs"
: > "$T/log"
QUEUE=$Q
REMOTE=$TOP/tests/peers/fakeremote
RETRY=1
DELAYWARN=0
HELONAME=relay.test
export QUEUE FAKE_DIR REMOTE RETRY DELAYWARN HELONAME
unset POSTMASTER RATE_MINUTE RATE_HOUR LIFETIME CONCURRENCY UPSTREAM QMAILQUEUE

inject()
{
  printf 'From: <%s>\nTo: <%s>\nSubject: test message\nMessage-ID: <t%s@test>\n\nHello.\n' "$1" "$2" "$$" > "$T/msg.txt"
  inject_file "$T/msg.txt" "$@"
}

inject_file()
{
  _f=$1; _s=$2; shift 2
  { printf 'F%s\0' "$_s"; for _r; do printf 'T%s\0' "$_r"; done; printf '\0'; } > "$T/env.bin"
  smarthost-queue < "$_f" 1< "$T/env.bin"
}

start_send()
{
  spawn smarthost-send -v 2>> "$T/log"
  SEND_PID=$SPAWNED
}

stop_send()
{
  kill -TERM "$SEND_PID" 2>/dev/null
  wait_for 20 _send_gone
  kill -KILL "$SEND_PID" 2>/dev/null
  wait "$SEND_PID"
}
# exited (a zombie until the shell waits for it) or gone
_send_gone() { [ ! -e "/proc/$SEND_PID" ] || [ "$(cut -d' ' -f3 "/proc/$SEND_PID/stat" 2>/dev/null)" = Z ]; }

queue_empty() { [ -z "$(ls -A "$Q/new" "$Q/cur" "$Q/state" 2>/dev/null | grep -v '^$' | grep -v ':$')" ]; }
ndelivered() { grep -c -- "${1:-.}" "$FAKE_DIR/delivered"; }
# Ids sort by arrival. new/ is listed before cur/: a message only moves
# from new/ to cur/, so the scheduler taking it between the two listings
# cannot hide it (one ls of both lists cur/ first).
newest_id() { { ls "$Q/new"; ls "$Q/cur"; } | grep '^[0-9]' | sort | tail -n 1; }
