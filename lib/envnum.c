/* Numeric settings. One reader for every program, so that a huge value is
   capped the same way everywhere instead of wrapping (a timeout of 2^31
   seconds must not become a negative deadline). */

#include <stdlib.h>
#include <skalibs/types.h>
#include "envnum.h"

int envnum_u64 (char const *name, uint64_t dflt, uint64_t max, uint64_t *v)
{
  char const *s = getenv(name);
  uint64_t n;
  size_t len;
  if (!s || !*s) { *v = dflt > max ? max : dflt; return 1; }
  len = uint64_scan(s, &n);
  if (!len) return 0;
  /* all digits, but too many for 64 bits: as large as can be */
  if (s[len] >= '0' && s[len] <= '9') { for (; s[len] >= '0' && s[len] <= '9'; len++) ; n = max; }
  if (s[len]) return 0;
  *v = n > max ? max : n;
  return 1;
}

int envnum_uint (char const *name, unsigned int dflt, unsigned int max, unsigned int *v)
{
  uint64_t n;
  if (!envnum_u64(name, dflt, max, &n)) return 0;
  *v = n;
  return 1;
}
