#!/bin/sh
# LISTEN on an IPv6 address: the default relay rules treat ::1 as they
# treat 127.0.0.1 (before, ::1 got "550 5.7.1 relaying denied"). Over the
# real ::1, with tcpserver and swaks, when the kernel has IPv6 loopback.
. "$(dirname "$0")/lib.sh"
plan 5

# The rules first: they need no IPv6 on this machine.
chmod 755 "$T"
D=$T/inst
opts=; [ "$QUICK" = 1 ] && opts=-n   # a sanitized build cannot run setuid (0505)
port6=$($PY -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0)); print(s.getsockname()[1])' 2>/dev/null)
smarthost-setup $opts -l "[::1]:${port6:-2525}" "$D" > "$T/setup.out" 2>&1
like "::1 may relay by default" "$(TCPREMOTEIP=::1 tcprulescheck "$D/tcp.smtpd.cdb" 2>&1)" 'RELAYCLIENT='
unlike "other IPv6 addresses may not" "$(TCPREMOTEIP=2001:db8::1 tcprulescheck "$D/tcp.smtpd.cdb" 2>&1)" 'RELAYCLIENT'

if [ -z "$port6" ]; then
  for d in "listens on [::1]" "swaks over ::1: relayed" "queued"; do skip "$d" "no IPv6 loopback on this machine"; done
  exit 0
fi
spawn s6-svscan "$D/service" 3>&-
ok "listens on [::1]" wait_for 20 $PY -c 'import socket,sys; socket.create_connection(("::1",int(sys.argv[1])),1).close()' "$port6"
ok "swaks over ::1: relayed to a remote domain" swaks -6 --server ::1 --port "$port6" \
  --from a@example.org --to b@example.net --silent 2
is "queued" "$(messages_in "$D/queue" new cur)" 1
s6-svscanctl -t "$D/service" 2>/dev/null
