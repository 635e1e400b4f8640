/* Fuzzing the envelope address check (lib/addr.h): every MAIL FROM and
   RCPT TO argument, and every F/T line of a message file, goes through it.
   Properties: what it accepts fits RFC 5321's limits and has no control
   character (the spool's line format and the SMTP dialogue depend on it). */
#include <string.h>
#include "addr.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char *s = malloc(size ? size : 1);  /* exact size, no NUL: it takes a length */
  int r;
  size_t i;
  if (!s) return 0;
  memcpy(s, data, size);
  r = addr_check(s, size);
  FUZZ_ASSERT(r == ADDR_OK || r == ADDR_ELONG || r == ADDR_ECHAR);
  if (r == ADDR_OK)
  {
    char const *at = memrchr(s, '@', size);
    FUZZ_ASSERT(size <= ADDR_MAX);
    for (i = 0; i < size; i++) FUZZ_ASSERT((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
    if (at) FUZZ_ASSERT((size_t)(at - s) <= ADDR_LOCAL_MAX && size - (size_t)(at - s) - 1 <= ADDR_DOMAIN_MAX);
  }
  for (i = 0; i < size; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) FUZZ_ASSERT(r == ADDR_ECHAR);
  free(s);
  return 0;
}
