#!/bin/sh
# --probe-size with ROUTES: every route a sender can take is asked for
# its upstream's SIZE, each recorded apart (queue/upstream-size.HASH for
# a route, upstream-size for conf/'s), so that the smtpd can hold each
# sender to its own upstream's limit. One route down costs its record
# only; a route no sender takes (conf/'s behind a * line) is not asked.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 12

start_upstream A --size 1000000; PA=$PORT
start_upstream B --size 3000000; PB=$PORT
start_upstream C --size 5000000; PC=$PORT
Q=$T/q; mkdir -p "$Q"
cat > "$T/routes" <<EOR
alice@a.test  localhost:$PA  tls=none
@b.test       localhost:$PB  tls=none
EOR
export QUEUE="$Q" UPSTREAM="localhost:$PC" UPSTREAM_TLS=none ROUTES="$T/routes"
unset UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD UPSTREAM_ROUTE

# record_of LINE: the file the log says route of line LINE recorded into
record_of() { sed -n "s|.*route of line $1: the upstream advertises SIZE [0-9a-z]*: recorded in $Q/\\(upstream-size\\.[0-9a-f]*\\)\$|\\1|p" "$T/out"; }

smarthost-remote --probe-size > "$T/out" 2>&1
is "every route probed: exit 0" "$?" 0
ra=$(record_of 1) rb=$(record_of 2)
ok "A's SIZE in a record of its own" test -n "$ra"
is "1000000 in it" "$(cat "$Q/$ra")" 1000000
is "B's: 3000000, in another" "$(cat "$Q/$rb" 2>/dev/null):$([ "$ra" != "$rb" ] && echo apart)" 3000000:apart
is "conf/'s (senders no line names) in upstream-size" "$(cat "$Q/upstream-size")" 5000000
like "each line names its route" "$(cat "$T/out")" 'route of conf/: the upstream advertises SIZE 5000000'

# B down: its record stays as it was, the others are written again
sed -i "s/:$PB /:$(free_port) /" "$T/routes"
rm -f "$Q/$ra"
smarthost-remote --probe-size > "$T/out" 2>&1
is "one route down: exit 111" "$?" 111
like "its line is named with the reason" "$(cat "$T/out")" "route of line 2: could not learn the upstream's SIZE: network"
is "the other route's record is written all the same" "$(cat "$Q/$ra" 2>/dev/null)" 1000000

# With a * line, conf/'s upstream takes no sender: not asked
printf '* localhost:%s tls=none\n' "$PA" >> "$T/routes"
sed -i 2d "$T/routes"
n0=$(grep -c '^connect' "$T/C/log")
smarthost-remote --probe-size > "$T/out" 2>&1
is "alice and * (the same upstream, one record): exit 0" "$?" 0
is "conf/'s upstream was not asked" "$(grep -c '^connect' "$T/C/log")" "$n0"
is "alice's line and * say the same: one route, asked once, into A's record" "$(grep -c 'route of line' "$T/out"):$(record_of 1)" "1:$ra"
