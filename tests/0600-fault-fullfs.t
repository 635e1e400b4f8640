#!/bin/sh
# A spool on a full file system (a small tmpfs, mounted in a private mount
# namespace so nothing outside the test sees it): the injector exits 53 and
# leaves nothing in new/ or tmp/, whether the disk is full before the first
# byte or in the middle of the message; the smtpd answers 4xx to the final
# dot and stores nothing; both accept again once space returns.
if [ -z "${SMARTHOST_NS:-}" ]; then
  if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
    SMARTHOST_NS=1 exec unshare -m --propagation private sh "$0" "$@"
  fi
  echo "1..0 # SKIP needs root and unshare -m for a private tmpfs"
  exit 0
fi
. "$(dirname "$0")/lib.sh"
plan 15

Q=$T/spool
mkdir "$Q"
mount -t tmpfs -o size=512k,mode=700 tmpfs "$Q" || { echo "Bail out! cannot mount a tmpfs"; exit 1; }
trap 'umount "$Q" 2>/dev/null; _tap_cleanup' EXIT
make_queue "$Q"
export QUEUE=$Q

printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
{ printf 'Subject: small\n\n'; head -c 1500 /dev/urandom | base64; } > "$T/small"
{ printf 'Subject: large\n\n'; head -c 150000 /dev/urandom | base64; } > "$T/large"

# fill [KEEP]: fills the file system, then frees KEEP KiB (in a file of its own).
fill()
{
  rm -f "$Q/fill" "$Q/keep"
  [ "${1:-0}" -gt 0 ] && dd if=/dev/zero of="$Q/keep" bs=1k count="$1" 2>/dev/null
  dd if=/dev/zero of="$Q/fill" bs=4k 2>/dev/null
  rm -f "$Q/keep"
}
leftovers() { messages_in "$Q" new tmp; }

# 1. full before the first byte
fill 0
inject() { sh -c 'exec smarthost-queue < "$0" 1< "$1" 2>/dev/null' "$1" "$T/env"; }
fails_with 53 "full disk: the injector exits 53" inject "$T/small"
is "full disk: nothing in new/ or tmp/" "$(leftovers)" 0

# 2. full in the middle of a 200 KiB message (32 KiB free)
fill 32
fails_with 53 "disk full mid-message: exit 53" inject "$T/large"
is "disk full mid-message: nothing in new/ or tmp/" "$(leftovers)" 0

# 3. space returns
rm -f "$Q/fill"
ok "space back: the injector exits 0" inject "$T/large"
is "space back: one file in new/" "$(ls "$Q/new" | wc -l)" 1
printf 'F a@example.org\nT b@example.net\n\n' | cat - "$T/large" > "$T/want"
ok "space back: the message is whole" cmp -s "$Q/new/$(ls "$Q/new")" "$T/want"
rm -f "$Q"/new/*

# 4. the smtpd over the same spool
if ! [ -x "$BUILD/smarthost-smtpd" ]; then
  for i in 1 2 3 4 5 6 7 8; do skip "smtpd on a full disk" "smarthost-smtpd is not built yet"; done
  exit 0
fi

# smtp_session FILE: one SMTP session with the smtpd on pipes; prints the
# reply to the final dot (or "none" if the smtpd went away first).
smtp_session()
{
  TCPREMOTEIP=127.0.0.1 TCPLOCALIP=127.0.0.1 TCPLOCALPORT=25 TCPREMOTEPORT=40000 \
  PROTO=TCP RELAYCLIENT= HELONAME=relay.test SMTPD_TIMEOUT=10 \
  $PY - "$1" "$T/smtpd.log" <<'EOF'
import subprocess, sys
msg = open(sys.argv[1], 'rb').read().replace(b'\n', b'\r\n')
p = subprocess.Popen(['smarthost-smtpd'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(sys.argv[2], 'a'))
def reply():
    lines = []
    while True:
        l = p.stdout.readline()
        if not l: return 'none'
        lines.append(l.decode('latin-1').rstrip('\r\n'))
        if len(l) < 4 or l[3:4] != b'-': return lines[-1]
def cmd(c):
    p.stdin.write(c + b'\r\n'); p.stdin.flush(); return reply()
try:
    reply(); cmd(b'EHLO client.test'); cmd(b'MAIL FROM:<a@example.org>'); cmd(b'RCPT TO:<b@example.net>')
    r = cmd(b'DATA')
    if not r.startswith('354'): print('DATA: ' + r); sys.exit(0)
    p.stdin.write(msg + b'.\r\n'); p.stdin.flush()
    print(reply())
    cmd(b'QUIT')
except BrokenPipeError:
    print('none')
p.stdin.close(); p.wait(10)
EOF
}

fill 0
r=$(smtp_session "$T/small")
echo "# reply: $r"
like "smtpd, full disk: 4xx to the final dot" "$r" '^4[0-9][0-9] '
is "smtpd, full disk: nothing in new/ or tmp/" "$(leftovers)" 0
fill 32
r=$(smtp_session "$T/large")
like "smtpd, disk full mid-message: 4xx" "$r" '^4[0-9][0-9] '
is "smtpd, disk full mid-message: nothing stored" "$(leftovers)" 0
unlike "smtpd: no 250 while the disk is full" "$r" '^250'
rm -f "$Q/fill"
r=$(smtp_session "$T/large")
like "smtpd, space back: 250" "$r" '^250 '
is "smtpd, space back: one file in new/" "$(ls "$Q/new" | wc -l)" 1
tail -c 2000 "$T/large" > "$T/tail"
ok "smtpd, space back: the body is whole" sh -c 'tail -c 2000 "$0"/new/* | cmp -s - "$1"' "$Q" "$T/tail"
