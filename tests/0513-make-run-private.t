#!/bin/sh
# make run from a private directory (a clone in root's home, mode 0700 on
# Debian), as root. The service users cannot reach what is inside it:
# - an instance inside it is refused at once, saying which user cannot
#   reach which path, which directory is in the way, and what to do
#   (before, tcpserver dropped every connection with "access denied"
#   while make run looked healthy);
# - programs inside it are copied into the instance's DIR/bin, and the
#   instance relays mail.
. "$(dirname "$0")/lib.sh"
plan 10

if [ "$(id -u)" != 0 ]; then
  i=0; while [ $i -lt 10 ]; do i=$((i+1)); skip "make run as root" "not root"; done
  exit 0
fi
. "$TOP/tests/peers/remote.sh"
chmod 755 "$T"
mkdir -m 700 "$T/priv"
makerun() { env -u MAKEFLAGS -u MFLAGS make -s -C "$TOP" run "$@"; }

# 1. The instance inside the private directory: refused at once.
port=$(free_port)
timeout 120 sh -c 'env -u MAKEFLAGS -u MFLAGS make -s -C "$1" run BUILD="$2" RUNDIR="$3" RUNLISTEN="127.0.0.1:$4" </dev/null >"$5" 2>&1' \
  sh "$TOP" "$BUILD" "$T/priv/run" "$port" "$T/out1"; r=$?
ok "make run stops with an error (exit $r)" test "$r" != 0 -a "$r" != 124
like "it names the user and the path it cannot reach" "$(cat "$T/out1")" "smarthost-(smtpd|send) cannot reach $T/priv/run"
like "and the directory in the way" "$(cat "$T/out1")" "$T/priv is mode 700, owner root"
like "and what to do" "$(cat "$T/out1")" 'RUNDIR='
fails "nothing listens" $PY -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$port"

# 2. The programs inside the private directory, the instance outside: it
# relays, to an independent upstream (aiosmtpd, plain, no AUTH).
if [ "$QUICK" = 1 ]; then
  # a sanitized build cannot run the setuid injector (see 0505)
  for d in "own copies" "relays" "upstream got it" "no access denied" "stopped"; do skip "$d" "sanitized build"; done
  exit 0
fi
cp -a "$BUILD" "$T/priv/build"
start_upstream up
R=$T/pub/run
mkdir -p "$R/conf"
printf '127.0.0.1:%s\n' "$PORT" > "$R/conf/UPSTREAM"
echo none > "$R/conf/UPSTREAM_TLS"
echo 1 > "$R/conf/RETRY"
port=$(free_port)
# a session and process group of its own, stopped as a whole at the end
spawn setsid sh -c 'exec env -u MAKEFLAGS -u MFLAGS make -s -C "$1" run BUILD="$2" RUNDIR="$3" RUNLISTEN="127.0.0.1:$4" </dev/null >"$5" 2>&1' \
  sh "$TOP" "$T/priv/build" "$R" "$port" "$T/out2" 3>&-
pg=$SPAWNED
wait_port "$port"
ok "the instance has its own copies of the programs" test -x "$R/bin/smarthost-smtpd" -a -x "$R/bin/smarthost-send"
ok "it relays: swaks gets 250" swaks -4 --server 127.0.0.1 --port "$port" --from a@example.org --to b@example.net --silent 2
ok "the upstream got the message" wait_for 60 test -s "$T/up/1.msg"
unlike "no connection was denied" "$(cat "$R/log/smtpd/current" 2>/dev/null)" 'access denied|deny'
kill -TERM "-$pg"   # (dash: no "--")
# (make itself stays a zombie until this shell reaps it: count the living)
ok "make run stops, all of it" wait_for 30 sh -c "! ps -e -o args= | grep -q '^s6-svscan $R/service' && ! { ps -e -o pgid=,stat= | awk -v g=$pg '\$1 == g && \$2 !~ /^Z/' | grep -q .; }"
