#!/bin/sh
# The setuid injector's size limit: a member of the instance's group
# could put a message of any size into the spool through it (sendmail),
# and so fill the spool's disk. Now it takes no more than the smtpd
# would: DATABYTES, and the upstream's SIZE less UPSTREAM_SIZE_MARGIN,
# from the instance's conf/ and queue/upstream-size, counted as the
# smtpd counts (each LF a CRLF). Nothing the caller sets raises it; an
# oversize message is exit 33 with an error that names the limit, and
# leaves nothing in tmp/ or new/ (past 1 MB the message is held in an
# unlinked scratch file in tmp/).
. "$(dirname "$0")/lib.sh"

setuid_member "size cap" 17 smarthost-t524
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
# lines of 99 octets and LF: 100 as the smtpd counts them
mkmsg() { $PY -c 'import sys; sys.stdout.write("Subject: x\n\n" + "a" * 98 + "\n" + ("b" * 98 + "\n") * (int(sys.argv[1]) // 100 - 2))' "$1" > "$2"; }
mkmsg 10000 "$T/10k"          # 9,914 octets as CRLF lines
mkmsg 10100 "$T/10k1"         # 10,014 as CRLF lines, 9,912 with LF
mkmsg 3000000 "$T/3m"
chmod 644 "$T/env" "$T"/10k* "$T/3m"
spool() { echo "$(ls -A "$Q/tmp" | wc -l) $(ls -A "$Q/new" | wc -l)"; }
clean() { rm -f "$Q"/new/*; }
# inject ENV MESSAGE: the injector run by the group member, with ENV set
inject() { as_a env $1 "$D/bin/smarthost-queue" < "$2" 1< "$T/env" 2> "$T/err"; }

echo 10000 > "$D/conf/DATABYTES"
inject "" "$T/10k"
is "DATABYTES 10000: a message of 9,914 octets as CRLF lines is queued" "$? $(spool)" "0 0 1"
clean
inject "" "$T/10k1"
is "10,014 octets (9,912 with LF endings): exit 33" "$?" 33
is "... nothing in tmp/ or new/" "$(spool)" "0 0"
like "... the error names the limit" "$(cat "$T/err")" 'over the size limit of 10000 octets'
inject "DATABYTES=0 UPSTREAM_SIZE_MARGIN=0 QUEUE=$T/elsewhere" "$T/10k1"
is "the caller's DATABYTES=0 does not lift it" "$? $(spool)" "33 0 0"
inject "DATABYTES=99999999" "$T/10k1"
is "nor does a larger DATABYTES" "$? $(spool)" "33 0 0"

printf '2000000\n' > "$D/conf/DATABYTES"
inject "" "$T/3m"
is "3 MB against 2,000,000 (past the scratch file's 1 MB): exit 33" "$?" 33
is "... nothing in tmp/ or new/" "$(spool)" "0 0"

rm -f "$D/conf/DATABYTES"
printf '14096\n' > "$Q/upstream-size"
chown --reference="$Q" "$Q/upstream-size"
inject "" "$T/10k1"
is "no DATABYTES: the upstream's SIZE 14096 less the margin 4096 refuses 10,014" "$? $(spool)" "33 0 0"
echo 4000 > "$D/conf/UPSTREAM_SIZE_MARGIN"
inject "" "$T/10k1"
is "UPSTREAM_SIZE_MARGIN 4000 from conf/: 10,014 fits 10,096" "$? $(spool)" "0 0 1"
clean
inject "UPSTREAM_SIZE_MARGIN=0 DATABYTES=0" "$T/3m"
is "... but 3 MB does not, whatever the caller sets" "$? $(spool)" "33 0 0"
rm -f "$Q/upstream-size" "$D/conf/UPSTREAM_SIZE_MARGIN"
inject "" "$T/3m"
is "neither set: the smtpd's default DATABYTES (26214400) lets 3 MB in" "$? $(spool)" "0 0 1"
clean

echo lots > "$D/conf/DATABYTES"
inject "" "$T/10k"
is "DATABYTES that is no number: exit 55, not \"no limit\"" "$? $(spool)" "55 0 0"
like "... named" "$(cat "$T/err")" 'invalid DATABYTES'
echo 0 > "$D/conf/DATABYTES"
inject "" "$T/3m"
is "DATABYTES 0 in conf/: no limit, as for the smtpd" "$? $(spool)" "0 0 1"
clean

echo 10000 > "$D/conf/DATABYTES"
as_a sh -c '"$1/bin/sendmail" -f a@example.org b@example.net < "$2"' x "$D" "$T/10k1" 2> "$T/err"
is "sendmail over the limit: exit 100, nothing queued" "$? $(spool)" "100 0 0"
like "... and says why" "$(cat "$T/err")" '552 5.3.4 the message is over the'
