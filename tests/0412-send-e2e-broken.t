#!/bin/sh
# A broken smarthost, end to end with the real worker: an unreachable
# upstream (a run of network failures), a certificate we cannot verify, and
# a greeting of 421 each hold the whole queue with one line that says what
# to fix; nothing is failed or bounced; once the upstream is back, mail flows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 9

make_certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
PORT=$(free_port)
REMOTE=smarthost-remote UPSTREAM=localhost:$PORT UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u UPSTREAM_PASSFILE=$T/pass
UPSTREAM_TIMEOUT=5
export REMOTE UPSTREAM UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TIMEOUT
up() { upstream_on "$PORT" --auth-user u --auth-pass pw --require-auth "$@"; }

# Nobody listens: three network failures in a row pause the queue.
start_send
inject alice@example.org a@example.net
inject alice@example.org b@example.net
inject alice@example.org c@example.net
ok "no upstream reachable: the queue pauses" wait_for 20 grep -q 'queue paused, mail is kept: no upstream is reachable: check UPSTREAM' "$T/log"
up --cert "$T/certs/server.pem" --key "$T/certs/server.key"
ok "the upstream is back: everything flows" wait_for 30 sh -c "[ \$(ls '$T'/up/*.env 2>/dev/null | wc -l) = 3 ]"
ok "and the resumption is logged" grep -q 'queue resumed' "$T/log"
stop_upstream

# A certificate that does not verify: class tls, paused, kept.
up --cert "$T/certs/rogue.pem" --key "$T/certs/rogue.key"
inject alice@example.org d@example.net
ok "a certificate we cannot verify pauses the queue" wait_for 20 grep -q 'queue paused, mail is kept: TLS with the upstream failed: check UPSTREAM_TLS, UPSTREAM_CAFILE' "$T/log"
ok "the message is kept" sh -c "ls '$Q/cur' | grep -q ."
stop_upstream
up --cert "$T/certs/server.pem" --key "$T/certs/server.key"
kill -ALRM "$SEND_PID"
ok "the right certificate, SIGALRM: delivered" wait_for 20 sh -c "grep -q '^T d@example.net' '$T'/up/*.env"
stop_send
stop_upstream

# A greeting of 421: the whole queue backs off.
# (every connection: the scheduler's SIZE probe at start takes one too)
up --refuse '421 4.7.0 too many connections from your address'

start_send
inject alice@example.org e@example.net
ok "421 at the greeting backs the whole queue off" wait_for 20 grep -q 'warning: upstream throttles us (421 ' "$T/log"
ok "the message is kept" sh -c "ls '$Q/cur' | grep -q ."
stop_send
unlike "nothing was failed or bounced in all this" "$(cat "$T/log")" 'bounce|: failed [0-9]'
