#!/bin/sh
# The queue listing run as root (DIR/bin/mailq) against what the smtpd's
# user may put under an id into new/ (queue/README.md, the privilege
# model): a directory, a FIFO whose writer it holds open, and links to
# files only root may read, one shaped like a message file. Before, the
# directory or the FIFO ended the listing with a fatal error, and a link
# was followed: root's listing showed the size of /etc/shadow and the
# addresses of the file it named. Now each is listed as what it is, and
# the real message is listed.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then plan 1; skip "planted entries" "needs root (service users)"; exit 0; fi
plan 7

chmod 755 "$T"
D=$T/inst
smarthost-setup "$D" > /dev/null 2>&1 || { echo "Bail out! setup failed"; exit 1; }
Q=$D/queue
smtpd_u=$(cat "$D/conf/SMTPD_USER") spool_g=$(cat "$D/conf/SPOOL_GROUP")
as_smtpd() { setpriv --reuid="$smtpd_u" --regid="$spool_g" --clear-groups "$@"; }

printf 'Subject: real\n\nreal\n' > "$T/msg"
printf 'Freal@example.org\0Tfriend@example.net\0\0' > "$T/env"
QUEUE=$Q smarthost-queue < "$T/msg" 1< "$T/env" || exit 1
printf 'F root-only@example.org\nT secret-rcpt@example.net\n\nroot only\n' > "$T/rootfile"
chmod 600 "$T/rootfile"

id=1795816346.549471893.00000000
as_smtpd mkdir "$Q/new/${id}01"
as_smtpd mkfifo "$Q/new/${id}02"
as_smtpd ln -s "$T/rootfile" "$Q/new/${id}03"
as_smtpd ln -s /etc/shadow "$Q/new/${id}04"
# a writer held open on the FIFO: a non-blocking read gets EAGAIN
spawn setpriv --reuid="$smtpd_u" --regid="$spool_g" --clear-groups \
  sh -c 'exec 3<> "$1"; exec sleep 60' x "$Q/new/${id}02"
holder=$SPAWNED
wait_for 20 sh -c "ls -l /proc/$holder/fd 2>/dev/null | grep -q '${id}02'"

"$D/bin/mailq" > "$T/out" 2> "$T/err"
is "mailq as root: exit 0" "$?" 0
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
like "the real message is listed" "$(cat "$T/out")" "<real@example.org> <friend@example.net> \(new\)"
is "the four planted entries are named as not message files" \
  "$(grep -c "^${id}0[1-4] .* 0 (not a message file" "$T/out")" 4
unlike "no address from the file a link names" "$(cat "$T/out")" "root-only|secret-rcpt"
unlike "no size of /etc/shadow" "$(grep "^${id}04" "$T/out")" " $(stat -c %s /etc/shadow) "
is "the total counts all of them" "$(tail -n 1 "$T/out")" "-- 5 messages"
is "nothing on stderr" "$(cat "$T/err")" ""
