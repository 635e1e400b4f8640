#!/bin/sh
# smarthost-send: per-recipient state and retries. One message to three
# recipients, one accepted, one refused (5xx), one deferred (4xx): the first
# is delivered once, the second bounced, the third retried until it passes,
# and a retry goes only to recipients not yet done.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 14

RETRY=2; export RETRY
inject alice@example.org ok-bob@example.net fail-carol@example.net once-dave@example.net
id=$(ls "$Q/new")
start_send

ok "the 4xx recipient waits for its retry: state file written" wait_for 10 test -s "$Q/state/$id"
st=$(cat "$Q/state/$id")
like "state: one attempt" "$st" '^attempts	1$'
like "state: the next attempt time" "$st" '^next	[0-9]{10}$'
like "state: done, with the upstream's reply" "$st" '^done	ok-bob@example.net	250	2.0.0 Ok: queued$'
like "state: fail, with the reply" "$st" '^fail	fail-carol@example.net	550	5.1.1 No such user$'
like "state: defer, with the reply" "$st" '^defer	once-dave@example.net	451	4.3.0 Try again later$'
ok "the message waits in cur/" test -f "$Q/cur/$id"

ok "the retry delivers the deferred recipient" wait_for 15 grep -q "^$id once-dave@example.net" "$FAKE_DIR/delivered"
ok "then the message and its state are removed" wait_for 10 sh -c "[ ! -e '$Q/cur/$id' ] && [ ! -e '$Q/state/$id' ]"
is "the accepted recipient got it exactly once" "$(grep -c "^$id ok-bob@" "$FAKE_DIR/delivered")" 1
is "the refused one was tried once, never retried" "$(grep -c "<fail-carol@example.net>.*failed 550" "$T/log")" 1
is "the retry went to once-dave alone: 3 attempt lines, then 1" "$(grep -c "info: $id <" "$T/log")" 4
ok "one bounce, to the sender, for the refused recipient" wait_for 10 grep -q "bounce queued for <alice@example.org>" "$T/log"
# the bounce itself goes to alice@example.org, which the fake worker defers
# (no ok- prefix): it stays queued as a normal message with a null sender
b=$(grep -l '^T alice@example.org$' "$Q"/cur/* "$Q"/new/* 2>/dev/null | head -1)
is "the bounce has a null sender" "$(head -1 "$b")" "F "
stop_send
