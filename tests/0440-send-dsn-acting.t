#!/bin/sh
# smarthost-send: DSN (RFC 3461) for an upstream that does not offer it
# (the worker's S line does not say DSN): smarthost acts for it. NOTIFY
# chooses each recipient's reports: NEVER none, a bounce only with
# FAILURE, a delay warning only with DELAY (no NOTIFY: both), and SUCCESS
# a "relayed" report (section 6.2.1) once the upstream took the message.
# Every report carries Original-Envelope-Id and Original-Recipient from
# ENVID and ORCPT, decoded from xtext.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 30

# inject_dsn SENDER ENVID_DLINE RCPT DLINE [RCPT DLINE]...: "-" for no D field
inject_dsn()
{
  printf 'From: <%s>\nSubject: dsn test\n\nHello.\n' "$1" > "$T/msg.txt"
  { printf 'F%s\0' "$1"; [ "$2" = - ] || printf 'D %s\0' "$2"; shift 2
    while [ $# -ge 2 ]; do printf 'T%s\0' "$1"; [ "$2" = - ] || printf 'D %s\0' "$2"; shift 2; done
    printf '\0'; } > "$T/env.bin"
  smarthost-queue < "$T/msg.txt" 1< "$T/env.bin"
}
# the report delivered to SENDER: its delivery-status fields, one a line
report()
{
  id=$(awk -v s="$1" '$2 == s {print $1}' "$FAKE_DIR/delivered" | head -1)
  [ -n "$id" ] || return 1
  sed '1,/^$/d' "$FAKE_DIR/msg.$id" > "$T/report.eml"
  $PY - "$T/report.eml" <<'PYEOF'
import email, sys
m = email.message_from_file(open(sys.argv[1]))
print("SUBJECT", m["Subject"])
for block in m.get_payload()[1].get_payload():
    for k, v in block.items():
        print(k + ":", v)
PYEOF
}
nreports() { awk -v s="$1" '$2 == s' "$FAKE_DIR/delivered" | wc -l | tr -d ' '; }

start_send
# 1. failures: NEVER, SUCCESS only, FAILURE, and none
inject_dsn ok-s1@example.org 'RET=HDRS ENVID=QQ+2B314' \
  fail-never@example.net 'NOTIFY=NEVER' \
  fail-succ@example.net 'NOTIFY=SUCCESS' \
  fail-fail@example.net 'NOTIFY=FAILURE ORCPT=rfc822;orig+2Bfail@example.net' \
  fail-none@example.net -
ok "a bounce reaches the sender" wait_for 10 grep -q ' ok-s1@example.org$' "$FAKE_DIR/delivered"
ok "the message is finished" wait_for 10 queue_empty
rep=$(report ok-s1@example.org)
is "one bounce, for the two recipients that asked for failures" "$(printf '%s\n' "$rep" | grep -c '^Final-Recipient:')" 2
like "it names the one with NOTIFY=FAILURE" "$rep" '^Final-Recipient: rfc822; fail-fail@example.net$'
like "and the one without NOTIFY" "$rep" '^Final-Recipient: rfc822; fail-none@example.net$'
unlike "not the one with NOTIFY=NEVER" "$rep" 'fail-never'
unlike "nor the one with NOTIFY=SUCCESS alone" "$rep" 'fail-succ'
like "Original-Envelope-Id: the ENVID decoded" "$rep" '^Original-Envelope-Id: QQ\+314$'
like "Original-Recipient: the ORCPT decoded" "$rep" '^Original-Recipient: rfc822;orig\+fail@example.net$'
is "exactly one Original-Recipient (only that one gave ORCPT)" "$(printf '%s\n' "$rep" | grep -c '^Original-Recipient:')" 1
is "one report for that message in all" "$(nreports ok-s1@example.org)" 1

# 2. every recipient NEVER: no bounce at all, said in the log
inject_dsn ok-s2@example.org - fail-a@example.net 'NOTIFY=NEVER' fail-b@example.net 'NOTIFY=DELAY,SUCCESS'
ok "NOTIFY without FAILURE for all: the log says no bounce" wait_for 10 grep -q ': no bounce: NOTIFY asks for none' "$T/log"
ok "and the message is finished" wait_for 10 queue_empty
is "no report to that sender" "$(nreports ok-s2@example.org)" 0

# 3. success: a relayed report for NOTIFY=SUCCESS, nothing for the others
inject_dsn ok-s3@example.org 'ENVID=env3' ok-yes@example.net 'NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;yes@example.net' \
  ok-no@example.net 'NOTIFY=FAILURE' ok-plain@example.net -
ok "a relayed report reaches the sender" wait_for 10 grep -q ' ok-s3@example.org$' "$FAKE_DIR/delivered"
rep=$(report ok-s3@example.org)
like "Action: relayed" "$rep" '^Action: relayed$'
like "Status 2.0.0" "$rep" '^Status: 2\.0\.0$'
is "for the one recipient that asked" "$(printf '%s\n' "$rep" | grep '^Final-Recipient:')" "Final-Recipient: rfc822; ok-yes@example.net"
like "with its Original-Recipient and the ENVID" "$rep" '^Original-Recipient: rfc822;yes@example.net$'
like "and its subject says relayed" "$rep" '^SUBJECT .*relayed'
# a null-sender message asking for SUCCESS: no report (never mail to <>)
inject_dsn "" - ok-z@example.net 'NOTIFY=SUCCESS'
ok "a bounce asking for SUCCESS is delivered" wait_for 10 grep -q ' ok-z@example.net$' "$FAKE_DIR/delivered"
ok "and finished, with no report" wait_for 10 queue_empty

# RET: FULL returns the whole (small, 7-bit) message, HDRS the headers
inject_dsn ok-s6@example.org 'RET=FULL' fail-full@example.net -
inject_dsn ok-s7@example.org 'RET=HDRS' fail-hdrs@example.net -
ok "the RET=FULL bounce arrives" wait_for 10 grep -q ' ok-s6@example.org$' "$FAKE_DIR/delivered"
ok "the RET=HDRS bounce arrives" wait_for 10 grep -q ' ok-s7@example.org$' "$FAKE_DIR/delivered"
parts() { $PY -c 'import email,sys; m=email.message_from_file(open(sys.argv[1])); p=m.get_payload()[2]; print(p.get_content_type()); print(p.as_string())' "$1"; }
full=$(id=$(awk '$2 == "ok-s6@example.org" {print $1}' "$FAKE_DIR/delivered"); sed '1,/^$/d' "$FAKE_DIR/msg.$id" > "$T/full.eml"; parts "$T/full.eml")
hdrs=$(id=$(awk '$2 == "ok-s7@example.org" {print $1}' "$FAKE_DIR/delivered"); sed '1,/^$/d' "$FAKE_DIR/msg.$id" > "$T/hdrs.eml"; parts "$T/hdrs.eml")
like "RET=FULL: message/rfc822" "$full" '^message/rfc822$'
like "with the body" "$full" '^Hello\.$'
like "RET=HDRS: text/rfc822-headers" "$hdrs" '^text/rfc822-headers$'
unlike "without the body" "$hdrs" 'Hello\.'
stop_send

# 4. delay warnings: only for DELAY or no NOTIFY
DELAYWARN=1; export DELAYWARN
start_send
inject_dsn ok-s4@example.org - defer-nodelay@example.net 'NOTIFY=FAILURE'
inject_dsn ok-s5@example.org - defer-delay@example.net 'NOTIFY=DELAY'
ok "NOTIFY=DELAY: a delay warning" wait_for 20 grep -q ' ok-s5@example.org$' "$FAKE_DIR/delivered"
ok "NOTIFY=FAILURE: the log says no warning" wait_for 20 grep -q ': no delay warning: NOTIFY asks for none' "$T/log"
stop_send
