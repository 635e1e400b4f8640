#!/bin/sh
# SIGKILL of every process of the chain at random moments, under s6, during
# a load of a few thousand messages: tcpserver, smarthost-smtpd,
# smarthost-queue, smarthost-send and smarthost-remote. s6-supervise
# restarts what it runs; the rest is started again by its parent. Then:
# every message that got 250 reaches the upstream, and the only duplicates
# are messages in flight to the upstream when a scheduler or worker died.
. "$(dirname "$0")/lib.sh"
N=${SMARTHOST_KILL_N:-2000}
[ "$QUICK" = 1 ] && N=500
plan 7

missing=
for p in smarthost-smtpd smarthost-queue smarthost-send smarthost-remote bench/sink; do
  [ -x "$BUILD/$p" ] || missing="$missing $p"
done
for p in s6-svscan tcpserver; do command -v $p >/dev/null || missing="$missing $p"; done
if [ -n "$missing" ]; then
  for i in 1 2 3 4 5 6 7; do skip "kill the chain" "not built yet:$missing"; done
  exit 0
fi

# The upstream: the sink, AUTH required, recording every Message-ID.
SINKPORT=$(free_port)
spawn "$BUILD/bench/sink" -a "bench:pw$$" -m "$T/received" "$SINKPORT" "$T/count"
wait_port "$SINKPORT"
printf 'pw%s' $$ > "$T/password"; chmod 600 "$T/password"

# The chain: one spool, the two services under s6-svscan.
Q=$T/queue
make_queue "$Q"
PORT=$(free_port)
export QUEUE="$Q" HELONAME=relay.test UPSTREAM="127.0.0.1:$SINKPORT" UPSTREAM_TLS=none
export UPSTREAM_AUTH_CLEAR=1 UPSTREAM_USER=bench UPSTREAM_PASSFILE="$T/password"
export RETRY=1 CONCURRENCY=4 DELAYWARN=0 UPSTREAM_IDLE=5 RELAYCLIENT=
unset QMAILQUEUE REMOTE POSTMASTER RATE_MINUTE RATE_HOUR
mkdir -p "$T/svc/smtpd" "$T/svc/send"
cat > "$T/svc/smtpd/run" <<EOF
#!/bin/sh
exec tcpserver -R -H -l relay.test -c 40 -b 128 127.0.0.1 $PORT smarthost-smtpd 2>>"$T/smtpd.log"
EOF
cat > "$T/svc/send/run" <<EOF
#!/bin/sh
exec smarthost-send 2>>"$T/send.log"
EOF
chmod 755 "$T/svc/smtpd/run" "$T/svc/send/run"
# Every process of the chain carries this in its environment, so that the
# clean-up finds them all, even those reparented to init by a kill.
spawn env SMARTHOST_TEST_TAG="$T" s6-svscan "$T/svc"
SVSCAN=$SPAWNED

# tree_pids: every process under our s6-svscan, as "PID COMM".
tree_pids()
{
  ps -e -o pid= -o ppid= -o comm= | awk -v root="$SVSCAN" '
    { pp[$1] = $2; c[$1] = $3 }
    END {
      for (p in pp) {
        q = p
        while (q in pp && q != 1) { if (pp[q] == root) { print p, c[p]; break } q = pp[q] }
      }
    }'
}
# chain_pids: the chain's processes (not s6's own).
chain_pids() { tree_pids | grep -v ' s6-'; }
# chain_stop: s6 brings the services down; anything left is killed.
chain_stop()
{
  _left=$(tree_pids | cut -d' ' -f1)
  s6-svscanctl -t "$T/svc" 2>/dev/null
  wait_for 5 sh -c 'for p; do kill -0 $p 2>/dev/null && exit 1; done; exit 0' x $_left
  for p in $_left; do kill -9 "$p" 2>/dev/null; done
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    [ "$p" = $$ ] && continue
    grep -qz "^SMARTHOST_TEST_TAG=$T\$" "$e" 2>/dev/null && kill -9 "$p" 2>/dev/null
  done
}
trap 'chain_stop; _tap_cleanup' EXIT
wait_port "$PORT"

spawn $PY "$TOP/tests/bench/load.py" 127.0.0.1 "$PORT" "$N" 4 "$T/accepted" 150
LOAD=$SPAWNED
: > "$T/kills"
while kill -0 "$LOAD" 2>/dev/null; do
  sleep "$(printf '0.%02d' $(( $(od -An -N1 -tu1 /dev/urandom) % 20 + 5 )))"
  # the first kills go to the scheduler and to a worker, then anything
  case $(wc -l < "$T/kills") in
    0) victim=$(chain_pids | grep ' smarthost-send' | shuf -n 1) ;;
    1) victim=$(chain_pids | grep ' smarthost-remot' | shuf -n 1) ;;
    *) victim= ;;
  esac
  [ -n "$victim" ] || victim=$(chain_pids | shuf -n 1 2>/dev/null)
  [ -n "$victim" ] || continue
  kill -9 ${victim%% *} 2>/dev/null && echo "${victim#* }" >> "$T/kills"
done
wait "$LOAD"; loadrc=$?
echo "# kills: $(sort "$T/kills" | uniq -c | tr -s ' ' | tr '\n' ',')"

is "the client got 250 for all $N messages (retrying what was cut)" "$loadrc" 0
nkills=$(wc -l < "$T/kills")
ok "processes were killed during the load ($nkills)" test "$nkills" -ge 2
ok "the scheduler was among them" grep -q "^smarthost-send" "$T/kills"

# Every accepted message reaches the upstream (bounded wait).
mids() { sed -n 's/^Message-ID: *//p' "$T/received" 2>/dev/null | sort -u; }
all_arrived() { mids > "$T/got"; [ -z "$(sort -u "$T/accepted" | comm -23 - "$T/got")" ]; }
wait_for 90 all_arrived
missing=$(sort -u "$T/accepted" | comm -23 - "$T/got" | wc -l)
is "every message that got 250 reached the upstream" "$missing" 0
[ "$missing" = 0 ] || sort -u "$T/accepted" | comm -23 - "$T/got" | head -5 | sed 's/^/# missing: /'

# Duplicates: only what a killed scheduler or worker had in flight.
wait_for 30 sh -c '[ -z "$(ls "$0/new" "$0/cur")" ]' "$Q"
dups=$(sed -n 's/^Message-ID: *//p' "$T/received" | sort | uniq -d | wc -l)
inflight=$(( $(grep -c -e '^smarthost-send' -e '^smarthost-remot' "$T/kills") * 4 ))
echo "# $(wc -l < "$T/received") deliveries, $dups duplicated, at most $inflight were in flight at a kill"
ok "duplicates ($dups) are at most the messages in flight at the kills ($inflight)" test "$dups" -le "$inflight"
sort -u "$T/accepted.tried" > "$T/tried"
stray=$(mids | comm -23 - "$T/tried" | wc -l)
is "the upstream got nothing the client never sent" "$stray" 0
is "the spool is empty once everything is delivered" "$(messages_in "$Q" new cur)" 0
