#!/bin/sh
# mailq shows addresses in the one printable form of the logs (lib/
# printable.h): a CSI (0x9b, the one-byte ESC [) or any 8-bit byte in a
# queued address never reaches the terminal raw. (The injector refuses
# control characters below 0x20 in addresses; replies are made printable
# on the way in, and again here.)
. "$(dirname "$0")/lib.sh"
plan 5

test_spool
export LC_ALL=C
now=$(date +%s)
id="$((now - 100)).000000001.0000000001"
printf 'F ev\233\062Jil@example.org\nT bob\233\061;31m@example.net\nT caf\351@example.net\nT plain@example.net\n\nSubject: x\n\nx\n' > "$Q/cur/$id"
printf 'done\tplain@example.net\t250\tok\ndefer\tcaf\351@example.net\t451\t4.4.1 \033]0;title\007later\n' > "$Q/state/$id"

smarthost-mailq > "$T/out"
is "no byte outside 0x20-0x7e but the line ends" "$(tr -d '\n\040-\176' < "$T/out" | wc -c)" 0
like "the sender, escape made '?'" "$(cat "$T/out")" "<ev\\?2Jil@example.org>"
like "the CSI recipient" "$(cat "$T/out")" "<bob\\?1;31m@example.net>"
like "the 8-bit recipient, still pending" "$(cat "$T/out")" "<caf\\?@example.net> 451"
unlike "the delivered recipient is not listed" "$(cat "$T/out")" "plain@example.net"
