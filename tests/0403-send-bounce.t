#!/bin/sh
# smarthost-send: bounces. RFC 3464 content (multipart/report,
# message/delivery-status, the original headers only, Auto-Submitted), a null
# envelope sender; never a bounce for a null-sender message; a failed bounce
# goes to POSTMASTER once, and a double bounce that fails is dropped: no loop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 21

inject ok-alice@example.org fail-x@example.net
orig=$(ls "$Q/new")
start_send
ok "the bounce reaches the original sender" wait_for 10 grep -q ' ok-alice@example.org$' "$FAKE_DIR/delivered"
bid=$(awk '$2 == "ok-alice@example.org" {print $1}' "$FAKE_DIR/delivered")
B=$FAKE_DIR/msg.$bid
is "its envelope sender is null" "$(sed -n 1p "$B")" "F "
is "its recipient is the original sender" "$(sed -n 2p "$B")" "T ok-alice@example.org"
hdr=$(sed -n '4,/^$/p' "$B")
like "Auto-Submitted: auto-replied" "$hdr" '^Auto-Submitted: auto-replied$'
like "From: MAILER-DAEMON at HELONAME" "$hdr" '^From: .*<MAILER-DAEMON@relay.test>$'
sed '1,3d' "$B" > "$T/bounce.eml"
mime=$($PY - "$T/bounce.eml" <<'PYEOF'
import email, sys
m = email.message_from_file(open(sys.argv[1]))
print(m.get_content_type(), m.get_param("report-type"))
parts = m.get_payload()
print(" ".join(p.get_content_type() for p in parts))
ds = parts[1].get_payload()
for block in ds:
    for k, v in block.items():
        print("DS", k + ":", v)
print("ORIG", parts[2].get_payload().replace("\n", "|"))
PYEOF
)
like "multipart/report; report-type=delivery-status" "$mime" '^multipart/report delivery-status$'
like "three parts: text, delivery-status, the original headers" "$mime" '^text/plain message/delivery-status text/rfc822-headers$'
like "Reporting-MTA" "$mime" '^DS Reporting-MTA: dns; relay.test$'
like "Final-Recipient" "$mime" '^DS Final-Recipient: rfc822; fail-x@example.net$'
like "Action: failed" "$mime" '^DS Action: failed$'
like "Status from the upstream's enhanced code" "$mime" '^DS Status: 5.1.1$'
like "Diagnostic-Code with the upstream's reply" "$mime" '^DS Diagnostic-Code: smtp; 550 5.1.1 No such user$'
like "the original headers" "$mime" '^ORIG .*Subject: test message'
unlike "but not the original body" "$mime" 'Hello\.'
ok "the original message is gone" wait_for 10 sh -c "[ ! -e '$Q/cur/$orig' ]"

# A null-sender message that fails: no bounce, a log line, the message goes.
inject "" fail-y@example.net
ok "a failed null-sender message is dropped with a log line" \
  wait_for 10 grep -q 'dropping failed bounce to <fail-y@example.net>' "$T/log"
ok "and the queue is empty" wait_for 10 queue_empty
is "one bounce queued in all" "$(grep -c 'bounce queued' "$T/log")" 1
stop_send

# With POSTMASTER: the failed bounce goes there, once, with a null sender.
POSTMASTER=ok-pm@example.org; export POSTMASTER
start_send
inject "" fail-z@example.net
ok "a failed bounce goes to POSTMASTER" wait_for 10 grep -q ' ok-pm@example.org$' "$FAKE_DIR/delivered"
stop_send

# POSTMASTER refuses too: the double bounce fails and is dropped, no loop.
POSTMASTER=fail-pm@example.org; export POSTMASTER
: > "$T/log"
start_send
inject "" fail-w@example.net
ok "a double bounce that fails is dropped, and the queue empties" \
  wait_for 10 sh -c "grep -q 'dropping failed bounce to <fail-pm@example.org>' '$T/log' && [ -z \"\$(ls -A '$Q/cur' '$Q/new' | grep -v '^$' | grep -v ':$')\" ]"
sleep 1
is "exactly one bounce was made (to POSTMASTER), none after" "$(grep -c 'bounce queued' "$T/log")" 1
stop_send
