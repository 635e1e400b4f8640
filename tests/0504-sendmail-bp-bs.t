#!/bin/sh
# smarthost-sendmail -bp and smarthost-mailq: one line per message from the
# spool and its state files; -bs: SMTP on stdin/stdout through smarthost-smtpd.
. "$(dirname "$0")/lib.sh"
plan 14

test_spool
export DEFAULTDOMAIN=site.example

is "empty queue" "$(smarthost-sendmail -bp)" "queue is empty"

# Three messages: one new, one taken and partly delivered, one taken and
# not tried yet. Ids are old enough to show an age in hours.
now=$(date +%s)
id1="$((now - 7300)).000000001.0000000001"
id2="$((now - 7200)).000000002.0000000002"
id3="$((now - 30)).000000003.0000000003"
printf 'F alice@example.org\nT bob@example.net\n\nSubject: one\n\nx\n' > "$Q/new/$id1"
printf 'F carol@example.org\nT dave@example.net\nT erin@example.com\nT frank@example.com\n\nSubject: two\n\nhello\n' > "$Q/cur/$id2"
printf 'attempts\t2\nnext\t%s\nwarned\t0\ndone\tdave@example.net\t250\tok\ndefer\terin@example.com\t451\t4.7.1 greylisted, try later\nfail\tfrank@example.com\t550\t5.1.1 no such user\n' "$now" > "$Q/state/$id2"
printf 'F \nT gina@example.net\n\nbounce\n' > "$Q/cur/$id3"
printf 'not a message\n' > "$Q/new/garbage"

out=$(smarthost-sendmail -bp)
is "one line per message, then a count" "$(printf '%s\n' "$out" | wc -l)" 4
line1=$(printf '%s\n' "$out" | sed -n 1p)
line2=$(printf '%s\n' "$out" | sed -n 2p)
line3=$(printf '%s\n' "$out" | sed -n 3p)
like "oldest first, new: id, age, size, sender, recipient" "$line1" "^$id1 2h1m 16 <alice@example.org> <bob@example.net> \\(new\\)\$"
like "partly delivered: only the pending recipient" "$line2" "^$id2 2h0m 20 <carol@example.org> <erin@example.com> 451 4.7.1 greylisted, try later\$"
like "null sender, not tried yet" "$line3" "^$id3 [0-9]+s 7 <> <gina@example.net> \\(not tried yet\\)\$"
is "the count" "$(printf '%s\n' "$out" | tail -n 1)" "-- 3 messages"
# the ages may have moved on by a second between two listings: compare without them
noage() { cut -d' ' -f1,3-; }
is "smarthost-mailq prints the same" "$(smarthost-mailq | noage)" "$(printf '%s\n' "$out" | noage)"
ln -s "$BUILD/smarthost-sendmail" "$T/mailq"
is "so does sendmail called mailq" "$("$T/mailq" | noage)" "$(printf '%s\n' "$out" | noage)"
fails_with 100 "-bp without QUEUE" sh -c 'env -u QUEUE smarthost-sendmail -bp 2>/dev/null'

# -bs: smarthost-smtpd on stdin/stdout, allowed to relay.
if [ -x "$BUILD/smarthost-smtpd" ]; then
  rm -f "$Q"/new/* "$Q"/cur/*
  printf 'EHLO local\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: bs\r\n\r\nvia -bs\r\n.\r\nQUIT\r\n' \
    | HELONAME=relay.test smarthost-sendmail -bs > "$T/bs.out" 2> "$T/bs.err"
  out=$(tr -d '\r' < "$T/bs.out")
  like "-bs greets" "$out" '^220 '
  like "-bs: RCPT accepted (relay allowed)" "$out" '^250 .*queued'
  like "-bs: 221 at QUIT" "$out" '^221 '
  is "-bs: one message queued" "$(ls "$Q/new" | wc -l)" 1
  like "-bs: the message" "$(cat "$Q"/new/*)" 'via -bs'
else
  for i in 1 2 3 4 5; do skip "-bs" "smarthost-smtpd not built yet"; done
fi
