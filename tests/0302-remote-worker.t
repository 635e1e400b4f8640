#!/bin/sh
# smarthost-remote -w: the job/result protocol, one login for many messages,
# UPSTREAM_MAXMSGS and UPSTREAM_IDLE, per-recipient results, the upstream's
# SIZE recorded in the spool.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 18

make_certs
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" \
  --auth-user u --auth-pass pw --require-auth --size 7340032 \
  --defer-rcpt '^later@' --fail-rcpt '^nobody@'
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"
make_queue "$T/q"
export UPSTREAM="localhost:$PORT" UPSTREAM_CAFILE="$T/certs/ca.pem" \
  UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" HELONAME=relay.test QUEUE="$T/q"

i=1
while [ $i -le 5 ]; do
  printf 'Subject: %s\n\nbody %s\n' $i $i | make_msg "$T/q/cur/m$i" a@example.org r$i@example.net
  printf 'M %s\nR r%s@example.net\n.\n' "$T/q/cur/m$i" $i
  i=$((i+1))
done > "$T/jobs"
smarthost-remote -w < "$T/jobs" > "$T/res"; r=$?
is "worker exits 0 at the end of its input" "$r" 0
is "five jobs, five M ok lines" "$(grep -c "^M	ok	smtp	250	" "$T/res")" 5
is "each job names the upstream, its TLS version and the mechanism (S line)" "$(grep -c "^S	localhost:$PORT	TLSv1\.[23]	[A-Z0-9-]*$" "$T/res")" 5
is "one R ok line per job" "$(grep -c "^R	r[1-5]@example.net	ok	250	" "$T/res")" 5
is "five messages stored" "$(ls "$T/up" | grep -c '\.msg$')" 5
is "one connection for five messages" "$(grep -c '^connect' "$T/up/log")" 1
is "one login for five messages" "$(grep -c '^auth ok' "$T/up/log")" 1
is "RSET between messages" "$(grep -c '^rset' "$T/up/log")" 4
is "the upstream's SIZE is recorded in the spool" "$(cat "$T/q/upstream-size" 2>/dev/null)" 7340032

: > "$T/up/log"
UPSTREAM_MAXMSGS=2 smarthost-remote -w < "$T/jobs" > /dev/null
is "UPSTREAM_MAXMSGS=2: three sessions for five messages" "$(grep -c '^auth ok' "$T/up/log")" 3

: > "$T/up/log"
# the idle time counts from the first result (a slow run, under valgrind, may take long to get there)
{ head -3 "$T/jobs"; wait_for 60 grep -q '^M' "$T/res2"; sleep 2; sed -n 4,6p "$T/jobs"; } | UPSTREAM_IDLE=1 smarthost-remote -w > "$T/res2"
is "UPSTREAM_IDLE=1: a new session after two idle seconds" "$(grep -c '^connect' "$T/up/log")" 2
is "each session ended with QUIT, the idle one too" "$(grep -c '^quit' "$T/up/log")" 2

printf 'Subject: mixed\n\nx\n' | make_msg "$T/q/cur/mixed" a@example.org ok@example.net later@example.net nobody@example.net
printf 'M %s\nR ok@example.net\nR later@example.net\nR nobody@example.net\n.\n' "$T/q/cur/mixed" |
  smarthost-remote -w > "$T/res3"
is "per recipient: one ok, one defer with 451, one fail with 550" "$(cut -f1-5 "$T/res3" | grep '^R' | cut -f2-4)" \
  "$(printf 'ok@example.net\tok\t250\nlater@example.net\tdefer\t451\nnobody@example.net\tfail\t550')"
like "the refusal's text is passed on" "$(grep nobody "$T/res3")" 'no such user here'
like "the message is accepted for the one that took it" "$(tail -1 "$T/res3")" '^M	ok	smtp	250	'

printf 'M %s\nR x@example.net\n.\n' "$T/q/cur/missing" | smarthost-remote -w > "$T/res4"
like "a missing message file is deferred, class local" "$(tail -1 "$T/res4")" '^M	defer	local	000	'

printf 'M %s\nR r1@example.net\n.\n' "$T/q/cur/m1" | UPSTREAM= smarthost-remote -w > "$T/res5"; r=$?
is "UPSTREAM unset: the worker still answers (exit 0)" "$r" 0
like "... every job deferred with class config" "$(tail -1 "$T/res5")" '^M	defer	config	000	UPSTREAM is not set'
