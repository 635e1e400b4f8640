#!/bin/sh
# smarthost-smtpd: a cap on concurrent connections per client address
# (SMTPD_MAXPERIP), which tcpserver -c, a global count, cannot give. The
# last of N+1 connections from one address gets 421 4.7.0; another address
# and a relay client (no cap by default, SMTPD_MAXPERIP_RELAY) are still
# served, the relay client by swaks; a connection that ends frees its slot.
# Clients without relay rights also have a cap all together
# (SMTPD_MAXNORELAY), so that many addresses cannot keep relay clients out.
# (Slots freed by a killed process: tests/unit/clientlimit.c.)
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 13

SMTPD_RUNDIR=$T/run SMTPD_MAXPERIP=3 SMTPD_MAXNORELAY=4
export SMTPD_RUNDIR SMTPD_MAXPERIP SMTPD_MAXNORELAY
mkdir -m 0700 "$SMTPD_RUNDIR"
cat > "$T/rules" <<'RULES'
127.0.0.2:allow,RELAYCLIENT=""
:allow
RULES
start_smtpd rules

"$PY" - "$PORT" > "$T/out" 2>&1 <<'PYEOF'
import socket, subprocess, sys
port = int(sys.argv[1])

def conn(src):
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s, s.makefile("rb")

def first(f):
    return f.readline().decode("latin-1").rstrip()

held = []
for i in range(3):
    s, f = conn("127.0.0.1")
    print("held%d: %s" % (i, first(f)))
    held.append((s, f))
s, f = conn("127.0.0.1")
print("fourth: %s" % first(f))
print("fourth-after: %s" % (f.readline().decode() or "EOF"))
s, f = conn("127.0.0.3")
print("other-address: %s" % first(f))
s.sendall(b"QUIT\r\n")
first(f)
s.close()
relay = []
for i in range(4):
    s, f = conn("127.0.0.2")
    print("relay%d: %s" % (i, first(f)))
    relay.append((s, f))
r = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(port), "--local-interface", "127.0.0.2",
                    "--from", "a@example.org", "--to", "b@example.net", "--body", "held slots", "--timeout", "20"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("swaks-relay: %d" % r.returncode)
s, f = held.pop()
s.sendall(b"QUIT\r\n")
print("quit: %s" % first(f))
s.close()
s, f = conn("127.0.0.1")
print("after-quit: %s" % first(f))
held.append((s, f))   # kept open, so that it keeps its slot
s, f = conn("127.0.0.1")
print("again-full: %s" % first(f))
s, f = conn("127.0.0.3")
print("fourth-norelay: %s" % first(f))
held.append((s, f))
s, f = conn("127.0.0.4")
print("fifth-norelay: %s" % first(f))
s, f = conn("127.0.0.2")
print("relay-still: %s" % first(f))
PYEOF
out=$(cat "$T/out")
like "three connections from one address are served" "$(grep -c '^held[0-2]: 220 ' "$T/out")" '^3$'
like "the fourth gets 421 4.7.0" "$out" '^fourth: 421 4\.7\.0 '
like "and is closed" "$out" '^fourth-after: EOF'
like "another address is still served" "$out" '^other-address: 220 '
is "a relay client has no cap by default: 4 connections served" "$(grep -c '^relay[0-3]: 220 ' "$T/out")" 4
like "and swaks relays a message through a fifth while the others are held" "$out" '^swaks-relay: 0$'
is "the message is queued" "$(spool_count new)" 1
like "a connection that quits frees its slot for the next one" "$out" '^after-quit: 220 '
like "which fills the cap again" "$out" '^again-full: 421 4\.7\.0 '
like "4 connections without relay rights from 2 addresses are served" "$out" '^fourth-norelay: 220 '
like "a fifth from a third address gets 421 4.7.0 (SMTPD_MAXNORELAY=4)" "$out" '^fifth-norelay: 421 4\.7\.0 too many connections, '
like "while a relay client is still served" "$out" '^relay-still: 220 '
like "the refusal is logged" "$(cat "$T/log")" 'smarthost-smtpd: info: 127\.0\.0\.1: refused: already 3 connections from this address'
