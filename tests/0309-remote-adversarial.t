#!/bin/sh
# A hostile or broken path to the upstream: replies sent ahead of the end of
# DATA, a 2xx other than 250 to the dot, capabilities injected before
# STARTTLS, bytes after the 220 to STARTTLS, a 421 to AUTH, a password file
# others can read, a job naming a recipient the message does not have, and
# upstream text with TABs. Each must end deferred (or refused), never "ok".
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 32

export HELONAME=relay.test UPSTREAM_TLS=none UPSTREAM_TIMEOUT=3 UPSTREAM_DATATIMEOUT=3
printf 'pw\n' > "$T/pass"; chmod 600 "$T/pass"

greet='> 220 up.test ESMTP
< EHLO relay\.test'
tx='< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA
> 250 ok
> 250 ok'

# play NAME [ENV...]: the script on stdin against one message by hand; sets
# R (exit code), RES (the M line), RLINE (the R line), ST (script status)
play()
{
  n=$1; shift
  cat > "$T/$n.script"
  start_scripted "$n"
  printf 'Subject: f\n\nbody\n' | env UPSTREAM="127.0.0.1:$PORT" "$@" smarthost-remote -f a@example.org b@example.net > "$T/$n.res" 2>"$T/$n.err"
  R=$?
  RES=$(grep '^M' "$T/$n.res")
  RLINE=$(grep '^R' "$T/$n.res")
  ST=$(scripted_done "$n")
}

# A reply already waiting behind the 354 is not the reply to the dot.
play early <<EOF2
$greet
> 250-up.test
> 250 PIPELINING
$tx
! 354 go ahead\r\n250 early, before any body\r\n
data
> 554 5.7.1 refused after all
<? QUIT
> 221 bye
EOF2
like "a reply sent ahead of the body: deferred, class protocol" "$R $RES" '^111 M	defer	protocol	000	'
unlike "... the recipient is not reported ok" "$RLINE" '	ok	'

play dot252 <<EOF2
$greet
> 250-up.test
> 250 PIPELINING
$tx
> 354 go ahead
data
> 252 2.0.0 maybe
< QUIT
> 221 bye
EOF2
like "a 252 to the dot is no acceptance: deferred" "$R $RES" '^111 M	defer	'
like "... the recipient deferred with the 252" "$RLINE" '^R	b@example.net	defer	252	'

play tab <<EOF2
$greet
> 250-up.test
> 250 PIPELINING
$tx
> 354 go ahead
data
! 250 queued\tas\rX1\r\n
< QUIT
> 221 bye
EOF2
is "upstream text with TAB and CR: still five fields per line" "$R $(awk -F '	' '{print NF}' "$T/tab.res" | tr '\n' ' ')" "0 5 5 "

# Capabilities injected in clear before STARTTLS do not count after it.
make_certs
cat > "$T/inject.script" <<EOF2
$greet
> 250-up.test
> 250-AUTH PLAIN LOGIN
> 250-SIZE 1000
> 250 STARTTLS
< STARTTLS
> 220 go ahead
tls
< EHLO relay\.test
> 250-up.test
> 250 PIPELINING
< QUIT
> 221 bye
EOF2
start_scripted inject --cert "$T/certs/server.pem" --key "$T/certs/server.key"
UPSTREAM=localhost:$PORT UPSTREAM_TLS=starttls UPSTREAM_CAFILE="$T/certs/ca.pem" UPSTREAM_USER=u \
  UPSTREAM_PASSFILE="$T/pass" smarthost-remote --check > "$T/inject.out" 2>&1; r=$?
like "AUTH offered only before STARTTLS: refused, class auth" "$r $(tail -1 "$T/inject.out")" '^100 fail: auth: .*offers no AUTH'
is "... and the script ran through without AUTH" "$(scripted_done inject)" done

cat > "$T/after220.script" <<EOF2
$greet
> 250-up.test
> 250 STARTTLS
< STARTTLS
! 220 go ahead\r\n250-AUTH PLAIN\r\n
eof
EOF2
start_scripted after220
printf 'x\n' | UPSTREAM=localhost:$PORT UPSTREAM_TLS=starttls UPSTREAM_CAFILE="$T/certs/ca.pem" \
  smarthost-remote -f a@example.org b@example.net > "$T/after220.res" 2>&1; r=$?
like "bytes after the 220 to STARTTLS: deferred, class protocol, no handshake" "$r $(tail -1 "$T/after220.res")" '^111 M	defer	protocol	000	.*after its reply to STARTTLS'

play auth421 UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" UPSTREAM_AUTH_CLEAR=1 <<EOF2
$greet
> 250-up.test
> 250 AUTH PLAIN
< AUTH PLAIN .*
> 421 4.7.0 too many logins, closing
close
EOF2
like "421 to AUTH: class throttle, not a credentials problem" "$R $RES" '^111 M	defer	throttle	421	'

# The password file: readable by anyone but its owner (others, or the
# group, which holds the smtpd user and every local sender): refused.
chmod 604 "$T/pass"
play worldpass UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" UPSTREAM_AUTH_CLEAR=1 <<EOF2
$greet
> 250-up.test
> 250 AUTH PLAIN
< QUIT
> 221 bye
EOF2
like "a password file readable by others: deferred, class config" "$R $RES" '^111 M	defer	config	000	.*UPSTREAM_PASSFILE'
is "... and no AUTH sent with it" "$ST" done
chmod 640 "$T/pass"
play grouppass UPSTREAM_USER=u UPSTREAM_PASSFILE="$T/pass" UPSTREAM_AUTH_CLEAR=1 <<EOF2
$greet
> 250-up.test
> 250 AUTH PLAIN
< QUIT
> 221 bye
EOF2
like "a password file readable by the group: refused too, naming the file and the fix" "$R $RES" "^111 M	defer	config	000	UPSTREAM_PASSFILE $T/pass is readable by its group or others: chmod 600"
is "... and no AUTH sent with it" "$ST" done
chmod 600 "$T/pass"

# A job naming a recipient the message file does not have.
printf 'x\n' | make_msg "$T/msg" a@example.org b@example.net
printf 'M %s\nR b@example.net\nR mallory@example.com\n.\n' "$T/msg" \
  | UPSTREAM=127.0.0.1:$(free_port) smarthost-remote -w > "$T/stray.res" 2>&1; r=$?
like "a recipient not in the message file: the job is refused, class local" "$r $(tail -1 "$T/stray.res")" '^0 M	defer	local	000	.*not in the message'
is "... every recipient deferred" "$(grep -c '^R	.*	defer	000	' "$T/stray.res")" 2

# One recipient refused, the other accepted, then the dot refused: each R
# line is its own final outcome, none is ok.
cat > "$T/partial.script" <<EOF2
$greet
> 250 up.test
< MAIL FROM:<a@example\.org>
> 250 ok
< RCPT TO:<b@example\.net>
> 250 ok
< RCPT TO:<c@example\.net>
> 450 4.2.1 mailbox busy
< DATA
> 354 go ahead
data
> 554 5.6.0 content refused
< QUIT
> 221 bye
EOF2
start_scripted partial
printf 'x\n' | UPSTREAM=127.0.0.1:$PORT smarthost-remote -f a@example.org b@example.net c@example.net > "$T/partial.res"; r=$?
is "partial RCPT, then the dot refused: per-recipient outcomes" "$r $(cut -f1-4 "$T/partial.res" | tr '\t\n' ' ')" \
  "111 R b@example.net fail 554 R c@example.net defer 450 M defer smtp 554 "
is "... the script ran through" "$(scripted_done partial)" done

# The token command: it gets no stdin (in worker mode that is the job
# pipe), and one that prints a token but never exits is stopped.
start_upstream tok --auth-user u --auth-token tok123 --mechs 'OAUTHBEARER' --require-auth
printf '#!/bin/sh\nread x\necho tok123\n' > "$T/readcmd"; chmod +x "$T/readcmd"
printf 'x\n' | make_msg "$T/tokmsg" a@example.org b@example.net
job="M $T/tokmsg
R b@example.net
."
{ printf '%s\n' "$job"; sleep 1; printf '%s\n' "$job"; } | UPSTREAM=127.0.0.1:$PORT UPSTREAM_AUTH_CLEAR=1 UPSTREAM_USER=u \
  UPSTREAM_TOKENCMD="$T/readcmd" smarthost-remote -w > "$T/tok.res" 2> "$T/tok.err"; r=$?
is "a token command that reads stdin does not eat the next job" "$r $(grep -c '^M	ok	' "$T/tok.res")" "0 2"
printf '#!/bin/sh\necho tok123\nexec sleep 6\n' > "$T/stuckcmd"; chmod +x "$T/stuckcmd"
UPSTREAM=127.0.0.1:$PORT UPSTREAM_AUTH_CLEAR=1 UPSTREAM_USER=u UPSTREAM_TIMEOUT=1 \
  UPSTREAM_TOKENCMD="$T/stuckcmd" smarthost-remote --check > "$T/stuck.out" 2>&1; r=$?
like "a token command that does not exit within UPSTREAM_TIMEOUT: refused" "$r $(tail -1 "$T/stuck.out")" '^100 fail: auth: UPSTREAM_TOKENCMD'

# A job line longer than any address or path: a malformed job, said so.
{ printf 'M %s\nR ' "$T/tokmsg"; printf '%05000d@example.net\n.\n' 0; } \
  | UPSTREAM=127.0.0.1:$(free_port) smarthost-remote -w > "$T/long.res" 2> "$T/long.err"; r=$?
is "a job line over the limit: exit 100, nothing reported as done" "$r $(grep -c '	ok	' "$T/long.res")" "100 0"
like "... named as a malformed job" "$(cat "$T/long.err")" 'fatal: malformed job: .*too long'

# An empty recipient (even if the message file has one) is never RCPT TO:<>.
printf 'x\n' | make_msg "$T/emptymsg" a@example.org '' b@example.net
printf 'M %s\nR \nR b@example.net\n.\n' "$T/emptymsg" \
  | UPSTREAM=127.0.0.1:$(free_port) smarthost-remote -w > "$T/empty.res" 2>&1; r=$?
like "an empty recipient in a job: the job is refused, class local" "$r $(tail -1 "$T/empty.res")" '^0 M	defer	local	000	malformed'

# The certificate is checked against the configured name, sent as SNI;
# never against an IP address or the name the server gives itself.
cat > "$T/sni.script" <<EOF2
tls
> 220 up.test ESMTP
< EHLO relay\.test
> 250 up.test
< QUIT
> 221 bye
EOF2
start_scripted sni --cert "$T/certs/server.pem" --key "$T/certs/server.key" --sni "$T/sni.name"
UPSTREAM=localhost:$PORT UPSTREAM_TLS=tls UPSTREAM_CAFILE="$T/certs/ca.pem" smarthost-remote --check > "$T/sni.out" 2>&1; r=$?
is "implicit TLS: the configured name goes out as SNI" "$r $(scripted_done sni) $(cat "$T/sni.name" 2>/dev/null)" "0 done localhost"
cat > "$T/byip.script" <<EOF2
tls
> 220 localhost ESMTP
EOF2
start_scripted byip --cert "$T/certs/server.pem" --key "$T/certs/server.key"
UPSTREAM=127.0.0.1:$PORT UPSTREAM_TLS=tls UPSTREAM_CAFILE="$T/certs/ca.pem" smarthost-remote --check > "$T/byip.out" 2>&1; r=$?
like "configured by IP, a certificate for localhost is refused" "$r $(tail -1 "$T/byip.out")" '^100 fail: tls: '
cat > "$T/selfname.script" <<EOF2
> 220 other.example ESMTP
< EHLO relay\.test
> 250-other.example
> 250 STARTTLS
< STARTTLS
> 220 go ahead
tls
EOF2
start_scripted selfname --cert "$T/certs/wrong.pem" --key "$T/certs/wrong.key"
UPSTREAM=localhost:$PORT UPSTREAM_TLS=starttls UPSTREAM_CAFILE="$T/certs/ca.pem" smarthost-remote --check > "$T/selfname.out" 2>&1; r=$?
like "a certificate for the name the server greets with, not ours: refused" "$r $(tail -1 "$T/selfname.out")" '^100 fail: tls: '

# A listener whose backlog is full never completes our connect: bounded
# by UPSTREAM_TIMEOUT, then deferred, class network.
FULL=$(free_port)
spawn $PY -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(0)
cs = []
for i in range(4):
    c = socket.socket(); c.setblocking(False); c.connect_ex(("127.0.0.1", int(sys.argv[1]))); cs.append(c)
print("ready", flush=True); time.sleep(30)' "$FULL" > "$T/full.out"
wait_for 10 grep -q ready "$T/full.out"
printf 'x\n' | UPSTREAM=127.0.0.1:$FULL UPSTREAM_TIMEOUT=1 smarthost-remote -f a@example.org b@example.net > "$T/full.res" 2>&1; r=$?
like "connect to a full backlog: deferred after the timeout, class network" "$r $(tail -1 "$T/full.res")" '^111 M	defer	network	000	.*(timed out|refused)'

# 530 "authentication required" (RFC 4954 6) to MAIL or RCPT says our
# session lacks AUTH: a configuration problem, never a bounce.
play mail530 <<EOF2
$greet
> 250-up.test
> 250 PIPELINING
< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA
> 530 5.7.0 Authentication required
> 503 5.5.1 need MAIL first
> 503 5.5.1 need RCPT first
< QUIT
> 221 bye
EOF2
like "530 to MAIL: deferred, class auth" "$R $RES" '^111 M	defer	auth	530	'
like "... the recipient deferred" "$RLINE" '^R	b@example.net	defer	530	'
play rcpt530 <<EOF2
$greet
> 250-up.test
> 250 PIPELINING
< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA
> 250 ok
> 530 5.7.0 Authentication required
> 554 5.5.1 no valid recipients
< QUIT
> 221 bye
EOF2
like "530 to RCPT: deferred, class auth" "$R $RES" '^111 M	defer	auth	530	'
like "... the recipient deferred" "$RLINE" '^R	b@example.net	defer	530	'

# A silent peer during the TLS handshake is a network problem (defer),
# not a certificate one (class tls pauses the whole queue).
cat > "$T/mute.script" <<EOF2
sleep 4
EOF2
start_scripted mute
printf 'x\n' | UPSTREAM=localhost:$PORT UPSTREAM_TLS=tls UPSTREAM_TIMEOUT=1 UPSTREAM_CAFILE="$T/certs/ca.pem" \
  smarthost-remote -f a@example.org b@example.net > "$T/mute.res" 2>&1; r=$?
like "no answer to the TLS handshake: deferred, class network" "$r $(tail -1 "$T/mute.res")" '^111 M	defer	network	000	.*timed out'

# Verification is on without any setting: the test CA is not in the
# system bundle, so the same server is refused without UPSTREAM_CAFILE.
cat > "$T/nocafile.script" <<EOF2
tls
> 220 localhost ESMTP
EOF2
start_scripted nocafile --cert "$T/certs/server.pem" --key "$T/certs/server.key"
env -u UPSTREAM_CAFILE UPSTREAM=localhost:$PORT UPSTREAM_TLS=tls UPSTREAM_TIMEOUT=30 smarthost-remote --check > "$T/nocafile.out" 2>&1; r=$?
like "no UPSTREAM_CAFILE: verified against the system bundle, refused" "$r $(tail -1 "$T/nocafile.out")" '^100 fail: tls: .*(certificate|verify)'
