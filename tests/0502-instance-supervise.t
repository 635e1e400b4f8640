#!/bin/sh
# The run scripts under s6, with stand-ins for smarthost-smtpd and
# smarthost-send (the real ones are tested end to end in 0505): conf/ is
# loaded, privileges are dropped, stderr reaches the logs, tcpserver's
# rules give 127.0.0.1 RELAYCLIENT, s6-svc -r restarts a service, and a
# Ctrl-C to smarthost-run (what make run execs) stops every process.
. "$(dirname "$0")/lib.sh"
plan 14

chmod 755 "$T"
F=$T/fake D=$T/inst
mkdir "$F"
cat > "$F/smarthost-smtpd" <<'EOF'
#!/bin/sh
echo "fake smtpd: stderr reaches the log" >&2
printf '220 %s %s relay=%s databytes=%s\r\n' "$(id -un)" "$TCPREMOTEIP" "${RELAYCLIENT+yes}" "$DATABYTES"
EOF
cat > "$F/smarthost-send" <<'EOF'
#!/bin/sh
trap 'echo "fake send: SIGTERM" >&2; exit 0' TERM
echo "fake send: up as $(id -un), QUEUE=$QUEUE" >&2
while :; do sleep 0.1; done
EOF
chmod 755 "$F"/*

port=$(free_port)
ok "setup with stand-ins" sh -c "smarthost-setup -b '$F' -l 127.0.0.1:$port '$D' 2>/dev/null"
su=$(cat "$D/conf/SEND_USER") du=$(cat "$D/conf/SMTPD_USER")
[ -n "$su" ] || su=$(id -un)
[ -n "$du" ] || du=$(id -un)

# smarthost-run leads a process group, as in a terminal, with SIGINT not
# ignored (a shell's background job would ignore it).
spawn $PY -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' smarthost-run "$D" > "$T/out" 2>&1 3>&-
run=$SPAWNED
ok "tcpserver listens on LISTEN" wait_port "$port"
greeting=$($PY -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),5); print(s.makefile("rb").readline().decode().strip())' "$port")
is "smtpd runs as SMTPD_USER, 127.0.0.1 may relay, conf/ loaded" "$greeting" "220 $du 127.0.0.1 relay=yes databytes=26214400"
ok "stderr of smtpd in log/smtpd" wait_for 10 grep -q 'fake smtpd: stderr reaches the log' "$D/log/smtpd/current"
like "tcpserver logs the connection" "$(cat "$D/log/smtpd/current")" 'tcpserver: pid [0-9]+ from 127\.0\.0\.1'
ok "send runs as SEND_USER with conf/" wait_for 10 grep -q "fake send: up as $su, QUEUE=$D/queue" "$D/log/send/current"
like "log lines carry ISO 8601 stamps" "$(head -n 1 "$D/log/send/current")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+ '

# s6-svc -r: a new process, the old one told with SIGTERM.
pid1=$(s6-svstat -o pid "$D/service/send")
s6-svc -r "$D/service/send"
wait_for 10 sh -c "p=\$(s6-svstat -o pid '$D/service/send'); [ \"\$p\" != $pid1 ] && [ \"\$p\" != -1 ]"
pid2=$(s6-svstat -o pid "$D/service/send")
ok "s6-svc -r: a new send process" test "$pid2" != "$pid1" -a "$pid2" != -1
ok "the old one got SIGTERM" wait_for 10 grep -q 'fake send: SIGTERM' "$D/log/send/current"

# Ctrl-C: SIGINT to smarthost-run's process group.
svscan=$(pgrep -P "$run" -x s6-svscan)
pids="$svscan $(for s in smtpd smtpd/log send send/log; do s6-svstat -o pid "$D/service/$s"; done)"
is "five processes found" "$(echo $pids | wc -w)" 5
kill -INT "-$run"
ok "smarthost-run ends" wait_for 20 sh -c "! ps -o stat= -p $run | grep -qv Z"
left=
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
is "no process left" "$left" ""
is "send was stopped with SIGTERM (and logged it)" "$(grep -c 'fake send: SIGTERM' "$D/log/send/current")" 2
like "smarthost-run says so" "$(cat "$T/out")" 'smarthost-run: stopped'
