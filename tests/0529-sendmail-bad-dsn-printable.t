#!/bin/sh
# smarthost-sendmail's error for a bad -N, -R or -V quoted the caller's
# value raw: terminal escapes, CR or 8-bit bytes went to a terminal, or
# into a log or a cron job's mail. Now the value is shown printable
# (lib/printable: '?' for any byte outside 0x20-0x7e) and cut at 100
# octets. Invariant over 150 random values of random bytes.
. "$(dirname "$0")/lib.sh"
plan 6

Q=$T/q
make_queue "$Q"
export QUEUE=$Q HELONAME=relay.example DEFAULTDOMAIN=site.example
unset QMAILQUEUE SENDMAIL_FROM NAME 2>/dev/null
printf 'Subject: dsn\n\nbody\n' > "$T/in"

smarthost-sendmail -V "$(printf 'x\033]0;owned\007%0150d' 0)" bob@example.net < "$T/in" 2> "$T/err"
is "a -V too long, with an escape: exit 100" "$?" 100
is "the error shows it printable and cut" "$(cat "$T/err")" "smarthost-sendmail: fatal: bad -V value (RFC 3461): x?]0;owned?$(printf '%089d' 0)..."

cat > "$T/badvalues.py" <<'PY'
import os, random, subprocess, sys
random.seed(int(sys.argv[1]))
exe, msg = sys.argv[2], open(sys.argv[3], "rb").read()
bad_out = bad_code = 0
for i in range(150):
    opt = random.choice(["-N", "-R", "-V"])
    n = random.randint(1, 300) if opt == "-V" else random.randint(1, 40)
    val = bytes(random.choice([random.randint(1, 255), random.randint(0x80, 0xff), 27, 13, 10, 9, ord("x")]) for _ in range(n))
    if opt == "-V" and n < 120:
        val += b"x" * 120     # always too long as xtext
    p = subprocess.run([exe, opt, val, "bob@example.net"], input=msg, capture_output=True)
    err = p.stderr
    if p.returncode != 100:
        bad_code += 1
        print("# exit", p.returncode, opt, val, file=sys.stderr)
    body = err[:-1] if err.endswith(b"\n") else err
    if b"\n" in body or any(c < 0x20 or c > 0x7e for c in body) or len(body) > 200:
        bad_out += 1
        print("# not printable:", err, file=sys.stderr)
print(bad_code, bad_out)
PY
set -- $($PY "$T/badvalues.py" "${SEED:-$$}" "$(command -v smarthost-sendmail)" "$T/in")
is "150 random bad values: each refused with exit 100" "$1" 0
is "... each error one printable line, at most 200 octets" "$2" 0
is "nothing queued" "$(ls "$Q/new" | wc -l | tr -d ' ')" 0
smarthost-sendmail -N 'never,success' bob@example.net < "$T/in" 2> "$T/err"
is "a short value is shown whole" "$(cat "$T/err")" "smarthost-sendmail: fatal: bad -N value (RFC 3461): never,success"
