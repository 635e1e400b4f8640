#!/bin/sh
# smarthost-smtpd: AUTH failures are counted per client address across all
# its connections (SMTPD_AUTH_MAXFAIL in SMTPD_AUTH_WINDOW seconds), so that
# parallel sessions do not multiply the guesses. 12 parallel connections
# with a wrong password: exactly SMTPD_AUTH_MAXFAIL get their 535, the rest
# 454 4.7.0 without a check; then even the right password gets 454, until
# the window is over; then it works, and a success clears the record.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 8

printf 'alice:%s\n' "$(openssl passwd -6 -salt alicesalt wonderland)" > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1 SMTPD_RUNDIR=$T/run
SMTPD_AUTH_MAXFAIL=3 SMTPD_AUTH_WINDOW=10 SMTPD_MAXPERIP=20
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR SMTPD_RUNDIR SMTPD_AUTH_MAXFAIL SMTPD_AUTH_WINDOW SMTPD_MAXPERIP
mkdir -m 0700 "$SMTPD_RUNDIR"
start_smtpd norelay
GOOD=$(printf '\0alice\0wonderland' | base64)
BAD=$(printf '\0alice\0guess' | base64)

"$PY" - "$PORT" "$BAD" > "$T/par" 2>&1 <<'PYEOF'
import socket, sys, threading
port, resp = int(sys.argv[1]), sys.argv[2]
codes = []

def attempt():
    try:
        s = socket.create_connection(("127.0.0.1", port), 30)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO c\r\n")
        while f.readline()[3:4] == b"-":
            pass
        s.sendall(b"AUTH PLAIN " + resp.encode() + b"\r\n")
        codes.append(f.readline().decode()[:9])
        s.close()
    except Exception as e:
        codes.append("error %s" % e)

threads = [threading.Thread(target=attempt) for _ in range(12)]
for t in threads: t.start()
for t in threads: t.join()
for c in codes: print(c)
PYEOF
is "12 parallel guesses: 3 checked and answered 535" "$(grep -c '^535 5\.7\.8' "$T/par")" 3
is "and 9 refused with 454 4.7.0" "$(grep -c '^454 4\.7\.0' "$T/par")" 9
like "the refusals are logged" "$(cat "$T/log")" 'AUTH PLAIN refused: too many failures from this address'

out=$(raw 'EHLO c\r\n' "AUTH PLAIN $GOOD\\r\\n" 'QUIT\r\n')
like "during the lock-out even the right password gets 454" "$out" '^454 4\.7\.0 too many failed'

# the window (10 s from the last counted failure) passes
authok()
{
  out=$(raw 'EHLO c\r\n' "AUTH PLAIN $GOOD\\r\\n" 'QUIT\r\n')
  printf '%s\n' "$out" | grep -q '^235 '
}
sleep 8
ok "once the window is over, the right password works" wait_for 60 authok
ok "and the success removed the record" test ! -e "$T/run/auth-4-127.0.0.1"
out=$(raw 'EHLO c\r\n' "AUTH PLAIN $BAD\\r\\n" 'QUIT\r\n')
like "so the next wrong password is checked again (535)" "$out" '^535 5\.7\.8 '
unlike "no password reached the log" "$(cat "$T/log")" 'wonderland|guess'
