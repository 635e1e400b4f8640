#!/bin/sh
# More routes than CONCURRENCY: four routes, each to its own upstream
# (aiosmtpd), CONCURRENCY=2, ten messages for each queued interleaved
# before the scheduler starts. Every message reaches its route's
# upstream once, and the workers are not restarted message by message:
# an idle worker takes its own route's mail before it is closed for
# another route's (about one start per route; before, nearly one per
# message). Counted twice: the scheduler's "started worker" lines, and
# the sessions each upstream saw end (QUIT), which include the SIZE
# probe of each route at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 8

REMOTE=smarthost-remote CONCURRENCY=2 RETRY=60 UPSTREAM_TLS=none
export REMOTE CONCURRENCY RETRY UPSTREAM_TLS
unset UPSTREAM UPSTREAM_USER UPSTREAM_PASSFILE UPSTREAM_TOKENCMD
: > "$T/routes"
for r in a b c d; do
  start_upstream $r
  printf '%s  localhost:%s  tls=none\n' "@$r.test" "$PORT" >> "$T/routes"
done
ROUTES=$T/routes; export ROUTES

N=10
i=0
while [ $i -lt $N ]; do
  for r in a b c d; do inject "s$i@$r.test" "$r$i@dest.test"; done
  i=$((i + 1))
done
start_send

got() { cat "$T/$1"/*.env 2>/dev/null | grep -c "^T $1"; }
ok "all 40 messages reach their upstreams" wait_for 120 sh -c \
  "[ \$(cat '$T'/a/*.env '$T'/b/*.env '$T'/c/*.env '$T'/d/*.env 2>/dev/null | grep -c '^T [abcd]') -ge $((4 * N)) ]"
is "each route's to its own, once" "$(got a):$(got b):$(got c):$(got d)" "$N:$N:$N:$N"
ok "the spool is empty" wait_for 30 sh -c "[ -z \"\$(ls '$Q/cur')\" ]"
stop_send
starts=$(grep -c 'started worker' "$T/log")
sessions=$(cat "$T"/a/log "$T"/b/log "$T"/c/log "$T"/d/log 2>/dev/null | grep -c '^quit')
echo "# $starts workers started, $sessions upstream sessions ended, for $((4 * N)) messages over 4 routes, CONCURRENCY 2"
ok "each route had a worker" [ "$starts" -ge 4 ]
ok "no restart storm: at most 12 worker starts for 40 messages" [ "$starts" -le 12 ]
ok "the upstreams saw at most 16 sessions (4 of them SIZE probes)" [ "$sessions" -le 16 ]
ok "and at least two per route" [ "$sessions" -ge 8 ]
unlike "no worker lost" "$(cat "$T/log")" 'worker exited|silent too long'
