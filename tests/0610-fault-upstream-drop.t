#!/bin/sh
# An upstream that takes the whole message, then drops the connection
# before it replies to the final dot: nothing was acknowledged, so the
# message stays queued and is sent again; it reaches the upstream once
# acknowledged, and leaves the spool only then.
. "$(dirname "$0")/lib.sh"
plan 7

need_built 7 "upstream drops at the final dot" smarthost-queue smarthost-send smarthost-remote bench/sink

# The sink drops the first two messages after their data, without a reply.
SINKPORT=$(free_port)
spawn "$BUILD/bench/sink" -x 2 -a "bench:pw$$" -m "$T/received" "$SINKPORT" "$T/count"
wait_port "$SINKPORT"
printf 'pw%s' $$ > "$T/password"; chmod 600 "$T/password"

test_spool
export HELONAME=relay.test UPSTREAM="127.0.0.1:$SINKPORT" UPSTREAM_TLS=none
export UPSTREAM_AUTH_CLEAR=1 UPSTREAM_USER=bench UPSTREAM_PASSFILE="$T/password"
export RETRY=1 DELAYWARN=0 UPSTREAM_TIMEOUT=10
unset REMOTE POSTMASTER RATE_MINUTE RATE_HOUR CONCURRENCY

printf 'Fa@example.org\0Tb@example.net\0Tc@example.net\0\0' > "$T/env"
printf 'Subject: dropped\nMessage-ID: <drop1@test>\n\nbody\n' > "$T/msg"
ok "a message with two recipients is queued" sh -c 'smarthost-queue < "$0" 1< "$1"' "$T/msg" "$T/env"

spawn smarthost-send -v 2>> "$T/log"
count() { awk -v f="$1" '{ print $f }' "$T/count"; }
wait_for 30 sh -c '[ "$(awk "{ print \$1 }" "$0")" -ge 1 ]' "$T/count"
is "the upstream dropped two attempts" "$(count 3)" 2
is "the third attempt was acknowledged, once" "$(count 1)" 1
is "for both recipients" "$(count 2)" 2
wait_for 10 sh -c '[ -z "$(ls "$0/new" "$0/cur" "$0/state")" ]' "$Q"
is "the spool is empty after the acknowledgement" "$(messages_in "$Q" new cur state)" 0
sleep 1.5
is "and nothing is sent again" "$(count 1) $(count 3)" "1 2"
like "the log shows a deferral before the delivery" "$(cat "$T/log")" 'defer'
