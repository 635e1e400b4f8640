#!/bin/sh
# smarthost-smtpd: an AUTH attempt for an unknown or locked user costs the
# same crypt() as one for a real user, so that timing does not tell who
# exists: the hash of the first usable entry stands in, even when the file
# starts with a locked one. A preloaded crypt_r() records each setting.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 3

cat > "$T/cr.c" <<'CEOF'
#define _GNU_SOURCE
#include <crypt.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
char *crypt_r (char const *phrase, char const *setting, struct crypt_data *cd)
{
  char *(*real)(char const *, char const *, struct crypt_data *) = dlsym(RTLD_NEXT, "crypt_r");
  char const *log = getenv("CRYPT_LOG");
  int fd = log ? open(log, O_WRONLY | O_APPEND | O_CREAT, 0600) : -1;
  if (fd >= 0)
  {
    if (write(fd, setting, strlen(setting)) < 0 || write(fd, "\n", 1) < 0) {}
    close(fd);
  }
  return real(phrase, setting, cd);
}
CEOF
cc -shared -fPIC -o "$T/cr.so" "$T/cr.c" -ldl || exit 1

ALICE=$(openssl passwd -6 -salt alicesalt wonderland)
{
  printf 'carol:!%s\n' "$(openssl passwd -6 -salt carolsalt locked)"
  printf 'alice:%s\n' "$ALICE"
} > "$T/auth"
SMTPD_AUTHFILE=$T/auth SMTPD_AUTH_CLEAR=1 CRYPT_LOG=$T/settings LD_PRELOAD=$T/cr.so
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export SMTPD_AUTHFILE SMTPD_AUTH_CLEAR CRYPT_LOG LD_PRELOAD ASAN_OPTIONS
start_smtpd norelay
unset LD_PRELOAD

raw 'EHLO c\r\n' "AUTH PLAIN $(printf '\0mallory\0guess' | base64)\\r\\n" \
  "AUTH PLAIN $(printf '\0carol\0guess' | base64)\\r\\n" 'QUIT\r\n' > "$T/out"
is "two attempts, two crypt() calls" "$(wc -l < "$T/settings" | tr -d ' ')" 2
is "an unknown user costs alice's hash" "$(sed -n 1p "$T/settings")" "$ALICE"
is "a locked user costs alice's hash" "$(sed -n 2p "$T/settings")" "$ALICE"
