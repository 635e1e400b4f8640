#!/bin/sh
# smarthost-send: every setting is checked before the spool is touched
# (lib/sendconf.h): a bad one is named and exits 100 even when the spool
# could not be opened (which alone is 111), PAUSE_PROBE and ROUTES
# included; nothing is created in the spool by a start refused so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 8

missing=$T/nonexistent
out=$(QUEUE=$missing PAUSE_PROBE=30,,60 smarthost-send 2>&1); r=$?
is "a bad PAUSE_PROBE with no spool: exit 100, not 111" "$r" 100
like "... named" "$out" 'fatal: invalid \$PAUSE_PROBE$'
out=$(QUEUE=$missing CONCURRENCY=1001 smarthost-send 2>&1); r=$?
is "CONCURRENCY over its maximum with no spool: exit 100" "$r" 100
like "... named" "$out" 'fatal: invalid \$CONCURRENCY$'
printf 'alice@example.org\n' > "$T/routes"
out=$(QUEUE=$missing ROUTES=$T/routes smarthost-send 2>&1); r=$?
is "a ROUTES line without an upstream, no spool: exit 100" "$r" 100
like "... the file and its line named" "$out" "fatal: $T/routes line 1"
out=$(QUEUE=$missing ROUTES=$T/none smarthost-send 2>&1); r=$?
is "a ROUTES file missing: exit 111, named" "$r:$(printf '%s' "$out" | grep -c "unable to read $T/none")" "111:1"
rm -rf "$Q/control"
RETRY=60,x smarthost-send 2>/dev/null
ok "a refused start made nothing in the spool (no control/)" test ! -e "$Q/control"
