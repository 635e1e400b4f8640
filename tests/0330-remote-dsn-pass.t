#!/bin/sh
# smarthost-remote: the DSN parameters of the spool's D lines go to an
# upstream that offers DSN (RFC 3461, section 6.2.1) on MAIL and on each
# RCPT, as the client gave them; an upstream that does not offer DSN gets
# none (it would refuse them with 555: aiosmtpd does) and the worker's S
# line says which it was, for the scheduler that then acts for it.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 11

make_queue "$T/q"
export HELONAME=relay.test QUEUE="$T/q" UPSTREAM_TLS=none
msg()
{
  printf 'F a@example.org\nD RET=HDRS ENVID=QQ+2B314\nT b@example.net\nD NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.net\nT c@example.net\nT d@example.net\nD NOTIFY=NEVER\n\nSubject: dsn\n\nbody\n' > "$1"
}
msg "$T/q/cur/m1"
printf 'M %s\nR b@example.net\nR c@example.net\nR d@example.net\n.\n' "$T/q/cur/m1" > "$T/jobs"
# a job of one recipient, the third of the envelope: its own D line
printf 'M %s\nR d@example.net\n.\n' "$T/q/cur/m1" >> "$T/jobs"

start_upstream dsn --dsn
UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w < "$T/jobs" > "$T/res"
is "an upstream with DSN: both jobs delivered" "$(grep -c '^M	ok	smtp	250' "$T/res")" 2
like "the S line says the upstream offers DSN" "$(grep '^S' "$T/res" | head -1)" '	DSN$'
is "MAIL carries RET and ENVID as the client gave them" "$(grep '^mail-dsn' "$T/dsn/log" | head -1)" "mail-dsn RET=HDRS ENVID=QQ+2B314"
is "RCPT carries NOTIFY and ORCPT" "$(grep '^rcpt-dsn <b@example.net>' "$T/dsn/log" | head -1)" \
  "rcpt-dsn <b@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.net"
is "a recipient without a D line: no parameter" "$(grep '^rcpt-dsn <c@example.net>' "$T/dsn/log")" "rcpt-dsn <c@example.net> -"
is "NOTIFY=NEVER passed on, in both jobs (each its recipient's own)" "$(grep -c '^rcpt-dsn <d@example.net> NOTIFY=NEVER$' "$T/dsn/log")" 2
is "the second job's MAIL carries them too" "$(grep -c '^mail-dsn RET=HDRS ENVID=QQ+2B314$' "$T/dsn/log")" 2

start_upstream plain
UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w < "$T/jobs" > "$T/res2"
is "an upstream without DSN: delivered all the same" "$(grep -c '^M	ok	smtp	250' "$T/res2")" 2
unlike "the S line does not name DSN" "$(grep '^S' "$T/res2")" 'DSN'
is "and two messages stored there" "$(ls "$T/plain" | grep -c '\.msg$')" 2
# an old spool file without D lines goes as before
printf 'F a@example.org\nT e@example.net\n\nSubject: old\n\nx\n' > "$T/q/cur/m2"
printf 'M %s\nR e@example.net\n.\n' "$T/q/cur/m2" | UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w > "$T/res3"
is "a message file without D lines: delivered" "$(grep -c '^M	ok	smtp	250' "$T/res3")" 1
