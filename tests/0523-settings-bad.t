#!/bin/sh
# A bad numeric setting stops each program that reads settings with
# envnum_get (lib/envnum.h), exit 100, naming it: the one before it, and
# the ones after, are read, and the first bad one is named.
. "$(dirname "$0")/lib.sh"
plan 8

out=$(UPSTREAM_TIMEOUT=abc smarthost-remote -w < /dev/null 2>&1); r=$?
is "smarthost-remote: UPSTREAM_TIMEOUT=abc: exit 100" "$r" 100
like "... naming it" "$out" "fatal: invalid UPSTREAM_TIMEOUT: abc"
out=$(UPSTREAM_DATATIMEOUT=100000001 UPSTREAM_IDLE=x smarthost-remote -w < /dev/null 2>&1); r=$?
is "smarthost-remote: two bad: exit 100" "$r" 100
like "... the first named" "$out" "fatal: invalid UPSTREAM_DATATIMEOUT: 100000001"
out=$(OAUTH2_MARGIN=-1 smarthost-oauth2 < /dev/null 2>&1); r=$?
is "smarthost-oauth2: OAUTH2_MARGIN=-1: exit 100" "$r" 100
like "... naming it" "$out" "fatal: invalid OAUTH2_MARGIN: -1"
make_queue "$T/q"
out=$(RESCAN=often QUEUE=$T/q smarthost-send 2>&1); r=$?
is "smarthost-send: RESCAN=often: exit 100" "$r" 100
like "... naming it" "$out" "fatal: invalid .?RESCAN"
