#!/bin/sh
# smarthost-smtpd: replies to a pipelined group leave in one write (RFC 2920, under strace),
# and a command line far over 512 octets is refused without being stored.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 5

PORT=$(free_port)
echo '127.0.0.1:allow,RELAYCLIENT=""' > "$T/rules"
tcprules "$T/rules.cdb" "$T/rules.tmp" < "$T/rules"
spawn strace -f -qq -s 300 -e trace=write -o "$T/strace" \
  tcpserver -q -R -H -l0 -x "$T/rules.cdb" 127.0.0.1 "$PORT" smarthost-smtpd 2>>"$T/log"
wait_port "$PORT"
# strace detaches when killed: tcpserver, its child, is killed by PID too
tcppid=$(pgrep -P "$SPAWNED" -x tcpserver)
_tap_pids="$_tap_pids $tcppid"

out=$(raw 'EHLO c\r\n' \
  '@6 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nRCPT TO:<d@example.net>\r\nNOOP\r\nDATA\r\n' \
  'x\r\n.\r\n' 'QUIT\r\n')
like "the group is answered" "$out" '^354 '
ok "the six replies of the group, 354 included, were one write" \
  grep -q 'write(1, "250 2.1.0 Ok\\r\\n250 2.1.5 Ok\\r\\n250 2.1.5 Ok\\r\\n250 2.1.5 Ok\\r\\n250 2.0.0 Ok\\r\\n354 [^"]*\\r\\n", 108)' "$T/strace"
ok "the reply to the final dot is one write" grep -q 'write(1, "250 2.0.0 Ok: queued as [0-9.]*\\r\\n", 57)' "$T/strace"

# 100000 octets without a line end: read through, never stored, 500
big=$(head -c 100000 /dev/zero | tr '\0' A)
out=$(raw 'EHLO c\r\n' "NOOP $big\\r\\n" 'NOOP\r\n' 'QUIT\r\n')
like "a 100000-octet command gets 500 5.5.2" "$out" '^500 5\.5\.2 line too long'
like "and the session goes on" "$out" '^221 2\.0\.0'
