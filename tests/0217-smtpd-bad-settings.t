#!/bin/sh
# Bad settings fail loudly, with a fatal line that names them: in
# service/smtpd/run before tcpserver starts (LISTEN, SMTPD_MAXCONN, and the
# smtpd's own settings through smarthost-smtpd -t), and in the smtpd at a
# connection (a value set by a tcprules rule) with 421 4.3.5. A number too
# large for its type or over its maximum is an error, never wrapped or
# taken as "no limit": checked over random values for every number the
# smtpd reads.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 12

# random values against the rule: accepted exactly when empty or a decimal
# from the setting's minimum to its maximum; refused with the setting named
"$PY" - 300 > "$T/random" 2>&1 <<'PYEOF'
import os, random, subprocess, sys
limits = {"DATABYTES": (0, 2**64 - 2), "SMTPD_MAXRCPT": (1, 10000), "SMTPD_MAXERRORS": (1, 2**32 - 1),
          "SMTPD_TIMEOUT": (1, 100000000), "SMTPD_CMD_TIMEOUT": (1, 100000000),
          "SMTPD_DATA_TIMEOUT": (1, 100000000), "SMTPD_SESSION_TIMEOUT": (1, 100000000),
          "SMTPD_MAXPERIP": (0, 1000), "SMTPD_MAXPERIP_RELAY": (0, 1000),
          "SMTPD_MAXCONN": (1, 10000), "SMTPD_MAXNORELAY": (0, 10000),
          "SMTPD_AUTH_MAXFAIL": (0, 2**32 - 1), "SMTPD_AUTH_WINDOW": (1, 100000000)}
rnd = random.Random(int(sys.argv[1]))
edges = lambda lo, hi: [str(lo), str(hi), str(hi + 1), str(2**32), str(2**64 - 1), str(2**64), "9" * 30]
bad = 0
for i in range(int(sys.argv[1])):
    name = rnd.choice(sorted(limits))
    lo, hi = limits[name]
    kind = rnd.randrange(4)
    if kind == 0: v = rnd.choice(edges(lo, hi) + (["0"] if lo else []))
    elif kind == 1: v = str(rnd.randrange(10 ** rnd.randrange(1, 25)))
    elif kind == 2: v = rnd.choice(["abc", "-1", " 5", "5 ", "1e3", "0x10", "12abc", "+7", "", "5\t"])
    else: v = "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(1, 22)))
    want = v == "" or (v.isdigit() and v.isascii() and lo <= int(v) <= hi)
    env = dict(os.environ); env[name] = v
    p = subprocess.run(["smarthost-smtpd", "-t"], env=env, capture_output=True, text=True)
    got = p.returncode == 0
    named = ("invalid %s:" % name) in p.stderr
    if got != want or (not got and (p.returncode != 100 or not named)):
        bad += 1
        print("# %s=%r: exit %d, wanted %s: %s" % (name, v, p.returncode, "0" if want else "100", p.stderr.strip()))
print("bad %d" % bad)
PYEOF
is "300 random values: each accepted exactly when in range, else refused naming the setting" \
  "$(tail -1 "$T/random")" "bad 0"
grep '^#' "$T/random" | head -5 >&3

out=$(DATABYTES=18446744073709551616 smarthost-smtpd -t 2>&1)
like "DATABYTES of 2^64: a fatal line with its name" "$out" '^smarthost-smtpd: fatal: invalid DATABYTES: "18446744073709551616"'
out=$(SMTPD_AUTH_CLEAR=yes smarthost-smtpd -t 2>&1)
like "a switch set to yes: fatal, not silently off" "$out" 'fatal: invalid SMTPD_AUTH_CLEAR: "yes"'

# at a connection, a setting from a tcprules rule
echo ':allow,SMTPD_MAXERRORS="ten"' > "$T/rules"
start_smtpd rules
out=$(raw '!eof')
like "a bad setting at a connection: 421 4.3.5 to the client" "$out" '^421 4\.3\.5 '
like "and the fatal line in the log" "$(cat "$T/log")" 'smarthost-smtpd: fatal: invalid SMTPD_MAXERRORS: "ten"'

# service/smtpd/run, in an instance of its own
I=$T/inst
mkdir -p "$I/conf" "$I/service/smtpd"
cp "$TOP/service/smtpd/run" "$I/service/smtpd/run"
printf ':allow\n' > "$I/tcp.smtpd"
echo "$BUILD:/usr/lib/execline/bin:/usr/bin:/bin:/usr/sbin:/sbin" > "$I/conf/PATH"
echo "$Q" > "$I/conf/QUEUE"
run_with()
{
  rm -f "$I/conf/LISTEN" "$I/conf/SMTPD_MAXCONN" "$I/conf/DATABYTES"
  echo "$2" > "$I/conf/$1"
  [ -e "$I/conf/LISTEN" ] || echo "127.0.0.1:$(free_port)" > "$I/conf/LISTEN"
  (cd "$I/service/smtpd" && timeout 20 ./run) > "$T/run.out" 2>&1
}
fails_with 100 "LISTEN=127.0.0.1:99999: run exits 100" run_with LISTEN 127.0.0.1:99999
like "with a line naming LISTEN" "$(cat "$T/run.out")" '^smtpd/run: fatal: invalid LISTEN: "127\.0\.0\.1:99999"'
fails_with 100 "SMTPD_MAXCONN=abc: run exits 100" run_with SMTPD_MAXCONN abc
like "with a line naming SMTPD_MAXCONN" "$(cat "$T/run.out")" '^smtpd/run: fatal: invalid SMTPD_MAXCONN: "abc"'
fails_with 100 "DATABYTES=2^64: run exits 100 before tcpserver starts" run_with DATABYTES 18446744073709551616
like "with the smtpd's line naming DATABYTES" "$(cat "$T/run.out")" 'smarthost-smtpd: fatal: invalid DATABYTES'

# and good settings still give a listener
port=$(free_port)
echo "127.0.0.1:$port" > "$I/conf/LISTEN"
rm -f "$I/conf/SMTPD_MAXCONN" "$I/conf/DATABYTES"
(cd "$I/service/smtpd" && exec ./run) > "$T/run.out" 2>&1 &
_tap_pids="$_tap_pids $!"
PORT=$port
wait_port "$port"
like "good settings: the listener serves" "$(raw 'QUIT\r\n')" '^221 '
