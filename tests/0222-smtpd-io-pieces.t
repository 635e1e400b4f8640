#!/bin/sh
# smarthost-smtpd's I/O layer (lib/netio) over any cutting of the input: a
# pipelined session with hostile lines in it (an overlong command, a NUL,
# a bare CR, a body with a bare CR and an LF.LF smuggling attempt, a
# dot-stuffed line) gets the same
# replies, and the same message queued, whether it arrives in one write,
# one byte per write, or cut at random places. Peer: tests/peers/splitsmtp.py.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
N=$(rounds 20)
plan 9

SMTPD_MAXERRORS=100
export SMTPD_MAXERRORS
{
  printf 'EHLO client.test\r\n'
  printf 'NOOP %0600d\r\n' 0
  printf 'NO\000OP\r\n'
  printf 'NO\rOP\r\n'
  printf 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n'
  printf 'Subject: bare\r\n\r\nline\rbare\r\n\n.\nMAIL FROM:<smuggled@example.org>\r\n.\r\n'
  printf 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n'
  printf 'Subject: ok\r\n\r\nhello\r\n..stuffed\r\n.\r\n'
  printf 'QUIT\r\n'
} > "$T/session"
split() { "$PY" "$TOP/tests/peers/splitsmtp.py" "$PORT" "$1" "$T/session"; }

start_smtpd relay
ok "the session in one write" split 0 > "$T/whole"
whole=$(cat "$T/whole")
like "the overlong command is refused" "$whole" '^500 5\.5\.2 line too long'
is "the NUL and the bare CR in commands are refused" "$(grep -c '^501 5\.5\.2 bare CR or NUL' "$T/whole")" 2
like "the body with a bare CR (and a smuggled LF.LF) is refused" "$whole" '^554 5\.6\.0 message refused: bare CR'
like "the good one is queued" "$whole" '^250 2\.0\.0 Ok: queued as ID'
like "and the session ends with 221" "$(tail -1 "$T/whole")" '^221 '

ok "one byte per write: the same replies" sh -c "\"\$PY\" \"\$TOP/tests/peers/splitsmtp.py\" $PORT -1 \"$T/session\" | cmp -s - \"$T/whole\""

bad=0 i=1
while [ $i -le "$N" ]; do
  split "$i" > "$T/cut" && cmp -s "$T/cut" "$T/whole" || { bad=$((bad+1)); diff "$T/whole" "$T/cut" | head -5 | sed 's/^/# /'; }
  i=$((i+1))
done
is "$N random cuttings: the same replies" "$bad" 0
# one message per session, each with its dot unstuffed and nothing else
is "every session queued its message, each with the dot-stuffed line restored" \
  "$(cat "$Q"/new/* 2>/dev/null | grep -c '^\.stuffed')" "$((N + 2))"
