#!/bin/sh
# smarthost-sendmail against a spool with the real injector: -t (Bcc
# removed), -f, -F, -i/-oi, the fields sendmail adds, habitual options,
# refusals, and the injector's verdicts.
. "$(dirname "$0")/lib.sh"
plan 36

test_spool
export HELONAME=relay.example DEFAULTDOMAIN=site.example
unset SENDMAIL_FROM NAME 2>/dev/null

one() { cat "$Q"/new/*; }           # the one queued message
count() { ls "$Q/new" | wc -l; }
clear() { rm -f "$Q"/new/*; }
env_of() { sed '/^$/q' "$Q"/new/*; }   # envelope, with its blank line
body_of() { sed '1,/^$/d' "$Q"/new/*; }

# -t: To, Cc and Bcc (folded) give the recipients, in that order, with a
# command-line recipient first; Bcc is gone from the message.
printf 'To: Bob <bob@example.net>, "Doe, J" <jd@example.org> (comment)\r\nCc: team: a@example.com, b@example.com;\r\nBcc: hidden@example.org,\r\n  hidden2@example.org\r\nSubject: hi\r\n\r\nbody line\r\n' \
  > "$T/in1"
ok "-t accepted" smarthost-sendmail -t -f ann@site.example extra@example.com < "$T/in1"
is "-t envelope" "$(env_of)" "F ann@site.example
T extra@example.com
T bob@example.net
T jd@example.org
T a@example.com
T b@example.com
T hidden@example.org
T hidden2@example.org"
unlike "Bcc removed with its continuation" "$(body_of)" '^(Bcc|  hidden2)'
like "To kept as written" "$(body_of)" '^To: Bob <bob@example.net>, "Doe, J" <jd@example.org> \(comment\)$'
unlike "CRLF became LF" "$(od -c "$Q"/new/* | grep -F '\r')" '.'
like "Date added" "$(body_of)" '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4}$'
id=$(ls "$Q/new")
like "Message-ID added, naming the queue id" "$(body_of)" "^Message-ID: <$id@site.example>\$"
like "From added from -f" "$(body_of)" '^From: (.* )?<?ann@site.example>?$'
clear

# Fields already there are not added again; without -t the recipients are
# the arguments only.
printf 'From: Real <real@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <x@y>\nTo: nobody@example.org\nBcc: secret@example.org\n\nhello\n' > "$T/in2"
ok "plain recipients" smarthost-sendmail -oi -f '<real@example.org>' carol@example.com < "$T/in2"
is "envelope from the arguments and -f <...>" "$(env_of)" "F real@example.org
T carol@example.com"
is "message kept, Bcc removed even without -t" "$(body_of)" "From: Real <real@example.org>
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <x@y>
To: nobody@example.org

hello"
clear

# -F names the sender in the From field it adds; quoting where needed.
printf 'Subject: s\n\nx\n' | smarthost-sendmail -F 'Ann O. "Admin"' -f ann@site.example bob@example.net
like "-F in From" "$(body_of)" '^From: "Ann O\. \\"Admin\\"" <ann@site.example>$'
clear
printf 'Subject: s\n\nx\n' | smarthost-sendmail -F 'Cron Daemon' -f ann@site.example bob@example.net
like "-F plain name" "$(body_of)" '^From: Cron Daemon <ann@site.example>$'
clear
printf 'Subject: s\n\nx\n' | smarthost-sendmail -F "$(printf 'Evil\nBcc: x@y')" -f ann@site.example bob@example.net
is "-F with a newline cannot add a field" "$(body_of | grep -c '^Bcc')" 0
clear

# The null sender: -f '<>' (bounces from scripts); From names the user.
printf 'Subject: s\n\nx\n' | smarthost-sendmail -f '<>' bob@example.net
like "-f <> is the null sender" "$(env_of | head -1)" '^F $'
like "From names the user" "$(body_of)" "^From: .*<?$(id -un)@site.example>?\$"
clear

# Unqualified addresses get DEFAULTDOMAIN; the default sender is the user.
printf 'Subject: s\n\nx\n' | smarthost-sendmail root
is "default sender and qualified recipient" "$(env_of)" "F $(id -un)@site.example
T root@site.example"
clear
printf 'Subject: s\n\nx\n' | SENDMAIL_FROM=robot@site.example smarthost-sendmail bob@example.net
like "SENDMAIL_FROM is the default sender" "$(env_of | head -1)" '^F robot@site.example$'
clear

# Dots: without -i a lone dot ends the message; with -i or -oi it is text.
printf 'Subject: s\n\nbefore\n.\nafter\n' | smarthost-sendmail bob@example.net
is "a lone dot ends the message" "$(body_of | tail -1)" "before"
clear
printf 'Subject: s\n\nbefore\r\n.\r\nafter\n' | smarthost-sendmail -i bob@example.net
is "-i keeps the dot" "$(body_of | tail -2)" ".
after"
clear
printf 'Subject: s\n\n..\n.\nafter\n' | smarthost-sendmail -oi bob@example.net
is "-oi keeps dots as they are" "$(body_of | tail -3)" "..
.
after"
clear

# The body arrives byte for byte (8-bit bytes, no final LF), but for its
# lines over 998 octets, folded with LF SPACE (smarthost-sendmail(8)).
$PY -c 'import sys; sys.stdout.buffer.write(b"Subject: big\n\n" + b"x"*200000 + b"\n\xe9t\xe9 \x01\nlast")' > "$T/in3"
ok "long lines and 8-bit" smarthost-sendmail -i bob@example.net < "$T/in3"
$PY -c 'import sys; x = b"x"*200000; sys.stdout.buffer.write(x[:998] + b"".join(b"\n " + x[i:i+997] for i in range(998, 200000, 997)) + b"\n\xe9t\xe9 \x01\nlast\n")' > "$T/want3"
body_of | sed '1,/^$/d' > "$T/got3"
ok "body byte-exact but for the folds (final LF added)" cmp "$T/got3" "$T/want3"
clear

# A message with no header at all gets one, and the blank line.
printf 'just text\nmore\n' | smarthost-sendmail bob@example.net
like "no header: separator added" "$(body_of | sed -n '/^$/,$p' | head -2 | tail -1)" '^just text$'
clear

# Habitual options are accepted and ignored.
ok "habitual options" sh -c 'printf "Subject: s\n\nx\n" | smarthost-sendmail -odi -oem -U -v -B8BITMIME -N never -i -- bob@example.net'
is "one message queued" "$(count)" 1
clear

# Refusals: nothing is queued.
fails_with 100 "no recipients" sh -c 'printf "Subject: s\n\nx\n" | smarthost-sendmail -t 2>/dev/null'
fails_with 100 "control character in a recipient" sh -c "printf 'x\n' | smarthost-sendmail \"\$(printf 'a\001b@example.com')\" 2>/dev/null"
fails_with 100 "unknown option" sh -c 'smarthost-sendmail -Z x </dev/null 2>/dev/null'
is "nothing queued by refusals" "$(count)" 0
ok "-bi (newaliases) is a no-op" smarthost-sendmail -bi

# The injector's verdict decides the exit code (qmail-queue's table).
out=$(printf 'x\n' | env -u QUEUE smarthost-sendmail bob@example.net 2>&1); r=$?
is "spool not configured: temporary (111)" "$r" 111
like "and says so" "$out" 'not queued: 4[0-9][0-9] '
printf '#!/bin/sh\ncat >/dev/null; exit 31\n' > "$T/qq31"; chmod 755 "$T/qq31"
fails_with 100 "injector refuses (31): permanent" sh -c "printf 'x\n' | QMAILQUEUE=$T/qq31 smarthost-sendmail bob@example.net 2>/dev/null"

# -q: a byte on the trigger, not NUL (NUL says "new mail"; others "retry now").
( head -c 1 "$Q/trigger" > "$T/poked" ) & reader=$!
sleep 0.2
ok "-q" smarthost-sendmail -q
wait_for 5 test -s "$T/poked"
kill $reader 2>/dev/null
is "-q wrote a newline to the trigger" "$(od -An -c "$T/poked" | tr -d ' ')" '\n'
