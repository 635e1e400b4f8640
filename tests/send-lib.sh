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
#   start_relay_smtpd [NAME=VALUE...]   smarthost-smtpd under tcpserver on
#                           127.0.0.1:$SPORT (a free port), 127.0.0.1 a
#                           relay client, with the settings NAME=VALUE;
#                           its log in $T/smtpd.log
#   pause_by_auth RCPT...   the fake upstream refuses AUTH, a message from
#                           alice to each RCPT, start_send; one test: the
#                           queue pauses
#   crash_send SECS [yes]   start_send, and SECS later SIGKILL (with yes,
#                           to one of its workers first, then) to it;
#                           KILLS counts the kills

test_spool "$T/queue"
FAKE_DIR=$T/fake
mkdir -p "$FAKE_DIR"
: > "$FAKE_DIR/delivered"
: > "$FAKE_DIR/jobs"
: > "$T/log"
REMOTE=$TOP/tests/peers/fakeremote
RETRY=1
DELAYWARN=0
HELONAME=relay.test
export FAKE_DIR REMOTE RETRY DELAYWARN HELONAME
unset POSTMASTER RATE_MINUTE RATE_HOUR LIFETIME CONCURRENCY UPSTREAM

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

start_relay_smtpd()
{
  if [ ! -e "$T/rules.cdb" ]; then
    echo '127.0.0.1:allow,RELAYCLIENT=""' > "$T/rules"
    tcprules "$T/rules.cdb" "$T/rules.tmp" < "$T/rules"
  fi
  SPORT=$(free_port)
  spawn env "$@" tcpserver -q -R -H -l0 -x "$T/rules.cdb" 127.0.0.1 "$SPORT" smarthost-smtpd 2>>"$T/smtpd.log"
  wait_port "$SPORT"
}

pause_by_auth()
{
  touch "$FAKE_DIR/authfail"
  for _r; do inject alice@example.org "$_r"; done
  start_send
  ok "an AUTH failure pauses the queue" wait_for 10 grep -q 'queue paused' "$T/log"
}

KILLS=0
crash_send()
{
  start_send
  sleep "$1"
  if [ "${2:-}" = yes ]; then
    _cs_w=$(pgrep -P "$SEND_PID" | head -1)
    [ -n "$_cs_w" ] && kill -KILL "$_cs_w" && KILLS=$((KILLS+1))
    sleep 0.0$(( 1 + $(random_below 9) ))
  fi
  kill -KILL "$SEND_PID"; KILLS=$((KILLS+1))
  wait "$SEND_PID" 2>/dev/null
}

queue_empty() { [ -z "$(ls -A "$Q/new" "$Q/cur" "$Q/state" 2>/dev/null | grep -v '^$' | grep -v ':$')" ]; }
ndelivered() { grep -c -- "${1:-.}" "$FAKE_DIR/delivered"; }
# Ids sort by arrival. new/ is listed before cur/: a message only moves
# from new/ to cur/, so the scheduler taking it between the two listings
# cannot hide it (one ls of both lists cur/ first).
newest_id() { { ls "$Q/new"; ls "$Q/cur"; } | grep '^[0-9]' | sort | tail -n 1; }
