# tests/peers/smtpd-lib.sh: start smarthost-smtpd under tcpserver, for tests/02xx
#
#   start_smtpd relay|norelay|rules   tcpserver on 127.0.0.1:$PORT, log in $T/log,
#                               the smtpd's environment taken from the caller's;
#                               "rules": the tcprules text the caller wrote in $T/rules
#   raw STEP...                 tests/peers/rawsmtp.py against $PORT
#   spool_count DIR             number of files in $Q/DIR
# Sets Q (a fresh spool, exported as QUEUE) and HELONAME.

Q=$T/queue
make_queue "$Q"
QUEUE=$Q
HELONAME=relay.test
export QUEUE HELONAME

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
