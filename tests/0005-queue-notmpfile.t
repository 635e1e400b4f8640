#!/bin/sh
# smarthost-queue on a file system without O_TMPFILE (NFS, overlayfs before
# Linux 6.6, as in containers on Debian bookworm): a message over the
# in-memory limit still goes into the spool. The injector's test variant
# ($BUILD/test/, tests/fault/) makes open(O_TMPFILE) fail as such a file
# system does.
. "$(dirname "$0")/lib.sh"
plan 4

test_spool

# over the injector's 1 MB held in memory
head -c 1500000 /dev/urandom | base64 > "$T/big"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
FAULT_NOTMPFILE=1 "$BUILD/test/smarthost-queue" < "$T/big" 1< "$T/env" 2> "$T/err"
is "a 2 MB message is queued without O_TMPFILE" "$?" 0
like "no error" "$(cat "$T/err")" '^$'
set -- "$Q"/new/*
ok "the body is stored byte for byte" sh -c "sed '1,/^\$/d' '$1' | cmp - '$T/big'"
is "no scratch file left in tmp/" "$(ls -A "$Q/tmp")" ""
