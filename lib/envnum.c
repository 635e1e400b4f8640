/* Numeric settings. One reader for every program, so that a bad value is
   refused the same way everywhere: DATABYTES=18446744073709551616 must not
   wrap to 0 (no limit), and a timeout of 2^31 seconds must not become a
   negative deadline. */

#include <stdlib.h>
#include <skalibs/types.h>
#include "envnum.h"

int envnum_u64 (char const *name, uint64_t dflt, uint64_t max, uint64_t *v)
{
  char const *s = getenv(name);
  uint64_t n;
  size_t len;
  if (!s || !*s) { *v = dflt > max ? max : dflt; return 1; }
  /* uint64_scan stops before the digit that would overflow: a digit left
     over means the number does not fit 64 bits */
  len = uint64_scan(s, &n);
  if (!len || s[len] || n > max) return 0;
  *v = n;
  return 1;
}

unsigned int envnum_get (char const *name, unsigned int dflt, unsigned int max, char const **bad)
{
  unsigned int v;
  if (envnum_uint(name, dflt, max, &v)) return v;
  if (!*bad) *bad = name;
  return dflt;
}

int envnum_uint (char const *name, unsigned int dflt, unsigned int max, unsigned int *v)
{
  uint64_t n;
  if (!envnum_u64(name, dflt, max, &n)) return 0;
  *v = n;
  return 1;
}
