#!/bin/sh
# Every session of a route's worker keeps its upstream's SIZE record up
# to date, not only the probe at start: smarthost-remote -f with ROUTES
# (the route's settings, UPSTREAM_ROUTE among them, as a worker of
# smarthost-send gets them) writes the SIZE of the upstream it reached
# into that upstream's record, and conf/'s upstream-size is left alone.
# Without UPSTREAM_ROUTE (conf/'s route), upstream-size is written.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 6

start_upstream A --size 1200000; PA=$PORT
start_upstream C --size 7000000; PC=$PORT
Q=$T/q; mkdir -p "$Q"
printf 'alice@a.test localhost:%s tls=none\n' "$PA" > "$T/routes"
export QUEUE="$Q" UPSTREAM="localhost:$PC" UPSTREAM_TLS=none ROUTES="$T/routes"
unset UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD UPSTREAM_ROUTE
printf 'Subject: t\n\nhi\n' > "$T/msg"

smarthost-remote -f alice@a.test r1@dest.test < "$T/msg" > "$T/out" 2>&1
is "alice's message is sent through A" "$?" 0
rec=$(ls "$Q" | grep '^upstream-size\.' )
is "one route record written" "$(printf '%s\n' "$rec" | grep -c .)" 1
is "with A's SIZE" "$(cat "$Q/$rec" 2>/dev/null)" 1200000
ok "conf/'s record untouched" test ! -e "$Q/upstream-size"

smarthost-remote -f carol@c.test r2@dest.test < "$T/msg" > "$T/out" 2>&1
is "a sender of conf/'s route writes upstream-size" "$(cat "$Q/upstream-size" 2>/dev/null)" 7000000
is "and leaves A's record as it was" "$(cat "$Q/$rec" 2>/dev/null)" 1200000
