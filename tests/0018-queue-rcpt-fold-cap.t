#!/bin/sh
# smarthost-queue: a recipient given more than once is written once (the
# first of each, addr_same(): domain without case, local part as is), and
# a message has at most 100,000 distinct recipients (QUEUE_RCPT_MAX): one
# more is exit 12, permanent, with nothing left in new/ or tmp/.
. "$(dirname "$0")/lib.sh"
plan 9

test_spool
printf 'Subject: t\n\nx\n' > "$T/msg"
clean() { [ -z "$(ls -A "$Q/new")$(ls -A "$Q/tmp")" ]; }

{ printf 'Fa@example.org\0'
  for i in 1 2 3 4 5 6 7 8; do printf 'Tsame@example.net\0'; done
  printf 'TSame@example.net\0Tsame@EXAMPLE.NET\0Tother@example.net\0Tsame@example.net\0\0'; } > "$T/env"
ok "eight copies of a recipient, and variants" sh -c 'smarthost-queue < "$1" 1< "$2"' x "$T/msg" "$T/env"
is "each mailbox once, the first spelling, in order" "$(grep '^T' "$Q"/new/*)" "T same@example.net
T Same@example.net
T other@example.net"
rm -f "$Q"/new/*

# envelope N EXTRA: N distinct recipients, then EXTRA duplicates of the first
envelope()
{
  "$PY" -c '
import sys
n, extra = int(sys.argv[1]), int(sys.argv[2])
out = [b"Fa@example.org\0"] + [b"Tu%d@example.org\0" % i for i in range(n)]
out += [b"Tu0@Example.Org\0"] * extra + [b"\0"]
sys.stdout.buffer.write(b"".join(out))' "$1" "$2" > "$T/env"
}
envelope 100000 50
ok "100,000 distinct recipients (and 50 duplicates): accepted" sh -c 'smarthost-queue < "$1" 1< "$2"' x "$T/msg" "$T/env"
is "... with 100,000 T lines" "$(grep -c '^T' "$Q"/new/*)" 100000
rm -f "$Q"/new/*
envelope 100001 0
sh -c 'smarthost-queue < "$1" 1< "$2"' x "$T/msg" "$T/env" 2> "$T/err"; r=$?
is "100,001: exit 12 (permanent)" "$r" 12
like "... saying why and what to do" "$(cat "$T/err")" 'fatal: more than 100000 recipients: split the message'
ok "... nothing in new/ or tmp/" clean
ok "the cap is the documented constant" grep -q '100,000\|100000' "$TOP/man/smarthost-queue.8"
ok "and exit 12 is in the man page" grep -q '^12$' "$TOP/man/smarthost-queue.8"
