#!/bin/sh
# smarthost-status with ROUTES: the top line's "upstream SIZE" was read
# from queue/upstream-size, conf/'s route's record, which a * route
# leaves unused and so stale (an upgrade keeps the old number). With
# routes it now points to the routes' own SIZE lines; conf/'s record
# shows only under conf/'s route when a sender takes it. The status
# file is written by hand, as smarthost-send writes it (queue_status.c).
. "$(dirname "$0")/lib.sh"
plan 7

Q=$T/queue
mkdir -p "$Q"
now=$(date +%s)
record() { $PY -c '
import sys
h = 14695981039346656037
for b in sys.argv[1].encode(): h = ((h ^ b) * 1099511628211) % 2**64
print("upstream-size.%016x" % h)' "$1"; }
status() { printf 'started\t%s\nupdated\t%s\nconcurrency\t4\nsession_limit\t4\n' "$now" "$now"; cat; }
echo 7777 > "$Q/upstream-size"            # stale: left from before the routes
echo 3000000 > "$Q/$(record localhost:2502)"

# a * route: conf/'s route is not used, not listed
status > "$Q/status" <<EOS
routes	1
paused_routes	0
route.1	line 1
route.1.upstream	localhost:2502
route.1.session_limit	4
EOS
smarthost-status "$Q" > "$T/out"
is "exit 0" "$?" 0
like "the * route shows its upstream's SIZE" "$(cat "$T/out")" 'SIZE: +3000000 octets'
like "the top line points to the routes" "$(grep '^upstream SIZE' "$T/out")" '^upstream SIZE: per route, above$'
ok "the stale record of conf/'s route is shown nowhere" sh -c "! grep -q 7777 '$T/out'"

# a route of conf/'s (an empty upstream): its SIZE is upstream-size
status > "$Q/status" <<EOS
routes	2
paused_routes	0
route.1	line 1
route.1.upstream	localhost:2502
route.1.session_limit	4
route.2	default
route.2.upstream	
route.2.session_limit	4
EOS
smarthost-status "$Q" > "$T/out"
like "conf/'s route, when used, shows upstream-size" "$(cat "$T/out")" 'route default \(UPSTREAM\): running
  sessions:   at most 4 at once
  SIZE:       7777 octets'

# without routes: the top line as before
status > "$Q/status" < /dev/null
smarthost-status "$Q" > "$T/out"
like "no routes: the top line shows upstream-size" "$(grep '^upstream SIZE' "$T/out")" '^upstream SIZE: 7777 octets$'
rm "$Q/upstream-size"
like "... or that it is not known yet" "$(smarthost-status "$Q")" 'upstream SIZE: not known yet'
