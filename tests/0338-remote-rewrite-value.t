#!/bin/sh
# UPSTREAM_REWRITE set in conf/ by hand (not through a routes file,
# whose fields cannot hold a space) is written into MAIL FROM's path and
# into From: as it is: a value that would close the path and add a
# parameter ("x@y> NOTIFY=NEVER"), or make From: name several mailboxes,
# is refused as the routes file refuses it, class config, before any
# connection; an account's plain address is taken.
. "$(dirname "$0")/lib.sh"
plan 8
unset UPSTREAM_TOKENCMD UPSTREAM_MECH UPSTREAM_ROUTE QUEUE ROUTES UPSTREAM_USER UPSTREAM_PASSFILE
export UPSTREAM=127.0.0.1:$(free_port) UPSTREAM_TLS=none
for v in 'x@y.test> NOTIFY=NEVER' 'x@y.test>' '<x@y.test' 'a, b@y.test' 'a@y.test (c)' '"a b"@y.test' 'a;b@y.test'; do
  out=$(UPSTREAM_REWRITE=$v smarthost-remote --check 2>&1 | tail -1)
  is "UPSTREAM_REWRITE='$v': refused" "$out" "fail: config: UPSTREAM_REWRITE is not a usable address"
done
like "a plain address is taken (the check goes on to connect)" "$(UPSTREAM_REWRITE=acct@isp.test smarthost-remote --check 2>&1 | tail -1)" '^fail: network: '
