/* Envelope address checks: the limits of RFC 5321 4.5.3.1, and no control
   characters, which would break the spool's line format and the SMTP dialogue. */

#include <string.h>
#include <strings.h>
#include "addr.h"

int addr_check (char const *s, size_t len)
{
  char const *at;
  size_t i;
  for (i = 0; i < len; i++)
  {
    unsigned char c = s[i];
    if (c < 0x20 || c == 0x7f) return ADDR_ECHAR;
  }
  if (len > ADDR_MAX) return ADDR_ELONG;
  at = memrchr(s, '@', len);
  if (at)
  {
    if ((size_t)(at - s) > ADDR_LOCAL_MAX) return ADDR_ELONG;
    if (len - (at - s) - 1 > ADDR_DOMAIN_MAX) return ADDR_ELONG;
  }
  else if (len > ADDR_LOCAL_MAX) return ADDR_ELONG;
  return ADDR_OK;
}

int addr_same (char const *a, size_t alen, char const *b, size_t blen)
{
  char const *at = memrchr(a, '@', alen);
  size_t local = at ? (size_t)(at - a) : alen;
  if (alen != blen) return 0;
  if (memcmp(a, b, local)) return 0;
  if (local < alen && b[local] != '@') return 0;
  return local == alen || !strncasecmp(a + local, b + local, alen - local);
}
