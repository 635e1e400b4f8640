#!/bin/sh
# smarthost-sendmail on the spool through queue/ only: -q pokes the trigger
# with queue_trigger_kick (a link or a plain file as trigger is refused and
# nothing is written through it; no reader is a warning, exit 0), and the
# listing reads state files with queue_state_read (a FIFO under a state
# file's name is malformed, never a hang; a done recipient is matched as
# addr_same says, the domain without case).
. "$(dirname "$0")/lib.sh"
plan 10

test_spool
export DEFAULTDOMAIN=site.example

# -q with nobody reading: a warning, exit 0.
out=$(smarthost-sendmail -q 2>&1); r=$?
is "-q without a reader: exit 0" "$r" 0
like "... and says smarthost-send is not running" "$out" "trigger has no reader: smarthost-send is not running"

# The trigger a link to a file, then a plain file: refused, nothing written.
printf 'precious\n' > "$T/victim"
rm "$Q/trigger" && ln -s "$T/victim" "$Q/trigger"
fails_with 111 "-q: a trigger that is a link is refused" sh -c 'smarthost-sendmail -q 2>/dev/null'
is "... the file it names is unchanged" "$(cat "$T/victim")" "precious"
rm "$Q/trigger" && : > "$Q/trigger"
fails_with 111 "-q: a trigger that is no FIFO is refused" sh -c 'smarthost-sendmail -q 2>/dev/null'
is "... and gets nothing" "$(wc -c < "$Q/trigger")" 0
rm "$Q/trigger" && mkfifo "$Q/trigger"

# A FIFO where a state file should be: listed at once, all recipients shown.
now=$(date +%s)
id1="$((now - 100)).000000001.0000000001"
id2="$((now - 90)).000000002.0000000002"
printf 'F a@example.org\nT b@example.net\nT c@example.net\n\nx\n' > "$Q/cur/$id1"
mkfifo "$Q/state/$id1"
timeout 10 smarthost-mailq > "$T/out" 2> "$T/err"
is "a FIFO as state file: the listing ends (no hang)" "$?" 0
like "... naming the state file malformed" "$(cat "$T/err")" "state/$id1 is malformed"
like "... every recipient listed" "$(grep "^$id1" "$T/out")" "<b@example.net> <c@example.net>"

# done for B@EXAMPLE.NET hides b@example.net (the domain without case).
printf 'F a@example.org\nT b@example.net\nT c@example.net\n\nx\n' > "$Q/cur/$id2"
printf 'done\tb@EXAMPLE.NET\t250\tok\ndefer\tc@example.net\t451\tlater\n' > "$Q/state/$id2"
like "a done recipient, its domain in another case, is not listed" "$(smarthost-mailq 2>/dev/null | grep "^$id2")" " <a@example.org> <c@example.net> 451 later\$"
