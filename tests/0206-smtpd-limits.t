#!/bin/sh
# smarthost-smtpd: limits at their edges. The size limit holds for what is
# sent upstream (our Received header included); SIZE= beyond 2^64 is over
# any limit; the largest SMTPD_TIMEOUT is a long timeout, not none or a
# deadline in the past (anything larger is refused: 0217).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 7

start_smtpd relay

# the upstream takes 500 octets; smarthost-remote declares SIZE= for the
# whole file (Received header included, LF counted as CRLF)
echo 500 > "$Q/upstream-size"
line=$(head -c 78 /dev/zero | tr '\0' z)
body=''
for i in 1 2 3 4 5; do body="$body$line\\r\\n"; done
out=$(raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' "$body.\\r\\n" 'QUIT\r\n')
like "400 octets plus the Received header, over the upstream's 500: 552" "$(sed -n '/^354 /{n;p;q}' <<EOF
$out
EOF
)" '^552 5\.3\.4 '
is "nothing queued over the upstream's limit" "$(spool_count new)" 0

out=$(raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' 'short\r\n.\r\n' 'QUIT\r\n')
like "a short message is still accepted" "$out" '^250 2\.0\.0 Ok: queued as'
f=$Q/new/$(printf '%s\n' "$out" | sed -n 's/^250 2\.0\.0 Ok: queued as //p')
wire=$(sed '1,/^$/d' "$f" | awk '{ n += length($0) + 2 } END { print n }')
ok "what goes upstream fits the upstream's limit ($wire)" test "${wire:-999}" -le 500
rm "$Q/upstream-size"

out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org> SIZE=99999999999999999999\r\n' 'QUIT\r\n')
like "SIZE= beyond 2^64: 552 5.3.4, not a syntax error" "$out" '^552 5\.3\.4 '

SMTPD_TIMEOUT=100000000
export SMTPD_TIMEOUT
start_smtpd relay
# a client that thinks a moment before each command (the smtpd is then
# waiting in poll, where a deadline in the past would end the session)
out=$("$PY" - "$PORT" <<'EOF' 2>/dev/null
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10)
f = s.makefile("rb")
print(f.readline().decode().rstrip())
for cmd in (b"EHLO c\r\n", b"QUIT\r\n"):
    time.sleep(0.5)
    s.sendall(cmd)
    while True:
        line = f.readline().decode().rstrip()
        print(line)
        if len(line) < 4 or line[3] != "-":
            break
EOF
)
like "SMTPD_TIMEOUT=100000000: the session works" "$out" '^250 ENHANCEDSTATUSCODES'
unlike "and does not time out at once" "$out" '^421 '
