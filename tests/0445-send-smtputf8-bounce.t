#!/bin/sh
# The whole delivery side with SMTPUTF8 (RFC 6531): smarthost-send, real
# smarthost-remote workers, python3-aiosmtpd as the upstream. Without
# SMTPUTF8 upstream, a UTF-8 recipient fails with 5.6.7 and its bounce
# reaches the (ASCII) sender; a UTF-8 sender's message fails, and so does
# its bounce, which is then dropped with a log line (or goes to POSTMASTER
# once), never looping. With SMTPUTF8 upstream, the bounce to a UTF-8
# sender goes out with SMTPUTF8.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 16

REMOTE=smarthost-remote UPSTREAM_TLS=none
export REMOTE UPSTREAM_TLS
U=$(printf 'j\303\266rg@b\303\274cher.example')
up()
{
  start_upstream "$@" --log-options
  UPSTREAM=127.0.0.1:$PORT; export UPSTREAM
}
envs() { cat "$T/$1"/*.env 2>/dev/null; }

# --- no SMTPUTF8 upstream, no POSTMASTER
up plain
start_send
# the header in ASCII: only the envelope needs SMTPUTF8
printf 'From: <alice@example.org>\nTo: undisclosed-recipients:;\nSubject: hello\n\nHall\303\266.\n' > "$T/ascii.txt"
inject_file "$T/ascii.txt" alice@example.org "$U" bob@example.net
ok "the ASCII recipient is delivered" wait_for 30 sh -c "grep -q '^T bob@example.net' '$T'/plain/*.env 2>/dev/null"
ok "the UTF-8 one is bounced to the sender, through the upstream" \
  wait_for 30 sh -c "grep -lx 'F ' '$T'/plain/*.env 2>/dev/null | xargs -r grep -l '^T alice@example.org' | grep -q ."
b=$(grep -lx 'F ' "$T"/plain/*.env | head -1); b=${b%.env}.msg
like "the bounce says 5.6.7" "$(tr -d '\r' < "$b")" 'Status: 5\.6\.7'
like "and names the address (xtext, RFC 3461)" "$(tr -d '\r' < "$b")" 'Final-Recipient: rfc822; j\+C3\+B6rg@b\+C3\+BCcher\.example'
ok "the message is done" wait_for 20 queue_empty

inject "$U" carol@example.net
ok "a UTF-8 sender: the message fails and its bounce is queued" wait_for 30 grep -q "bounce queued for <j??rg@b??cher.example>" "$T/log"
ok "the bounce cannot go either, and is dropped with a log line" \
  wait_for 30 grep -q "dropping failed bounce to <j??rg@b??cher.example>: 5.6.7" "$T/log"
ok "the queue empties" wait_for 20 queue_empty
sleep 2
is "one bounce queued for it, no loop" "$(grep -c 'bounce queued for <j??rg' "$T/log")" 1
unlike "nothing of it reached the upstream" "$(envs plain)" 'carol|j.*rg'
stop_send

# --- the same with POSTMASTER: the double bounce goes there, once
POSTMASTER=postmaster@example.net; export POSTMASTER
start_send
inject "$U" dave@example.net
ok "the failed bounce goes to POSTMASTER" \
  wait_for 30 sh -c "grep -lx 'F ' '$T'/plain/*.env | xargs -r grep -l '^T postmaster@example.net' | grep -q ."
ok "and the queue empties" wait_for 20 queue_empty
sleep 2
is "one message to POSTMASTER, no loop" "$(envs plain | grep -c '^T postmaster@example.net')" 1
stop_send
unset POSTMASTER

# --- SMTPUTF8 upstream: the bounce to a UTF-8 sender goes out with it
up eai --smtputf8 --fail-rcpt '^nobody@'
start_send
inject "$U" nobody@example.net
ok "the refused recipient's bounce reaches the UTF-8 sender" \
  wait_for 30 sh -c "grep -lx 'F ' '$T'/eai/*.env 2>/dev/null | xargs -r grep -lx 'T $U' | grep -q ."
like "sent with SMTPUTF8" "$(cat "$T/eai/log")" 'options .*SMTPUTF8'
ok "and the queue empties" wait_for 20 queue_empty
stop_send
