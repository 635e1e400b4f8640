#!/bin/sh
# Bounces and log lines that read right: a qmail-style upstream's
# "(#5.7.1)" becomes the bounce's Status, Remote-MTA names the host that
# answered, without its port, and a log line shows the upstream's reply once; a
# deferral after TLS was negotiated names the TLS version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 9

REMOTE=smarthost-remote UPSTREAM_TLS=none
export REMOTE UPSTREAM_TLS
start_upstream qmail --fail-rcpt '^bob@' --fail-reply "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"
# the first upstream of the list does not answer: the second takes the mail
DEAD=$(free_port)
UPSTREAM=localhost:$DEAD,127.0.0.1:$PORT; export UPSTREAM
inject alice@example.org bob@example.net
start_send
ok "the refusal is logged" wait_for 20 grep -q '<bob@example.net> .*: failed 553 ' "$T/log"
line=$(grep '<bob@example.net> .*: failed 553 ' "$T/log")
like "with the upstream's reply" "$line" "failed 553 sorry, that domain isn't in my list of allowed rcpthosts \\(#5\\.7\\.1\\) \\("
ok "a bounce is queued" wait_for 20 grep -q 'bounce queued for <alice@example.org>' "$T/log"
ok "and delivered" wait_for 20 sh -c "grep -l 'Final-Recipient: rfc822; bob@example.net' '$T'/qmail/*.msg 2>/dev/null | grep -q ."
stop_send
b=$(grep -l 'Final-Recipient: rfc822; bob@example.net' "$T"/qmail/*.msg | head -1)
report=$(tr -d '\r' < "$b")
like "its Status is the upstream's (#5.7.1)" "$report" 'Status: 5\.7\.1'
like "Remote-MTA names the host that answered, without the port" "$report" "Remote-MTA: dns; 127\\.0\\.0\\.1\$"
like "Diagnostic-Code: the reply" "$report" "Diagnostic-Code: smtp; 553 sorry, that domain isn't in my list of allowed rcpthosts \\(#5\\.7\\.1\\)"

# A password the upstream refuses, after STARTTLS: the log line names
# the TLS version negotiated, and the 535 once.
: > "$T/log"
make_certs
printf 'wrong\n' > "$T/pass"; chmod 600 "$T/pass"
start_upstream up --cert "$T/certs/server.pem" --key "$T/certs/server.key" --auth-user u --auth-pass pw --require-auth
UPSTREAM=localhost:$PORT UPSTREAM_TLS=starttls UPSTREAM_CAFILE=$T/certs/ca.pem UPSTREAM_USER=u UPSTREAM_PASSFILE=$T/pass
export UPSTREAM UPSTREAM_TLS UPSTREAM_CAFILE UPSTREAM_USER UPSTREAM_PASSFILE
inject alice@example.org carol@example.net
start_send
ok "the deferral is logged" wait_for 20 grep -q '<carol@example.net> .*: deferred 535 ' "$T/log"
line=$(grep '<carol@example.net> .*: deferred 535 ' "$T/log" | head -1)
like "with the TLS version negotiated and the reply's code once" "$line" "upstream=localhost:$PORT tls=TLSv1\\.[23] auth=none: deferred 535 [^0-9]*5\\.7\\.8 [^0-9]* \\([0-9]+ ms\\)\$"
stop_send
