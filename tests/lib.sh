# tests/lib.sh: TAP helpers sourced by every tests/NNNN-area-what.t
#
#   plan N                      print the TAP plan
#   ok DESC CMD...              pass when CMD exits 0
#   fails DESC CMD...           pass when CMD exits non-zero
#   fails_with CODE DESC CMD... pass when CMD exits exactly CODE
#   is DESC GOT WANT            pass when the two strings are equal
#   like DESC GOT REGEX         pass when GOT matches the extended regex
#   unlike DESC GOT REGEX       pass when GOT does not match it
#   skip DESC REASON            a skipped test (counts as passed)
#   todo_is DESC REASON GOT WANT  is, for a known bug (TAP TODO)
#   free_port                   print a free TCP port on 127.0.0.1
#   spawn CMD...                run CMD in the background; killed by PID at exit
#   wait_for SECS CMD...        poll CMD every 0.05 s, at most SECS seconds
#   wait_port PORT              wait (10 s at most) until 127.0.0.1:PORT accepts
#   rounds N                    N, or N/10 in a sanitized run ($QUICK)
#   setuid_skip_reason          why the setuid injector cannot be tried here
#                               (nothing when it can: root, group smarthost,
#                               a build without sanitizers)
#   test_user PREFIX            a throwaway user PREFIX-PID in group smarthost
#                               (root only), removed at exit; sets A
#   as_a CMD...                 CMD run as that user
#   root_instance               smarthost-setup of $T/inst (D) as root, $T
#                               made searchable for the service users
#   setuid_member NAME N PREFIX skip the test (NAME) when the setuid injector
#                               cannot be tried, else plan N, make the user
#                               PREFIX-PID (A) and a root_instance (D, Q)
#   need_built N NAME PROG...   skip all N tests of NAME and end unless each
#                               PROG is built (or tests/FILE is there)
#   test_instance               smarthost-setup -t of $T/inst (D) listening
#                               on 127.0.0.1:$sport (a free port)
#   conf_set NAME VALUE         write the instance's conf/NAME
#   set_routes < LINES          DIR/routes (0644), named by conf/ROUTES
#   instance_secret NAME TEXT   DIR/secret/NAME: TEXT, mode 0600, the send
#                               user's
#   start_instance              the instance's services under s6-svscan
#   stop_instance               stop them; one test: no process is left
#   test_spool [DIR]            a fresh spool in DIR ($T/q), Q and QUEUE name
#                               it, QMAILQUEUE and SMARTHOST_ID unset
#   inject_alone MSG ENV        smarthost-queue < MSG 1< ENV into an emptied
#                               new/; NEW: its file there (empty if none)
#   messages_in SPOOL SUB...    how many messages SPOOL/SUB... hold
#   random_below N              a random number from 0 to N-1
#   strip_received FILE         the message less its leading Received fields
#   crlf FILE                   FILE with CRLF line ends
#   swaks_crlf FILE             FILE as swaks sends it with --data: CRLF
#   service_pids DIR            PIDs of DIR's services and loggers (-1: down)
#   still_running PID...        those of the PIDs that are alive
#
# Every test runs in its own directory $T (removed at exit) and finds the
# programs built by make through $BUILD, which comes first in PATH. Test
# variants that inject faults on request (FAULT_* variables, tests/fault/)
# are in $BUILD/test/: a test names them by path or puts that first in PATH.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
: "${BUILD:=$TOP/build}"
PATH="$BUILD:$PATH"
PY=/usr/bin/python3
# SMARTHOST_QUICK=1 (make check-asan) asks load loops for fewer rounds.
QUICK=${SMARTHOST_QUICK:-0}
export BUILD PATH TOP PY QUICK
T=$(mktemp -d "${TMPDIR:-/tmp}/smarthost-test.XXXXXX")
# TAP lines go to fd 3, a copy of the original stdout, so that a
# redirection on a checked command (ok "x" cmd > file) does not take them.
exec 3>&1
_tap_n=0
_tap_failed=0
_tap_pids=
_tap_users=

_tap_cleanup()
{
  for p in $_tap_pids; do kill "$p" 2>/dev/null; done
  for p in $_tap_pids; do
    i=0
    while kill -0 "$p" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done
    kill -9 "$p" 2>/dev/null
  done
  for u in $_tap_users; do userdel "$u" 2>/dev/null; done
  cd / && rm -rf "$T"
}
trap '_tap_cleanup' EXIT
trap 'exit 1' INT TERM HUP

plan() { echo "1..$1" >&3; }

_tap_result()
{
  _tap_n=$((_tap_n+1))
  if [ "$1" = 0 ]; then
    echo "ok $_tap_n - $2" >&3
  else
    echo "not ok $_tap_n - $2" >&3
    _tap_failed=$((_tap_failed+1))
  fi
}

ok() { d=$1; shift; "$@"; _tap_result $? "$d"; }
fails() { d=$1; shift; if "$@"; then _tap_result 1 "$d"; else _tap_result 0 "$d"; fi; }
fails_with()
{
  c=$1; d=$2; shift 2
  "$@"; r=$?
  [ "$r" = "$c" ] || echo "# $d: exit $r, wanted $c" >&3
  [ "$r" = "$c" ]; _tap_result $? "$d"
}
is()
{
  [ "$2" = "$3" ] || printf '# %s:\n#   got:  %s\n#   want: %s\n' "$1" "$2" "$3" >&3
  [ "$2" = "$3" ]; _tap_result $? "$1"
}
like()
{
  printf '%s\n' "$2" | grep -Eq -- "$3"; r=$?
  [ $r = 0 ] || printf '# %s: no match for /%s/ in:\n%s\n' "$1" "$3" "$(printf '%s\n' "$2" | head -20 | sed 's/^/#   /')" >&3
  _tap_result $r "$1"
}
unlike()
{
  if printf '%s\n' "$2" | grep -Eq -- "$3"; then
    printf '# %s: unwanted match for /%s/\n' "$1" "$3" >&3; _tap_result 1 "$1"
  else
    _tap_result 0 "$1"
  fi
}
skip() { _tap_n=$((_tap_n+1)); echo "ok $_tap_n - $1 # SKIP $2" >&3; }
# todo_is DESC REASON GOT WANT: is, for a known bug (TAP TODO: prove shows
# a pass or failure without failing the run); the reason names the bug.
todo_is()
{
  _tap_n=$((_tap_n+1))
  if [ "$3" = "$4" ]; then echo "ok $_tap_n - $1 # TODO $2" >&3
  else
    printf '# %s:\n#   got:  %s\n#   want: %s\n' "$1" "$3" "$4" >&3
    echo "not ok $_tap_n - $1 # TODO $2" >&3
  fi
}

free_port()
{
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

spawn() { "$@" & _tap_pids="$_tap_pids $!"; SPAWNED=$!; }

wait_for()
{
  _wf_end=$(( $(date +%s) + $1 )); shift
  while :; do
    "$@" && return 0
    [ "$(date +%s)" -ge "$_wf_end" ] && return 1
    sleep 0.05
  done
}

wait_port()
{
  wait_for 10 $PY -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1).close()' "$1" 2>/dev/null
}

# A fresh spool in $1: tmp new cur state and the trigger FIFO.
make_queue()
{
  mkdir -p "$1/tmp" "$1/new" "$1/cur" "$1/state" && mkfifo "$1/trigger"
}

# A test's own spool: nothing inherited sends the injector elsewhere.
test_spool()
{
  Q=${1:-$T/q}
  make_queue "$Q" || return 1
  export QUEUE="$Q"
  unset QMAILQUEUE SMARTHOST_ID
}
messages_in() { _mi_q=$1; shift; for d; do ls "$_mi_q/$d"; done | grep -c '^[0-9]'; }
random_below() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 )); }

strip_received()
{
  $PY -c 'import sys
d = open(sys.argv[1], "rb").read()
while d.startswith(b"Received:"):
    i = d.index(b"\r\n")
    while d[i+2:i+3] in (b" ", b"\t"):
        i = d.index(b"\r\n", i + 2)
    d = d[i+2:]
sys.stdout.buffer.write(d)' "$1"
}
crlf() { sed 's/$/\r/' "$1"; }
# swaks ends DATA with CRLF . CRLF after the file's own last CRLF: one
# more empty line, which a relay passes on as it is.
swaks_crlf() { crlf "$1"; printf '\r\n'; }

# One message alone in new/, for a test to read back; keeps the exit code.
inject_alone()
{
  rm -f "$Q"/new/*
  smarthost-queue < "$1" 1< "$2"; _ia_r=$?
  NEW=$(ls "$Q"/new/* 2>/dev/null | head -1)
  return $_ia_r
}

rounds() { if [ "$QUICK" = 1 ]; then echo $(( ($1 + 9) / 10 )); else echo "$1"; fi; }

setuid_skip_reason()
{
  # the sanitizers refuse to run setuid
  if grep -q __asan_init "$BUILD/smarthost-queue" 2>/dev/null; then echo "a sanitized injector cannot run setuid"; return; fi
  if [ "$(id -u)" != 0 ] || ! getent group smarthost >/dev/null; then echo "needs root and group smarthost"; fi
}

# A user of a test's own: its name unique to the run, removed at exit.
test_user()
{
  A=$1-$$
  useradd --system -M -d /nonexistent -s /bin/sh -G smarthost "$A" || return 1
  _tap_users="$_tap_users $A"
}
as_a() { setpriv --reuid="$A" --regid="$A" --init-groups "$@"; }

root_instance()
{
  chmod 755 "$T"
  D=$T/inst
  smarthost-setup "$D" > /dev/null 2>&1
}

# The setuid injector tried by a member of the instance's group: NAME is
# the test's skip description, N its plan, PREFIX the user's name.
setuid_member()
{
  _sm_reason=$(setuid_skip_reason)
  if [ -n "$_sm_reason" ]; then plan 1; skip "$1" "$_sm_reason"; exit 0; fi
  plan "$2"
  test_user "$3" || exit 1
  root_instance || { echo "Bail out! setup failed"; exit 1; }
  Q=$D/queue
}

need_built()
{
  _nb_n=$1 _nb_name=$2 _nb_missing=; shift 2
  for p; do
    case $p in tests/*) [ -f "$TOP/$p" ] ;; *) [ -x "$BUILD/$p" ] ;; esac || _nb_missing="$_nb_missing $p"
  done
  [ -z "$_nb_missing" ] && return 0
  i=0; while [ $i -lt "$_nb_n" ]; do i=$((i+1)); skip "$_nb_name" "not built yet:$_nb_missing"; done
  exit 0
}

# An instance as an administrator makes one, its smtpd on a free port. A
# sanitized build (make check-asan) cannot run setuid: the sanitizers
# ignore ASAN_OPTIONS there and the leak checker cannot trace itself. So
# that run makes an instance without users (-n).
test_instance()
{
  chmod 755 "$T"    # the instance's users must reach it
  D=$T/inst
  sport=$(free_port)
  _ti_opts=
  [ "$QUICK" = 1 ] && _ti_opts=-n
  smarthost-setup $_ti_opts -t -l "127.0.0.1:$sport" "$D" 2>"$T/setup.err"
}
conf_set() { printf '%s\n' "$2" > "$D/conf/$1"; }
set_routes() { cat > "$D/routes" && chmod 644 "$D/routes" && conf_set ROUTES "$D/routes"; }

instance_secret()
{
  (umask 077; printf '%s\n' "$2" > "$D/secret/$1")
  _is_u=$(cat "$D/conf/SEND_USER")
  [ -z "$_is_u" ] || chown "$_is_u" "$D/secret/$1"
}

# s6-svscan is spawned: stopped by PID at exit if the test dies first. The
# services must not hold the TAP descriptor.
start_instance() { spawn s6-svscan "$D/service" 3>&-; SVSCAN=$SPAWNED; }
service_pids() { for s in smtpd smtpd/log send send/log; do s6-svstat -o pid "$1/service/$s"; done; }
still_running() { for p; do [ "$p" != -1 ] && kill -0 "$p" 2>/dev/null && printf ' %s' "$p"; done; }
# s6-svscan's orderly stop, then every process it had started is gone
stop_instance()
{
  _si_pids="$SVSCAN $(service_pids "$D")"
  kill -TERM "$SVSCAN"
  wait_for 20 sh -c "! ps -o stat= -p $SVSCAN | grep -qv Z"
  is "every process stopped" "$(still_running $_si_pids)" ""
}
