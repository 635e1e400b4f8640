#!/bin/sh
# smarthost-smtpd: a recipient already in the envelope (the same mailbox
# by addr_same: domain without case, local part as is) is answered 250 but
# stored once, and does not count against SMTPD_MAXRCPT.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 9

envelope() { sed '/^$/q' "$Q/new/$1"; }
queued_id() { printf '%s\n' "$1" | sed -n 's/^<*-* *250 2\.0\.0 Ok: queued as //p'; }

start_smtpd relay
# swaks, an independent client, sends the same recipient 8 times
to=b@example.net
for i in 2 3 4 5 6 7 8; do to=$to,b@example.net; done
out=$(swaks --server "127.0.0.1:$PORT" --from a@example.org --to "$to" 2>&1)
is "8 identical RCPTs: 8 times 250" "$(printf '%s\n' "$out" | grep -c '^<-  250 2\.1\.5 ')" 8
id=$(queued_id "$out")
ok "the message is queued" test -n "$id" -a -f "$Q/new/$id"
is "with one T line" "$(envelope "$id" | grep -c '^T ')" 1
is "for that recipient" "$(envelope "$id" | grep '^T ')" "T b@example.net"

# the domain's case does not make a new mailbox; the local part's does
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' 'RCPT TO:<b@example.net>\r\n' \
  'RCPT TO:<b@EXAMPLE.NET>\r\n' 'RCPT TO:<B@example.net>\r\n' 'DATA\r\n' 'x\r\n.\r\n' 'QUIT\r\n')
id=$(queued_id "$out")
is "b@EXAMPLE.NET is b@example.net, B@example.net is another mailbox" \
  "$(envelope "$id" | grep '^T ' | tr '\n' ' ')" "T b@example.net T B@example.net "

# duplicates are not counted against the limit
SMTPD_MAXRCPT=3
export SMTPD_MAXRCPT
start_smtpd relay
set -- 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n'
for r in b c d b c d b c d b c d d d d; do set -- "$@" "RCPT TO:<$r@example.net>\\r\\n"; done
out=$(raw "$@" 'RCPT TO:<e@example.net>\r\n' 'DATA\r\n' 'x\r\n.\r\n' 'QUIT\r\n')
is "3 recipients and 12 duplicates under SMTPD_MAXRCPT=3: 15 times 250" "$(printf '%s\n' "$out" | grep -c '^250 2\.1\.5 ')" 15
like "a 4th mailbox is over the limit" "$out" '^452 4\.5\.3 too many recipients'
id=$(queued_id "$out")
ok "the message is queued" test -n "$id" -a -f "$Q/new/$id"
is "with the 3 mailboxes, once each" "$(envelope "$id" | grep '^T ' | tr '\n' ' ')" "T b@example.net T c@example.net T d@example.net "
