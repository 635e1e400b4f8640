#!/bin/sh
# The setuid injector's size limit with ROUTES: the upstream's SIZE it
# counts is that of the sender's route (queue/upstream-size.HASH, as the
# smtpd reads it through queue_upsize_sender), not conf/'s plain
# upstream-size, which a * route leaves stale. The sender comes on fd 1
# after the message, so the route's limit is checked once the envelope
# is read; still nothing is left in tmp/ or new/.
. "$(dirname "$0")/lib.sh"

reason=$(setuid_skip_reason)
if [ -n "$reason" ]; then plan 1; skip "size cap with routes" "$reason"; exit 0; fi
plan 12

test_user smarthost-t527 || exit 1
root_instance || { echo "Bail out! setup failed"; exit 1; }
Q=$D/queue
# the record's name: 64-bit FNV-1a of the upstream as the routes file has it (queue_upsize.h)
record() { $PY -c '
import sys
h = 14695981039346656037
for b in sys.argv[1].encode(): h = ((h ^ b) * 1099511628211) % 2**64
print("upstream-size.%016x" % h)' "$1"; }
setrec() { printf '%s\n' "$2" > "$Q/$1"; chown --reference="$Q" "$Q/$1"; }
cat > "$D/routes" <<EOR
alice@isp-a.test  localhost:2501  tls=none
*                 localhost:2502  tls=none
EOR
chmod 644 "$D/routes"
echo "$D/routes" > "$D/conf/ROUTES"
echo 10000000 > "$D/conf/DATABYTES"
echo 0 > "$D/conf/UPSTREAM_SIZE_MARGIN"
setrec "$(record localhost:2501)" 1000000
setrec "$(record localhost:2502)" 3000000
setrec upstream-size 5000     # conf/'s, stale under the * route

$PY -c 'import sys; sys.stdout.write("Subject: x\n\n" + ("b" * 98 + "\n") * 15000)' > "$T/1m5"   # 1,500,000 as CRLF lines
$PY -c 'import sys; sys.stdout.write("Subject: x\n\n" + ("b" * 98 + "\n") * 100)' > "$T/10k"
chmod 644 "$T/1m5" "$T/10k"
spool() { echo "$(ls -A "$Q/tmp" | wc -l) $(ls -A "$Q/new" | wc -l)"; }
clean() { rm -f "$Q"/new/*; }
# inject SENDER MESSAGE: the injector run by the group member
inject() { printf 'F%s\0Tb@example.net\0\0' "$1" > "$T/env"; chmod 644 "$T/env"; as_a "$D/bin/smarthost-queue" < "$2" 1< "$T/env" 2> "$T/err"; }

inject alice@isp-a.test "$T/1m5"
is "alice's route's upstream takes 1,000,000: 1.5 MB is refused, exit 33" "$? $(spool)" "33 0 0"
like "... the error names her route's limit" "$(cat "$T/err")" 'over the size limit of 1000000 octets'
inject carl@office.test "$T/1m5"
is "a sender of the * route (3,000,000) gets 1.5 MB in, whatever conf/'s stale record says" "$? $(spool)" "0 0 1"
clean
inject "" "$T/1m5"
is "the null sender takes the * route too" "$? $(spool)" "0 0 1"
clean
inject alice@isp-a.test "$T/10k"
is "alice's small message is queued" "$? $(spool)" "0 0 1"
clean

echo 1200000 > "$D/conf/DATABYTES"
inject carl@office.test "$T/1m5"
is "DATABYTES still bounds every route" "$? $(spool)" "33 0 0"
like "... while the message is read" "$(cat "$T/err")" 'over the size limit of 1200000 octets'
echo 10000000 > "$D/conf/DATABYTES"

chmod 600 "$D/routes"; chown root "$D/routes"
inject carl@office.test "$T/1m5"
is "an unreadable routes file: conf/'s record applies, as in the smtpd" "$? $(spool)" "33 0 0"
like "... named in the error" "$(cat "$T/err")" 'over the size limit of 5000 octets'
chmod 644 "$D/routes"

rm -f "$D/conf/ROUTES"
inject carl@office.test "$T/1m5"
is "without ROUTES: conf/'s record, as before" "$? $(spool)" "33 0 0"
: > "$D/conf/ROUTES"
inject carl@office.test "$T/10k"
is "an empty ROUTES is no routes: conf/'s record" "$? $(spool)" "33 0 0"
echo "$D/routes" > "$D/conf/ROUTES"
rm -f "$Q/upstream-size"
inject carl@office.test "$T/1m5"
is "no conf/ record and routes: the * route's applies" "$? $(spool)" "0 0 1"
