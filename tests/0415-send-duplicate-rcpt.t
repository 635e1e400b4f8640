#!/bin/sh
# Duplicate recipients in a message file (an old spool, or an injector
# that did not fold them) are one recipient to smarthost-send (addr_same:
# the domain without case): one RCPT, one delivery, one bounce line. With
# the real worker and an aiosmtpd upstream that refuses the duplicated
# recipient at RCPT (550), and then at the final dot (554), smarthost-send
# stays alive and sends nothing twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 16

PORT=$(free_port)
REMOTE=smarthost-remote UPSTREAM=localhost:$PORT UPSTREAM_TLS=none
export REMOTE UPSTREAM UPSTREAM_TLS
mkdir -p "$T/up"
spawn $PY "$TOP/tests/peers/upstream.py" --dir "$T/up" --port "$PORT" \
  --fail-rcpt '^nobody@' --fail-data '^refused@' > "$T/up.out" 2>>"$T/up.err"
wait_for 10 grep -q ready "$T/up.out"

# dups ADDR N: N copies of ADDR, every other one with its domain in capitals
dups()
{
  _i=0
  while [ $_i -lt "$2" ]; do
    if [ $((_i % 2)) = 1 ]; then echo "${1%@*}@EXAMPLE.net"; else echo "$1"; fi
    _i=$((_i+1))
  done
}
envs() { cat "$T"/up/*.env 2>/dev/null; }
bounces() { grep -lx 'F ' "$T"/up/*.env 2>/dev/null | wc -l; }

start_send
inject alice@example.org ok@example.net $(dups nobody@example.net 99)
finished() { queue_empty && [ "$(ls "$T"/up/*.env 2>/dev/null | wc -l)" -ge "$1" ]; }
ok "550 at RCPT: the message and its bounce are through" wait_for 30 finished 2
ok "smarthost-send is alive" kill -0 "$SEND_PID"
is "the accepted recipient got it once" "$(envs | grep -c '^T ok@example.net')" 1
is "one bounce, to the sender" "$(bounces)" 1
b=$(grep -lx 'F ' "$T"/up/*.env | head -1)
is "it names the refused recipient once" "$(tr -d '\r' < "${b%.env}.msg" | grep -c '^Final-Recipient: rfc822; nobody@')" 1
is "one RCPT for the 99 copies" "$(grep -ci '^rcpt nobody@example.net$' "$T/up/log")" 1

rm -f "$T"/up/*.env "$T"/up/*.msg
inject alice@example.org $(dups refused@example.net 100)
ok "554 at the final dot: the message and its bounce are through" wait_for 30 finished 1
ok "smarthost-send is alive" kill -0 "$SEND_PID"
is "nothing delivered but one bounce" "$(ls "$T"/up/*.env | wc -l) $(bounces)" "1 1"
b=$(grep -lx 'F ' "$T"/up/*.env | head -1)
is "one RCPT for the 100 copies" "$(grep -ci '^rcpt refused@example.net$' "$T/up/log")" 1
is "the bounce names the recipient once" "$(tr -d '\r' < "${b%.env}.msg" | grep -c '^Final-Recipient: rfc822; refused@')" 1
is "one attempt line for it" "$(grep -c '<refused@example.net>.*failed 554' "$T/log")" 1

# an empty recipient (the injector refuses it, a message file may hold
# one) is refused at once, once
rm -f "$T"/up/*.env "$T"/up/*.msg
printf 'F alice@example.org\nT ok2@example.net\nT \nT \n\nSubject: x\n\nbody\n' > "$Q/new/1700000000.000000001.0000000001"
printf '\0' > "$Q/trigger"
ok "an empty recipient: the message and its bounce are through" wait_for 30 finished 2
is "the other recipient got it once, the empty one was never sent" "$(envs | grep -c '^T ok2@example.net') $(grep -c '^rcpt $' "$T/up/log")" "1 0"
b=$(grep -lx 'F ' "$T"/up/*.env | head -1)
like "the bounce says why" "$(tr -d '\r' < "${b%.env}.msg")" 'Status: 5\.1\.3'
is "no crash, no restart: one start, nothing fatal" "$(grep -c 'info: started:' "$T/log") $(grep -c fatal "$T/log")" "1 0"
stop_send
