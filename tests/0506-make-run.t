#!/bin/sh
# make run, as typed in a terminal: it makes the instance, listens, and a
# Ctrl-C (the terminal's ^C, through a pseudo-terminal) stops everything.
. "$(dirname "$0")/lib.sh"
plan 8

chmod 755 "$T"
port=$(free_port)
R=$T/r
cat > "$T/term.py" <<'EOF'
import os, pty, select, signal, sys, time
top, build, rundir, port, out = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    # a test's background job ignores SIGINT; a terminal's command does not
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # not a sub-make of make check: no jobserver descriptors to inherit
    # (everything is built already)
    os.environ.pop("MAKEFLAGS", None); os.environ.pop("MFLAGS", None)
    os.execvp("make", ["make", "-s", "-C", top, "run", "BUILD=" + build,
                       "RUNDIR=" + rundir, "RUNLISTEN=127.0.0.1:" + port])
log = open(out, "wb")
def pump(secs, until=None):
    end = time.time() + secs
    while time.time() < end:
        if until and os.path.exists(until):
            return True
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            log.write(data); log.flush()
    return False
# Wait for the test to say "now", then type ^C.
pump(60, until=out + ".now")
os.write(fd, b"\x03")
pump(20)
_, status = os.waitpid(pid, 0)
log.write(b"\nexit %d\n" % (status >> 8)); log.close()
EOF
spawn $PY "$T/term.py" "$TOP" "$BUILD" "$R" "$port" "$T/out" 3>&-
ok "make run listens on RUNLISTEN" wait_port "$port"
ok "it made the instance" test -x "$R/service/smtpd/run" -a -p "$R/queue/trigger"
ok "with a certificate for STARTTLS" test -s "$(cat "$R/conf/SMTPD_CERTFILE")"
wait_for 10 grep -q 'Ctrl-C' "$T/out"
like "it says how to set the upstream" "$(cat "$T/out")" "echo smtp.example.net:587 > $R/conf/UPSTREAM"
like "and to store the password for the send user" "$(cat "$T/out")" "smarthost-passwd $R"
pids=
for s in smtpd smtpd/log send send/log; do pids="$pids $(s6-svstat -o pid "$R/service/$s")"; done
touch "$T/out.now"
ok "^C ends make run" wait_for 30 grep -q '^exit' "$T/out"
left=
for p in $pids; do [ "$p" != -1 ] && kill -0 "$p" 2>/dev/null && left="$left $p"; done
is "no service left running" "$left" ""
like "stopped cleanly" "$(cat "$T/out")" 'smarthost-run: stopped'
