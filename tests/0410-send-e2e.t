#!/bin/sh
# The whole chain: swaks -> smarthost-smtpd (under tcpserver) -> injector ->
# smarthost-send -> smarthost-remote workers -> aiosmtpd upstream with
# STARTTLS and AUTH on 127.0.0.1. One message to three recipients: accepted,
# refused (5xx), deferred (4xx): delivered once, bounced through the
# upstream with a null sender, retried until the upstream takes it. Then
# a wrong password pauses the queue, and fixing it lets the mail flow.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 17

make_certs
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
REMOTE=smarthost-remote
UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u UPSTREAM_PASSFILE=$T/pass
export REMOTE UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE
# up ARGS: the upstream, always on the same port (smarthost-send and its
# workers keep their UPSTREAM across its restarts)
PORT=$(free_port)
UPSTREAM=localhost:$PORT; export UPSTREAM
up()
{
  upstream_on "$PORT" --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
    --auth-user u --auth-pass pw --require-auth "$@"
}
up --defer-rcpt '^later@' --fail-rcpt '^nobody@'

start_relay_smtpd
start_send

out=$(swaks --server "127.0.0.1:$SPORT" --helo client.test --from alice@example.org \
  --to ok@example.net,nobody@example.net,later@example.net --header 'Subject: chain' 2>&1)
like "the smtpd accepts the message" "$out" '250 2\.0\.0 Ok: queued as'
id=$(printf '%s\n' "$out" | sed -n 's/.*queued as \([0-9.]*\).*/\1/p' | head -1)
stored() { grep -l "$1" "$T"/up/*.env 2>/dev/null | wc -l; }
ok "the accepted recipient reaches the upstream" wait_for 20 sh -c "grep -q '^T ok@example.net' '$T'/up/*.env 2>/dev/null"
ok "the refused one is bounced through the upstream to the sender" \
  wait_for 20 sh -c "grep -lx 'F ' '$T'/up/*.env 2>/dev/null | xargs -r grep -l '^T alice@example.org' | grep -q ."
b=$(grep -lx 'F ' "$T"/up/*.env | head -1); b=${b%.env}.msg
like "the bounce is a delivery-status report for nobody@" "$(tr -d '\r' < "$b")" 'Final-Recipient: rfc822; nobody@example.net'
like "with the upstream's reply" "$(tr -d '\r' < "$b")" 'Diagnostic-Code: smtp; 550'
ok "the deferred one waits, with its state" wait_for 10 sh -c "grep -q '^defer	later@example.net	451' '$Q/state/$id' 2>/dev/null"
like "the log line names the upstream, the TLS version and the AUTH mechanism used" "$(grep "$id <ok@example.net>" "$T/log")" "upstream=localhost:$PORT tls=TLSv1\\.[23] auth=(PLAIN|LOGIN|CRAM-MD5): delivered 250 .* \\([0-9]+ ms\\)"

# The upstream now takes later@: the retry delivers it, to it alone.
stop_upstream
rm -f "$T/up/log"
up
ok "the retry delivers the deferred recipient" wait_for 30 sh -c "grep -q '^T later@example.net' '$T'/up/*.env 2>/dev/null"
is "the accepted one was delivered once" "$(stored '^T ok@example.net')" 1
is "the retry carried only later@" "$(grep -l '^T later@example.net' "$T"/up/*.env | xargs grep -c '^T' | cut -d: -f2)" 1
ok "the message and its state are gone" wait_for 10 sh -c "[ ! -e '$Q/cur/$id' ] && [ ! -e '$Q/state/$id' ]"

# A null-sender message that the upstream refuses: no bounce.
n=$(ls "$T"/up/*.env | wc -l)
stop_upstream
up --fail-rcpt '^nobody@'
inject "" nobody@example.net
ok "a refused null-sender message: dropped, with a log line" wait_for 20 grep -q 'dropping failed bounce to <nobody@example.net>' "$T/log"
sleep 1
is "and no bounce reached the upstream" "$(ls "$T"/up/*.env | wc -l)" "$n"

# A wrong password: the queue pauses with one line, mail is kept; fixed, it flows.
printf 'wrong\n' > "$T/pass"
stop_upstream; up   # a new session must log in
inject alice@example.org pw1@example.net
inject alice@example.org pw2@example.net
ok "a 535 pauses the queue" wait_for 20 grep -q 'queue paused, mail is kept: the upstream refused our authentication' "$T/log"
unlike "the password is never logged" "$(cat "$T/log")" 'wrong'
printf 'pw\n' > "$T/pass"
ok "with the password fixed, everything flows" wait_for 30 sh -c "grep -q '^T pw1@' '$T'/up/*.env && grep -q '^T pw2@' '$T'/up/*.env"
ok "the resumption is logged" grep -q 'queue resumed' "$T/log"
stop_send
