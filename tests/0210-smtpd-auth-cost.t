#!/bin/sh
# smarthost-smtpd: an AUTH attempt for an unknown or locked user costs the
# same crypt() as one for a real user, so that timing does not tell who
# exists: the hash of the first usable entry stands in, even when the file
# starts with a locked one. The smtpd's test variant ($BUILD/test/,
# tests/fault/) records the setting of each crypt_r() call.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 3

ALICE=$(openssl passwd -6 -salt alicesalt wonderland)
{
  printf 'carol:!%s\n' "$(openssl passwd -6 -salt carolsalt locked)"
  printf 'alice:%s\n' "$ALICE"
} > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1 FAULT_CRYPT_LOG=$T/settings
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR FAULT_CRYPT_LOG
PATH=$BUILD/test:$PATH start_smtpd norelay

raw 'EHLO c\r\n' "AUTH PLAIN $(printf '\0mallory\0guess' | base64)\\r\\n" \
  "AUTH PLAIN $(printf '\0carol\0guess' | base64)\\r\\n" 'QUIT\r\n' > "$T/out"
is "two attempts, two crypt() calls" "$(wc -l < "$T/settings" | tr -d ' ')" 2
is "an unknown user costs alice's hash" "$(sed -n 1p "$T/settings")" "$ALICE"
is "a locked user costs alice's hash" "$(sed -n 2p "$T/settings")" "$ALICE"
