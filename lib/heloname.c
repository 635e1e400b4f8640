/* The name in HELO, EHLO, greetings, Received fields, Message-IDs and
   delivery reports: one rule for every program (heloname.h). */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "heloname.h"

char const *heloname_get (void)
{
  static char host[256];
  char const *s = getenv("HELONAME");
  if (s && *s) return s;
  /* gethostname may cut a long name without a NUL: the last byte stays 0 */
  if (gethostname(host, sizeof host - 1) < 0 || !*host) strcpy(host, "localhost");
  return host;
}
