#!/bin/sh
# The setuid injector against what its caller sets before exec, as a
# member of the instance's group (a user the test makes and removes):
# a file size limit (RLIMIT_FSIZE) made the kernel kill it with SIGXFSZ
# mid-write, leaving tmp/ID, which the caller cannot remove and nothing
# did for 36 hours (a way to fill the spool's disk with files nobody
# sees). Now the write fails (exit 53) and tmp/ID is removed. Also: closed
# standard descriptors, a descriptor limit that fails the commit, and a
# huge file limit with a message past it: nothing is left in tmp/ or new/.
. "$(dirname "$0")/lib.sh"

command -v bash > /dev/null || { plan 1; skip "caller limits" "needs bash (ulimit -f, -n)"; exit 0; }
setuid_member "caller limits" 11 smarthost-t33
printf 'Subject: x\n\nhello\n' > "$T/msg"
head -c 300000 /dev/zero | tr '\0' 'a' | fold -w 70 > "$T/big"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
chmod 644 "$T/msg" "$T/big" "$T/env"
spool() { echo "$(ls -A "$Q/tmp" | wc -l) $(ls -A "$Q/new" | wc -l)"; }
# inject LIMITS MESSAGE: the injector run by the attacker under bash's ulimit
inject() { as_a bash -c "$1"'; exec "$1" < "$2" 1< "$3"' x "$D/bin/smarthost-queue" "$2" "$T/env" 2> "$T/err"; }

inject 'ulimit -f 0' "$T/msg"
is "RLIMIT_FSIZE 0: exit 53 (a write error), not killed by SIGXFSZ" "$?" 53
is "... nothing left in tmp/ or new/" "$(spool)" "0 0"
inject 'ulimit -f 100' "$T/big"
is "RLIMIT_FSIZE under the message's size: exit 53" "$?" 53
is "... nothing left" "$(spool)" "0 0"
inject 'trap "" XFSZ; ulimit -f 100' "$T/big"
is "... the same with SIGXFSZ ignored by the caller" "$? $(spool)" "53 0 0"
inject 'ulimit -n 5' "$T/msg"
fails "RLIMIT_NOFILE 5 (no descriptor for new/'s fsync): a failure" test "$?" = 0
is "... nothing left (the renamed file taken back)" "$(spool)" "0 0"
as_a sh -c '"$1" <&- 1<&- 2>&-' x "$D/bin/smarthost-queue"
is "closed 0, 1, 2: exit 54 (nothing to read)" "$?" 54
is "... nothing left" "$(spool)" "0 0"
inject 'ulimit -f unlimited' "$T/big"
is "without limits the same message is queued" "$? $(spool)" "0 0 1"
is "... whole" "$(tail -n +4 "$Q/new/"* | cmp - "$T/big" && echo same)" same
