/* The one hash of an envelope address, for the tables that fold duplicate
   recipients (the injector's envelope, the scheduler's state, sendmail's
   listing): it must agree with addr_same(), so it lives beside it. */

#include <string.h>
#include "addr.h"

uint32_t addr_hash (char const *s, size_t len)
{
  char const *at = memrchr(s, '@', len);
  size_t local = at ? (size_t)(at - s) : len;
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < len; i++)
  {
    unsigned char c = s[i];
    if (i > local && c >= 'A' && c <= 'Z') c += 'a' - 'A';
    h = (h ^ c) * 16777619u;
  }
  return h;
}
