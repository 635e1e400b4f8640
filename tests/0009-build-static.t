#!/bin/sh
# The hot-path programs (smarthost-smtpd, smarthost-queue) are linked
# statically, libc included (Makefile, STATIC), unless the build uses
# sanitizers or STATIC=0; and they carry no fault injection: that lives
# only in their test variants in $BUILD/test/ (tests/fault/). Static, they
# still work with an empty environment: no NSS module, no shared library.
. "$(dirname "$0")/lib.sh"
plan 8

Q=$T/queue
make_queue "$Q"

for p in smarthost-smtpd smarthost-queue; do
  if readelf -s "$BUILD/$p" | grep -q '__asan_init\|__ubsan_handle'; then
    want=dynamic   # sanitizers cannot link statically
  elif [ "${STATIC:-1}" = 1 ]; then
    want=static
  else
    want=dynamic
  fi
  if readelf -l "$BUILD/$p" | grep -q 'Requesting program interpreter'; then got=dynamic; else got=static; fi
  is "$p is linked $want" "$got" "$want"
  is "$p has no fault wrappers" "$(readelf -s "$BUILD/$p" | grep -c '__wrap_')" 0
  like "its test variant has them" "$(readelf -s "$BUILD/test/$p" | grep -c '__wrap_')" '^[1-9]'
done

printf 'QUIT\r\n' > "$T/quit"
like "smarthost-smtpd answers with an empty environment" \
  "$(env -i "$BUILD/smarthost-smtpd" < "$T/quit" 2>&1)" '^221 '
printf 'Subject: x\n\nbody\n' > "$T/msg"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
env -i QUEUE="$Q" "$BUILD/smarthost-queue" < "$T/msg" 1< "$T/env" 2>/dev/null
is "smarthost-queue queues with only QUEUE set" "$(ls "$Q/new" | wc -l | tr -d ' ')" 1
