#!/bin/sh
# smarthost-send: settings. Bad values die 100 with a one-line reason before
# anything is touched; a spool that cannot be opened dies 111.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 11

fails_with 100 "usage error: exit 100" sh -c 'smarthost-send -x 2>/dev/null'
fails_with 100 "QUEUE unset: exit 100" sh -c 'env -u QUEUE smarthost-send 2>/dev/null'
like "and says so" "$(env -u QUEUE smarthost-send 2>&1)" '^smarthost-send: fatal: QUEUE not set$'
fails_with 100 "a malformed RETRY: exit 100" sh -c 'RETRY=60,x smarthost-send 2>/dev/null'
fails_with 100 "a malformed PAUSE_PROBE: exit 100" sh -c 'PAUSE_PROBE=30,,60 smarthost-send 2>/dev/null'
fails_with 100 "a malformed CONCURRENCY: exit 100" sh -c 'CONCURRENCY=four smarthost-send 2>/dev/null'
fails_with 100 "RATE_HOUR over the maximum: exit 100" sh -c 'RATE_HOUR=2000000 smarthost-send 2>/dev/null'
fails_with 111 "a missing spool: exit 111" sh -c 'QUEUE=$T/nonexistent smarthost-send 2>/dev/null'
start_send
ok "no UPSTREAM: one line says how to set it" wait_for 10 grep -q 'info: no upstream configured: mail is accepted and held in .*conf/UPSTREAM' "$T/log"
stop_send
is "... once" "$(grep -c 'no upstream configured' "$T/log")" 1
rm "$Q/trigger"
like "a spool without its trigger FIFO: fatal, named" "$(smarthost-send 2>&1)" 'fatal: unable to open .*/trigger'
