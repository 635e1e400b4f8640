#!/bin/sh
# smarthost-remote and SMTPUTF8 (RFC 6531), against python3-aiosmtpd with
# and without enable_SMTPUTF8: with it, MAIL carries SMTPUTF8 for a
# message that asked (the spool's U line) or has a UTF-8 address, and the
# addresses arrive byte for byte; without it, a UTF-8 recipient fails
# with 5.6.7 and is never sent while the others go, a UTF-8 sender or a
# UTF-8 header in a message that asked fails every recipient, and UTF-8
# only in the body (or in the header of a message that did not ask, as
# before) goes without SMTPUTF8.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 19

make_queue "$T/q"
export HELONAME=relay.test QUEUE="$T/q" UPSTREAM_TLS=none
U=$(printf 'j\303\266rg@b\303\274cher.example')
UP=$(printf '%s' "$U" | LC_ALL=C sed 's/[^ -~]/?/g')

# a message file: NAME SENDER U|- RCPT... with the body on stdin
msg()
{
  n=$1; s=$2; u=$3; shift 3
  {
    printf 'F %s\n' "$s"
    for r in "$@"; do printf 'T %s\n' "$r"; done
    [ "$u" = U ] && printf 'U SMTPUTF8\n'
    printf '\n'
    cat
  } > "$T/q/cur/$n"
}
# a job for message NAME and its recipients; the results in $T/NAME.res
job()
{
  n=$1; shift
  { printf 'M %s\n' "$T/q/cur/$n"; for r in "$@"; do printf 'R %s\n' "$r"; done; printf '.\n'; } |
    smarthost-remote -w > "$T/$n.res"
}
rline() { grep "^R	$2	" "$T/$1.res" | cut -f3-5; }

start_upstream eai --smtputf8 --log-options
UPSTREAM="127.0.0.1:$PORT"; export UPSTREAM
printf 'Subject: gr\303\274\303\237e\n\nHall\303\266.\n' | msg m1 "$U" U "$U" b@example.net
job m1 "$U" b@example.net
is "SMTPUTF8 upstream: the message is delivered" "$(grep '^M' "$T/m1.res" | cut -f2-4)" "$(printf 'ok\tsmtp\t250')"
like "MAIL carried SMTPUTF8" "$(cat "$T/eai/log")" 'options .*SMTPUTF8'
is "the upstream got the addresses byte for byte" "$(cat "$T/eai/1.env")" "$(printf 'F %s\nT %s\nT b@example.net' "$U" "$U")"
ok "and the UTF-8 header and body" grep -q "$(printf 'gr\303\274\303\237e')" "$T/eai/1.msg"

: > "$T/eai/log"
printf 'Subject: plain\n\nx\n' | msg m2 a@example.org - b@example.net
job m2 b@example.net
unlike "an ASCII message that did not ask: no SMTPUTF8" "$(grep '^options' "$T/eai/log")" SMTPUTF8
: > "$T/eai/log"
printf 'Subject: plain\n\nx\n' | msg m3 a@example.org - "$U"
job m3 "$U"
like "a file without the U line but a UTF-8 address (older spool): SMTPUTF8 all the same" "$(grep '^options' "$T/eai/log")" SMTPUTF8
is "delivered" "$(rline m3 "$UP" | cut -f1-2)" "$(printf 'ok\t250')"

start_upstream plain --log-options
UPSTREAM="127.0.0.1:$PORT"
printf 'Subject: plain\n\nHall\303\266.\n' | msg m4 a@example.org U "$U" b@example.net
job m4 "$U" b@example.net
is "no SMTPUTF8 upstream: the UTF-8 recipient fails, code 000, 5.6.7" "$(rline m4 "$UP" | cut -f1-2)" "$(printf 'fail\t000')"
like "its text says why" "$(rline m4 "$UP")" '5\.6\.7 SMTPUTF8 is required for this address, but was not offered by 127\.0\.0\.1'
is "the ASCII recipient is delivered" "$(rline m4 b@example.net)" "$(printf 'ok\t250\tOK queued as 1')"
is "the message line: ok (what was sent was taken)" "$(grep '^M' "$T/m4.res" | cut -f2)" ok
unlike "the UTF-8 address was never sent" "$(cat "$T/plain/log")" 'rcpt j'
unlike "and MAIL had no SMTPUTF8" "$(grep '^options' "$T/plain/log")" SMTPUTF8

: > "$T/plain/log"
printf 'Subject: x\n\ny\n' | msg m5 "$U" U b@example.net c@example.net
job m5 b@example.net c@example.net
is "a UTF-8 sender: every recipient fails with 5.6.7" "$(grep -c '^R.*	fail	000	5\.6\.7 SMTPUTF8 is required for the sender address' "$T/m5.res")" 2
is "the message line says fail" "$(grep '^M' "$T/m5.res" | cut -f2-4)" "$(printf 'fail\tsmtp\t000')"
unlike "no transaction was started" "$(cat "$T/plain/log")" '^mail'

printf 'Subject: gr\303\274\303\237e\n\ny\n' | msg m6 a@example.org U b@example.net
job m6 b@example.net
like "asked for SMTPUTF8 and a UTF-8 header: 5.6.7 (RFC 6532)" "$(rline m6 b@example.net)" "^fail	000	5\.6\.7 SMTPUTF8 is required for the UTF-8 header"

printf 'Subject: plain\n\nHall\303\266.\n' | msg m7 a@example.org U b@example.net
job m7 b@example.net
is "asked, but UTF-8 only in the body: delivered without it" "$(rline m7 b@example.net | cut -f1)" ok
printf 'Subject: gr\303\274\303\237e\n\ny\n' | msg m8 a@example.org - b@example.net
job m8 b@example.net
is "a UTF-8 header in a message that did not ask: delivered as before" "$(rline m8 b@example.net | cut -f1)" ok
