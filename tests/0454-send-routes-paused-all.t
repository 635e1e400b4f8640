#!/bin/sh
# Every paused route is shown, not only the first: two accounts whose
# passwords are refused pause their two routes; queue/status has a block
# per route (each with its own reason), METRICS_FILE a labelled sample
# per route, and smarthost-status a few lines per route; conf/'s route,
# still running, is shown running. When one route resumes, only the
# other is shown paused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$(dirname "$0")/routes-lib.sh"
plan 15

REMOTE=smarthost-remote PAUSE_PROBE=1 METRICS_FILE=$T/metrics
export REMOTE PAUSE_PROBE METRICS_FILE
routes_setup 454 a
printf 'wrong-b-4542\n' > "$T/pass-b"
start_send
inject alice@isp-a.test a1@dest.test
inject bob@office.test b1@dest.test
inject carol@elsewhere.test c1@dest.test
ok "both routes pause" wait_for 30 sh -c "grep -q 'route of line 1: queue paused' '$T/log' && grep -q 'route of line 2: queue paused' '$T/log'"
ok "the status counts two paused routes" wait_for 10 grep -qx 'paused_routes	2' "$Q/status"
# has LINE...: every LINE is a whole line of the status file
has() { for _l; do grep -qxF -- "$_l" "$Q/status" || { echo "# missing: $_l" >&3; return 1; }; done; }
ok "route 1 is alice's line, paused, with its reason" has "route.1	line 1" "route.1.upstream	localhost:$PA" \
  "route.1.paused	1" "route.1.pause_class	auth"
like "  its reason names it" "$(grep '^route.1.pause_reason' "$Q/status")" 'route of line 1: the upstream refused our authentication'
ok "route 2 is the office's, paused" has "route.2	line 2" "route.2.upstream	localhost:$PB" "route.2.paused	1" "route.2.pause_class	auth"
like "  with its own reason" "$(grep '^route.2.pause_reason' "$Q/status")" 'route of line 2: the upstream refused'
ok "conf/'s route is listed last, running" has "route.3	conf/" "route.3.upstream	" "route.3.paused	0" "routes	3"
ok "conf/'s mail went" wait_for 20 sh -c "grep -q '^T c1@dest.test' '$T'/C/*.env"
ok "the metrics have a sample per route" wait_for 10 sh -c "grep -qx 'smarthost_route_paused{route=\"line 1\",upstream=\"localhost:$PA\"} 1' '$METRICS_FILE' \
  && grep -qx 'smarthost_route_paused{route=\"line 2\",upstream=\"localhost:$PB\"} 1' '$METRICS_FILE' \
  && grep -qx 'smarthost_route_paused{route=\"conf/\",upstream=\"\"} 0' '$METRICS_FILE' \
  && grep -qx 'smarthost_queue_paused_routes 2' '$METRICS_FILE'"
out=$(smarthost-status "$T" 2>&1)
like "smarthost-status: two of three routes paused" "$out" 'routes:       2 of 3 paused'
like "alice's route paused" "$out" "^route line 1 \\(localhost:$PA\\): PAUSED \\(auth\\) since "
like "with why" "$(printf '%s\n' "$out" | grep -A1 '^route line 1 ')" "^  why:        route of line 1: the upstream refused"
like "the office's too" "$out" "route line 2 \\(localhost:$PB\\): PAUSED \\(auth\\)"
like "conf/'s running" "$out" 'route conf/ \(UPSTREAM\): running'

printf 'secret-a-4541\n' > "$T/pass-a"
ok "alice's route resumes: one paused route left, the office's" wait_for 30 sh -c \
  "grep -qx 'paused_routes	1' '$Q/status' && grep -qx 'route.1.paused	0' '$Q/status' && grep -qx 'route.2.paused	1' '$Q/status'"
stop_send
