#!/bin/sh
# DSN through the whole chain with the real worker: smarthost-smtpd ->
# spool -> smarthost-send -> smarthost-remote -> an aiosmtpd upstream.
# Without DSN at the upstream (aiosmtpd as it is), smarthost acts for it:
# NOTIFY=SUCCESS gets smarthost's "relayed" report, sent through the same
# upstream to the sender; with DSN there (upstream.py --dsn) the
# parameters go on to it and smarthost reports nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 13

REMOTE=smarthost-remote UPSTREAM_TLS=none
export REMOTE UPSTREAM_TLS
PORT=$(free_port)
UPSTREAM=127.0.0.1:$PORT; export UPSTREAM
up() { upstream_on "$PORT" "$@"; }
start_relay_smtpd
raw() { "$PY" "$TOP/tests/peers/rawsmtp.py" "$SPORT" "$@"; }
nstored() { ls "$T/up" | grep -c '\.env$'; }
# send SUBJECT: a message asking for SUCCESS for one recipient
send()
{
  raw 'EHLO lan.test\r\n' 'MAIL FROM:<alice@example.org> ENVID=id-'"$1"'\r\n' \
    'RCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.net\r\n' \
    'RCPT TO:<carol@example.net>\r\n' 'DATA\r\n' "Subject: $1\\r\\n\\r\\nbody\\r\\n.\\r\\n" 'QUIT\r\n'
}

up
start_send
like "accepted with DSN parameters" "$(send nodsn)" '^250 2\.0\.0 Ok: queued'
ok "the message and smarthost's report reach the upstream" wait_for 30 sh -c '[ $(ls '"$T/up"' | grep -c "\.env$") -ge 2 ]'
rep=$(for e in "$T"/up/*.env; do grep -q '^F $' "$e" && tr -d '\r' < "${e%.env}.msg"; done)
like "a report of smarthost's, to the sender" "$(cat "$T"/up/*.env)" 'T alice@example.org'
like "Action: relayed" "$rep" '^Action: relayed$'
like "for bob only" "$rep" '^Final-Recipient: rfc822; bob@example.net$'
unlike "not carol, who asked nothing" "$rep" 'carol'
like "with the ENVID and the ORCPT" "$rep" '^Original-Envelope-Id: id-nodsn$'
like "and Remote-MTA the upstream" "$rep" "^Remote-MTA: dns; 127\\.0\\.0\\.1"
stop_send
stop_upstream

# an upstream with DSN: the parameters go on, no report of ours
rm -f "$T"/up/*
up --dsn
start_send
like "accepted" "$(send withdsn)" '^250 2\.0\.0 Ok: queued'
ok "the upstream got NOTIFY and ORCPT" wait_for 30 grep -q '^rcpt-dsn <bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.net$' "$T/up/log"
ok "the message is delivered and finished" wait_for 30 queue_empty
is "smarthost sent no relayed report (the one in the log is the first part's)" "$(grep -c 'relayed report queued' "$T/log")" 1
is "the upstream stored the message alone" "$(nstored)" 1
stop_send
