#!/bin/sh
# smarthost-smtpd: DATA. Only CRLF.CRLF ends it (SMTP smuggling, 2023); bare
# CR, bare LF, NUL, long lines and oversize messages refuse the whole message.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 36

# the strict mode, for a relay client too (0220 tests the normalize mode)
DATABYTES=3000 SMTPD_NORMALIZE=none
export DATABYTES SMTPD_NORMALIZE
start_smtpd relay

# send BODY after MAIL/RCPT/DATA; print the reply to the end of data
data_reply()
{
  raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' "$1" 'QUIT\r\n' \
    > "$T/out"
  grep -v '^250-' "$T/out" | sed -n 6p
}

SMUGGLED='MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nsmuggled\r\n'
for seq in 'LF.CRLF:\n.\r\n' 'CR.CR:\r.\r' 'LF.LF:\n.\n' 'CRLF.LF:\r\n.\n' 'CR.CRLF:\r.\r\n' 'CRLF.CR:\r\n.\r'; do
  name=${seq%%:*} bytes=${seq#*:}
  rep=$(data_reply "Subject: s\\r\\n\\r\\nfirst$bytes$SMUGGLED\\r\\n.\\r\\n")
  like "$name does not end DATA; the message is refused" "$rep" '^554 5\.6\.0 .*bare CR, bare LF'
  like "$name: the session goes on in step" "$(tail -1 "$T/out")" '^221 2\.0\.0'
done
is "no smuggled message queued" "$(spool_count new)" 0

rep=$(data_reply 'a bare\rCR\r\n.\r\n');   like "bare CR refused" "$rep" '^554 5\.6\.0'
rep=$(data_reply 'a bare\nLF\r\n.\r\n');   like "bare LF refused" "$rep" '^554 5\.6\.0'
rep=$(data_reply 'a NUL\000\r\n.\r\n');    like "NUL refused" "$rep" '^554 5\.6\.0'
rep=$(data_reply 'a final bare LF\n.\r\n.\r\n'); like "bare LF before the dot refused" "$rep" '^554 5\.6\.0'
is "nothing queued from malformed DATA" "$(spool_count new)" 0

l998=$(head -c 998 /dev/zero | tr '\0' x)
rep=$(data_reply "x${l998}\\r\\n.\\r\\n")
like "a 999-octet line is refused" "$rep" '^554 5\.6\.0 .*998 octets'
rep=$(data_reply "${l998}\\r\\n.\\r\\n")
like "a 998-octet line is accepted" "$rep" '^250 2\.0\.0 Ok: queued as'
is "one message queued" "$(spool_count new)" 1
id=$(printf '%s\n' "$rep" | sed 's/.* //')
is "the long line is stored whole" "$(tail -n 1 "$Q/new/$id" | wc -c | tr -d ' ')" 999

# over DATABYTES: read to the end, then 552; nothing queued; the session goes on
big=$(head -c 3100 /dev/zero | tr '\0' y | fold -w 70 | sed 's/$/\\r\\n/' | tr -d '\n')
rep=$(data_reply "${big}.\\r\\n")
like "a message over DATABYTES gets 552 after the dot" "$rep" '^552 5\.3\.4 '
like "then the session goes on" "$(tail -1 "$T/out")" '^221 2\.0\.0'
is "nothing queued over the limit" "$(spool_count new)" 1

# the end of data and a pipelined QUIT in one write: both answered
out=$(raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' \
  '@2 x\r\n.\r\nQUIT\r\n')
like "message with pipelined QUIT: 250" "$(grep -v '^250-' <<EOF2 | sed -n 6p
$out
EOF2
)" '^250 2\.0\.0 Ok'
like "and 221" "$out" '^221 2\.0\.0'
is "two messages queued" "$(spool_count new)" 2

# the upstream's SIZE, recorded by smarthost-remote, lowers the limit
echo 500 > "$Q/upstream-size"
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org> SIZE=600\r\n' 'MAIL FROM:<a@example.org> SIZE=400\r\n' 'QUIT\r\n')
like "EHLO advertises the upstream's smaller SIZE" "$out" '^250-SIZE 500$'
like "SIZE= over it: 552 at MAIL" "$out" '^552 5\.3\.4 '
like "SIZE= under it: 250" "$out" '^250 2\.1\.0'
rep=$(data_reply "${big}.\\r\\n")
like "DATA over the upstream's limit: 552" "$rep" '^552 5\.3\.4 .* 500 octets'
rm "$Q/upstream-size"

# a client that goes away in DATA leaves nothing in the spool
raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' '@0 half a message\r\n' >/dev/null
ok "the smtpd says it dropped the message" wait_for 10 grep -q 'disconnected in DATA, nothing queued' "$T/log"
ok "the smtpd has exited (after reaping its injector)" wait_for 10 sh -c "! pgrep -P $SPAWNED >/dev/null"
is "nothing in new/ from the cut message" "$(spool_count new)" 2
is "nothing left in tmp/" "$(spool_count tmp)" 0
