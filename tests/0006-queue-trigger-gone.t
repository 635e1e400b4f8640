#!/bin/sh
# smarthost-queue: once the message is committed, nothing may make the
# injector report failure, not even a trigger reader that goes away
# between our open and our write (SIGPIPE would kill us after the commit,
# the caller would see "killed", say 451, and the client would send a
# duplicate). The injector's test variant ($BUILD/test/, tests/fault/)
# plays that reader: open() or openat() of the trigger returns a pipe (a
# FIFO) whose read end is already closed.
. "$(dirname "$0")/lib.sh"
plan 3

test_spool

printf 'Subject: x\n\nbody\n' > "$T/msg"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
# Python runs the injector with SIGPIPE at its default action, as a caller
# that does not ignore it would.
r=$("$PY" -c '
import os, subprocess, sys
env = dict(os.environ, FAULT_TRIGGER_GONE="1")
with open(sys.argv[2], "rb") as m, open(sys.argv[3], "rb") as e:
    print(subprocess.run([sys.argv[1]], stdin=m, stdout=e, env=env).returncode)
' "$BUILD/test/smarthost-queue" "$T/msg" "$T/env" 2>"$T/err")
is "the reader gone: still exit 0" "$r" 0
is "the message is in new/" "$(ls "$Q/new" | wc -l | tr -d ' ')" 1
like "a warning says the trigger was not poked" "$(cat "$T/err")" 'warning: unable to poke the trigger'
