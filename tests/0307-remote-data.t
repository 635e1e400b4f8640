#!/bin/sh
# The DATA stream on the wire: LF to CRLF, CRLF kept, CR CR LF never
# written, dot-stuffing; with PIPELINING, MAIL, every RCPT and DATA in one
# write; the final dot in the same write as the last of the body.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 9

export HELONAME=relay.test UPSTREAM_TLS=none UPSTREAM_TIMEOUT=5
script()
{
  cat <<EOF2
> 220 up.test
< EHLO relay\.test
> 250-up.test
> 250 PIPELINING
< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< RCPT TO:<c@example\.net>
< DATA
> 250 ok
> 250 ok
> 250 ok
> 354 go
data $T/$1.got
> 250 ok
< QUIT
> 221 bye
EOF2
}

# LF lines, a CRLF line, a CR CR LF line, a bare CR (a line end, as a bare
# LF is), CR . CR (the dot stuffed, never an end of data), dots, no final LF
printf 'A: b\n\nlf\r\ncrlf\r\r\ncrcrlf\rbare\n.\n..two\n.dot\ncr\r.\rsmuggle\nlast' > "$T/body"
printf 'A: b\r\n\r\nlf\r\ncrlf\r\ncrcrlf\r\nbare\r\n..\r\n...two\r\n..dot\r\ncr\r\n..\r\nsmuggle\r\nlast\r\n' > "$T/want"
script conv > "$T/conv.script"
start_scripted conv
printf 'T\n' | make_msg "$T/m" a@example.org b@example.net c@example.net
cat "$T/body" >> "$T/m"
printf 'M %s\nR b@example.net\nR c@example.net\n.\n' "$T/m" | UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w > "$T/res"
is "the script ran through" "$(scripted_done conv)" done
printf 'T\r\n' > "$T/want2"; cat "$T/want" >> "$T/want2"
ok "the body on the wire: CRLF, stuffed, no CR CR LF" cmp "$T/conv.got" "$T/want2"
fails "no CR CR LF anywhere in it" grep -q "$(printf '\r\r')" "$T/conv.got"
ok "no bare CR in it" $PY -c 'import re, sys; sys.exit(re.search(rb"\r(?!\n)", open(sys.argv[1], "rb").read()) is not None)' "$T/conv.got"
is "both recipients ok" "$(grep -c '	ok	250	' "$T/res")" 2

if strace -o /dev/null true 2>/dev/null; then
  script small > "$T/small.script"
  start_scripted small
  printf 'x\ny\n' | UPSTREAM="127.0.0.1:$PORT" strace -o "$T/tr" -s 4096 -e trace=write \
    smarthost-remote -f a@example.org b@example.net c@example.net > /dev/null
  like "MAIL, RCPT, RCPT and DATA in one write" "$(cat "$T/tr")" \
    'write\([0-9]+, "MAIL FROM:<a@example.org>\\r\\nRCPT TO:<b@example.net>\\r\\nRCPT TO:<c@example.net>\\r\\nDATA\\r\\n", '
  like "a small body and its dot in one write" "$(cat "$T/tr")" 'write\([0-9]+, "x\\r\\ny\\r\\n.\\r\\n", 9\)'

  script big > "$T/big.script"
  start_scripted big
  head -c 300000 /dev/zero | tr '\0' 'a' | fold -w 70 > "$T/bigbody"
  UPSTREAM="127.0.0.1:$PORT" strace -o "$T/tr2" -e trace=write \
    smarthost-remote -f a@example.org b@example.net c@example.net < "$T/bigbody" > /dev/null
  is "a big body: sent" "$(scripted_done big)" done
  unlike "a big body: the dot never goes alone" "$(cat "$T/tr2")" 'write\([0-9]+, "\.\\r\\n", 3\)'
else
  for i in 1 2 3 4; do skip "write boundaries" "strace does not run here"; done
fi
