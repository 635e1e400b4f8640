#!/bin/sh
# smarthost-smtpd: AUTH secrets do not stay in the process's memory after
# the exchange (wiped, as STYLE.md asks), nor reach the log or the spool.
# The memory of the live smtpd is read through /proc/PID/mem, which needs
# root (CAP_SYS_PTRACE).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 5

PW='wiped-Secret-7f3a9c'
printf 'bob:%s\n' "$(openssl passwd -6 -salt saltsalt "$PW")" > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR
start_smtpd relay

# Each way a password can arrive: PLAIN with an initial response (right and
# wrong), PLAIN after 334, LOGIN, and an AUTH line refused for a bare CR.
# Then, with the session still open, the smtpd's memory is searched for the
# passwords and their base64 forms.
"$PY" - "$PORT" "$SPAWNED" "$PW" > "$T/out" 2>&1 <<'PYEOF'
import base64, os, re, socket, sys
port, parent, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b64 = lambda s: base64.b64encode(s.encode()).decode()
secrets = {}
def plain(p):
    t = b64("\0bob\0" + p); secrets[p] = 1; secrets[t] = 1; return t
s = socket.create_connection(("127.0.0.1", port), 20)
f = s.makefile("rb")
def reply():
    while True:
        l = f.readline().decode().rstrip()
        if len(l) < 4 or l[3] != "-":
            return l
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
reply()
cmd("EHLO helo-control-91ab")
print(cmd("AUTH PLAIN " + plain(pw + "-wrong1")))
print(cmd("AUTH PLAIN"), cmd(plain(pw + "-wrong2")))
l1 = pw + "-wrong3"; secrets[l1] = 1; secrets[b64(l1)] = 1
print(cmd("AUTH LOGIN"), cmd(b64("bob")), cmd(b64(l1)))
print(cmd("AUTH PLAIN " + plain(pw)))
t = plain(pw + "-wrong4")
s.sendall(("AUTH PLAIN " + t + "\r\r\n").encode()); print(reply())
print(cmd("NOOP"))
pid = None
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            st = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        if st.rsplit(")", 1)[1].split()[1] == parent:
            pid = d
found = []
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        # writable memory (heap, stack, data), skipping the huge sparse
        # regions a sanitizer reserves for its shadow
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) rw", line)
        if not m:
            continue
        a, b = int(m.group(1), 16), int(m.group(2), 16)
        if b - a > 1 << 28:
            continue
        tail = b""
        while a < b:
            n = min(b - a, 1 << 20)
            try:
                mem.seek(a); data = tail + mem.read(n)
            except OSError:
                break
            a += n
            if b"helo-control-91ab" in data:
                print("control found")
            for x in secrets:
                if x.encode() in data:
                    found.append(x)
            tail = data[-128:]
print("found:", " ".join(sorted(set(found))) or "nothing")
cmd("QUIT")
PYEOF
r=$?
if [ "$r" != 0 ] && grep -q 'Permission denied\|Operation not permitted' "$T/out"; then
  skip "secrets wiped from memory" "cannot read another process's memory here"
else
  is "the session ran" "$r" 0
fi
like "the last AUTH succeeded" "$(cat "$T/out")" '^235 2\.7\.0'
like "the memory search works (it finds the HELO name)" "$(cat "$T/out")" '^control found'
is "no password or response is left in the smtpd's memory" "$(sed -n 's/^found: //p' "$T/out")" nothing
unlike "no password in the log" "$(cat "$T/log")" "$PW"
