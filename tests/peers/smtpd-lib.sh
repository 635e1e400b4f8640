# tests/peers/smtpd-lib.sh: start smarthost-smtpd under tcpserver, for tests/02xx
#
#   start_smtpd relay|norelay|rules   tcpserver on 127.0.0.1:$PORT, log in $T/log,
#                               the smtpd's environment taken from the caller's;
#                               "rules": the tcprules text the caller wrote in $T/rules
#   raw STEP...                 tests/peers/rawsmtp.py against $PORT
#   spool_count DIR             number of files in $Q/DIR
#   body_reply BODY             BODY sent after EHLO ($AUTHSTEP, when set,
#                               then), MAIL, RCPT and DATA; sets rep to the
#                               reply to the end of data, ID to the queue id
#   message ID                  the message part of a queued file (after
#                               the envelope and our Received)
#   wire_size ID                the size as sent upstream of a queued
#                               file's message, Received included
#   logged_size ID              the size the smtpd logged for it
# Sets Q (a fresh spool, exported as QUEUE) and HELONAME.

test_spool "$T/queue"
HELONAME=relay.test
export HELONAME

start_smtpd()
{
  case $1 in
    relay) echo '127.0.0.1:allow,RELAYCLIENT=""' > "$T/rules" ;;
    rules) ;;
    *) echo ':allow' > "$T/rules" ;;
  esac
  tcprules "$T/rules.cdb" "$T/rules.tmp" < "$T/rules" || return 1
  PORT=$(free_port)
  spawn tcpserver -q -R -H -l0 -x "$T/rules.cdb" 127.0.0.1 "$PORT" smarthost-smtpd 2>>"$T/log"
  wait_port "$PORT"
}

raw() { "$PY" "$TOP/tests/peers/rawsmtp.py" "$PORT" "$@"; }

spool_count() { ls "$Q/$1" | wc -l | tr -d ' '; }

body_reply()
{
  raw 'EHLO c\r\n' ${AUTHSTEP+"$AUTHSTEP"} '@3 MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' "$1" 'QUIT\r\n' \
    > "$T/out"
  ID=$(sed -n 's/^250 2\.0\.0 Ok: queued as //p' "$T/out")
  rep=$(sed -n '/^354 /{n;p;q;}' "$T/out")
}
message() { sed '1,/^$/d' "$Q/new/$1" | sed '1,/^\tid /d' | sed 1d; }
wire_size() { sed '1,/^$/d' "$Q/new/$1" | awk '{ n += length($0) + 2 } END { print n }'; }
logged_size() { sed -n "s/.*queued $1 .* size \([0-9]*\) .*/\1/p" "$T/log"; }
