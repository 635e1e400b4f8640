#!/bin/sh
# Against a real upstream (a private Postfix with Dovecot SASL,
# tests/peers/postfix.sh): a wrong password gets 535 from Postfix, the
# queue pauses and nothing bounces; the right password releases the mail.
# Then the upstream goes down (postfix stop): the mail is kept, and goes
# out once it is back. What arrived is checked at the sink behind Postfix.
. "$(dirname "$0")/lib.sh"
N=18
plan $N
. "$TOP/tests/peers/remote.sh"
. "$TOP/tests/peers/postfix.sh"

pf_begin "real upstream"

send() # SUBJECT RCPT
{
  printf 'From: a@example.org\nTo: %s\nSubject: %s\nDate: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.org>\n\nbody\n' "$2" "$1" "$1" > "$T/m"
  swaks -4 --server 127.0.0.1 --port "$RELAY_PORT" --from a@example.org --to "$2" --data "@$T/m" --silent 2
}
queued() { messages_in "$D/queue" new cur; }

# 1. The wrong password: 535 from Postfix (Dovecot said no), a pause,
# no bounce, the mail kept.
instance_secret upstream 'not the password'
relay_restart
send_two() { send one b@example.net && send two c@example.net; }
ok "two messages accepted" send_two
ok "Postfix refused the password" wait_for 30 grep -q 'postfix/submission/smtpd.*authentication failed' "$PFLOG"
ok "the queue pauses, saying why" wait_for 30 grep -q 'queue paused.*535' "$SLOG"
like "Dovecot: a password mismatch for the account" "$(cat "$T/dovecot/log")" 'relay@example.org.*(Password mismatch|passdb out: FAIL)'
# a probe of the paused queue is refused too: none may bounce or deliver
ok "a probe, refused again" wait_for 30 sh -c "[ \$(grep -c 'postfix/submission/smtpd.*authentication failed' '$PFLOG') -ge 2 ]"
is "nothing reached the sink (no bounce either)" "$(sink_count)" 0
is "both messages kept" "$(queued)" 2
unlike "no bounce queued" "$(cat "$SLOG")" 'bounce queued'
unlike "the password is in no log" "$(cat "$SLOG" "$PFLOG" "$T/dovecot/log")" 'not the password'
gate

# 2. The right password: the next probe goes through, both go out.
instance_secret upstream "$UP_PASS"
s6-svc -a "$D/service/send"    # SIGALRM: probe now
ok "the right password: both delivered" wait_sink 2
is "to their recipients, sent by the sender" "$(cat "$T"/sink/*.env | sort -u | tr '\n' ' ')" "F a@example.org T b@example.net T c@example.net "
gate

# 3. The upstream goes down and comes back.
pf_stop pfup
ok "upstream down: a message accepted" send three d@example.net
ok "kept while the upstream is down" wait_for 30 grep -q 'd@example.net.*deferred' "$SLOG"
is "it is in the queue" "$(queued)" 1
ok "the upstream is back" pf_start pfup
wait_port "$SUB_PORT"
s6-svc -a "$D/service/send"
ok "delivered once it is back" wait_sink 3
