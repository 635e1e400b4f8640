#!/bin/sh
# smarthost-smtpd: deadlines that a client sending a byte at a time cannot
# push back. SMTPD_TIMEOUT restarts at every read; SMTPD_CMD_TIMEOUT,
# SMTPD_DATA_TIMEOUT and SMTPD_SESSION_TIMEOUT do not. Small settings, so
# that the trickle outlasts them whatever the machine's load; the test
# asserts the cut and its reply, not when it came.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 10

trickle() { "$PY" "$TOP/tests/peers/trickle.py" "$PORT" "$@"; }
SMTPD_TIMEOUT=60
export SMTPD_TIMEOUT

# one byte of a command every 0.2 s, never a line end
SMTPD_CMD_TIMEOUT=2
export SMTPD_CMD_TIMEOUT
start_smtpd relay
out=$(trickle N 0.2 300)
like "a command trickled a byte at a time is cut at the command deadline" "$out" '^421 4\.4\.2 command time limit reached'
like "and the connection is closed" "$(printf '%s\n' "$out" | tail -1)" '^EOF$'
like "the cut is logged" "$(cat "$T/log")" 'smarthost-smtpd: fatal: 127\.0\.0\.1: command time limit reached'

# quick commands, forever
SMTPD_CMD_TIMEOUT=60 SMTPD_SESSION_TIMEOUT=3
export SMTPD_SESSION_TIMEOUT
start_smtpd relay
out=$(trickle 'NOOP\r\n' 0.2 300 'EHLO c\r\n')
like "a session of quick commands still ends at the session deadline" "$out" '^421 4\.4\.2 session time limit reached'
like "after commands that were served" "$out" '^250 2\.0\.0 Ok'
like "and the connection is closed" "$(printf '%s\n' "$out" | tail -1)" '^EOF$'

# a message body, a short line every 0.2 s
SMTPD_SESSION_TIMEOUT=600 SMTPD_DATA_TIMEOUT=2
export SMTPD_DATA_TIMEOUT
start_smtpd relay
out=$(trickle 'x\r\n' 0.2 300 'EHLO c\r\n' 'MAIL FROM:<a@example.org>\r\n' 'RCPT TO:<b@example.net>\r\n' 'DATA\r\n')
like "DATA trickled a line at a time is cut at the DATA deadline" "$out" '^421 4\.4\.2 DATA time limit reached'
is "nothing of it is queued" "$(spool_count new)$(spool_count tmp)" 00

# within the deadlines nothing changes
out=$(raw 'EHLO c\r\n' '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' 'hi\r\n.\r\n' 'QUIT\r\n')
like "a prompt client is served under the same settings" "$out" '^250 2\.0\.0 Ok: queued as'
is "and its message is queued" "$(spool_count new)" 1
