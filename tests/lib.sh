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
