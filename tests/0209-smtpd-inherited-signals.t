#!/bin/sh
# smarthost-smtpd started with SIGCHLD ignored (an inetd-like launcher, a
# shell that ignores it): the kernel then reaps the injector by itself and
# waitpid() fails, so the smtpd must set SIGCHLD back to its default, or a
# queued message gets "451 injector lost" and comes again as a duplicate.
. "$(dirname "$0")/lib.sh"
plan 3

test_spool
export HELONAME=relay.test RELAYCLIENT= TCPREMOTEIP=127.0.0.1

out=$("$PY" -c '
import signal, subprocess, sys
def ignore():
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
dialogue = (b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
            b"Subject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n")
r = subprocess.run(["smarthost-smtpd"], input=dialogue, stdout=subprocess.PIPE, preexec_fn=ignore)
sys.stdout.write(r.stdout.decode("latin-1"))
' 2>"$T/err")
like "with SIGCHLD ignored: 250 after the injector" "$out" '^250 2\.0\.0 Ok: queued as'
unlike "not 451" "$out" '^451 '
is "one message in new/" "$(ls "$Q/new" | wc -l | tr -d ' ')" 1
