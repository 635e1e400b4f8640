/* Text from outside (HELO names, upstream replies, addresses) is made
   printable before it reaches a log line or another program's input. */

#include <skalibs/stralloc.h>
#include "printable.h"

void printable_fix (char *s, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++)
  {
    unsigned char c = s[i];
    if (c < 0x20 || c > 0x7e) s[i] = '?';
  }
}

int printable_cat (stralloc *sa, char const *s, size_t len)
{
  if (!stralloc_catb(sa, s, len)) return 0;
  printable_fix(sa->s + sa->len - len, len);
  return 1;
}
