#!/bin/sh
# smarthost-smtpd: DSN (RFC 3461). EHLO offers it; RET and ENVID on MAIL,
# NOTIFY and ORCPT on RCPT are checked (xtext, lengths, NEVER alone) and a
# bad one gets 501 5.5.4 naming it; what is taken goes into the spool as D
# lines (queue/README.md), the same whether the smtpd commits itself or
# through the injector (QMAILQUEUE).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 28

envelope() { sed '/^$/q' "$Q/new/$1"; }
queued_id() { printf '%s\n' "$1" | sed -n 's/^<*-* *250 2\.0\.0 Ok: queued as //p'; }
# the reply to one RCPT (or MAIL, with m) after EHLO and a plain MAIL
rcpt_reply() { raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' "RCPT TO:<b@example.net> $1\\r\\n" 'QUIT\r\n' | grep -v '^250-' | sed -n 4p; }
mail_reply() { raw 'EHLO c\r\n' "MAIL FROM:<a@example.org> $1\\r\\n" 'QUIT\r\n' | grep -v '^250-' | sed -n 3p; }

start_smtpd relay
# swaks, an independent client, sees the keyword
out=$(swaks --server "127.0.0.1:$PORT" --protocol ESMTP --quit-after EHLO 2>&1)
like "EHLO offers DSN (swaks)" "$out" '<-  250-DSN$'

# a transaction with every parameter; the spool keeps them in upper case
# as the client's values are (xtext passed on as it came)
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org> RET=hdrs ENVID=QQ+2B314 SIZE=10\r\n' \
  'RCPT TO:<b@example.net> NOTIFY=success,failure ORCPT=rfc822;b+40example.net\r\n' \
  'RCPT TO:<c@example.net> NOTIFY=NEVER\r\n' 'RCPT TO:<d@example.net>\r\n' \
  'RCPT TO:<B@EXAMPLE.net> ORCPT=rfc822;x@y NOTIFY=DELAY\r\n' 'RCPT TO:<b@EXAMPLE.net> NOTIFY=DELAY\r\n' \
  'DATA\r\n' 'Subject: x\r\n\r\nx\r\n.\r\n' 'QUIT\r\n')
like "MAIL with RET, ENVID and SIZE: 250" "$out" '^250 2\.1\.0 Ok$'
is "every RCPT with NOTIFY and ORCPT: 250" "$(printf '%s\n' "$out" | grep -c '^250 2\.1\.5 ')" 5
id=$(queued_id "$out")
ok "the message is queued" test -n "$id" -a -f "$Q/new/$id"
is "the envelope holds the parameters as D lines, a duplicate's dropped with it" "$(envelope "$id")" "F a@example.org
D RET=HDRS ENVID=QQ+2B314
T b@example.net
D NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.net
T c@example.net
D NOTIFY=NEVER
T d@example.net
T B@EXAMPLE.net
D NOTIFY=DELAY ORCPT=rfc822;x@y"

# what a client gets for values RFC 3461 forbids
like "NOTIFY=NEVER with another: 501 5.5.4" "$(rcpt_reply NOTIFY=NEVER,SUCCESS)" '^501 5\.5\.4 bad NOTIFY value'
like "NOTIFY=BOGUS: 501 5.5.4" "$(rcpt_reply NOTIFY=BOGUS)" '^501 5\.5\.4 bad NOTIFY value'
like "NOTIFY= empty: 501" "$(rcpt_reply NOTIFY=)" '^501 5\.5\.4 bad NOTIFY value'
like "NOTIFY=SUCCESS,,DELAY: 501" "$(rcpt_reply NOTIFY=SUCCESS,,DELAY)" '^501 5\.5\.4 bad NOTIFY value'
like "NOTIFY without a value: 501" "$(rcpt_reply NOTIFY)" '^501 5\.5\.4 bad NOTIFY value'
like "NOTIFY twice: 501" "$(rcpt_reply 'NOTIFY=DELAY NOTIFY=SUCCESS')" '^501 5\.5\.4 NOTIFY given twice'
like "ORCPT without a type: 501" "$(rcpt_reply ORCPT=b@example.net)" '^501 5\.5\.4 bad ORCPT value'
like "ORCPT with a bad xtext escape: 501" "$(rcpt_reply 'ORCPT=rfc822;b+4@x')" '^501 5\.5\.4 bad ORCPT value'
like "ORCPT with an encoded control character: 501" "$(rcpt_reply 'ORCPT=rfc822;b+0A@x')" '^501 5\.5\.4 bad ORCPT value'
long=$(head -c 493 /dev/zero | tr '\0' a)
like "ORCPT of 500 characters: 250" "$(rcpt_reply "ORCPT=rfc822;$long")" '^250 2\.1\.5'
like "ORCPT of 501 characters: 501" "$(rcpt_reply "ORCPT=rfc822;a$long")" '^501 5\.5\.4 bad ORCPT value'
like "RET on RCPT: 555 (a MAIL parameter)" "$(rcpt_reply RET=FULL)" '^555 5\.5\.4 unsupported RCPT parameter'
like "an unknown RCPT parameter: still 555" "$(rcpt_reply FOO=1)" '^555 5\.5\.4 unsupported RCPT parameter'
like "RET=ALL: 501" "$(mail_reply RET=ALL)" '^501 5\.5\.4 bad RET value'
like "RET twice: 501" "$(mail_reply 'RET=FULL RET=HDRS')" '^501 5\.5\.4 RET given twice'
like "ENVID with a raw '=': 501" "$(mail_reply 'ENVID=a=b')" '^501 5\.5\.4 bad ENVID value'
like "ENVID empty: 501" "$(mail_reply 'ENVID=')" '^501 5\.5\.4 bad ENVID value'
envid=$(head -c 100 /dev/zero | tr '\0' e)
like "ENVID of 100 characters: 250" "$(mail_reply "ENVID=$envid")" '^250 2\.1\.0'
like "ENVID of 101 characters: 501" "$(mail_reply "ENVID=x$envid")" '^501 5\.5\.4 bad ENVID value'
like "NOTIFY on MAIL: 555" "$(mail_reply NOTIFY=NEVER)" '^555 5\.5\.4 unsupported MAIL parameter'
# a refused parameter refuses the command: the transaction goes on without it
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' 'RCPT TO:<b@example.net> NOTIFY=NO\r\n' \
  'RCPT TO:<c@example.net>\r\n' 'DATA\r\n' 'x\r\n.\r\n' 'QUIT\r\n')
id=$(queued_id "$out")
is "a recipient refused for its NOTIFY is not in the envelope" "$(envelope "$id" | grep '^[TD] ')" "T c@example.net"

# through the injector: the same lines
QMAILQUEUE=$BUILD/smarthost-queue
export QMAILQUEUE
start_smtpd relay
out=$(raw 'EHLO c\r\n' 'MAIL FROM:<a@example.org> ENVID=abc RET=FULL\r\n' \
  'RCPT TO:<b@example.net> ORCPT=rfc822;b@example.net NOTIFY=FAILURE,DELAY\r\n' 'RCPT TO:<c@example.net>\r\n' \
  'DATA\r\n' 'x\r\n.\r\n' 'QUIT\r\n')
id=$(queued_id "$out")
ok "through QMAILQUEUE: queued" test -n "$id" -a -f "$Q/new/$id"
is "through QMAILQUEUE: the same D lines" "$(envelope "$id")" "F a@example.org
D RET=FULL ENVID=abc
T b@example.net
D NOTIFY=FAILURE,DELAY ORCPT=rfc822;b@example.net
T c@example.net"
