/* sizelimit.c: the smtpd's size limit (sizelimit.h) */

#include "sizelimit.h"

uint64_t sizelimit_of (uint64_t databytes, uint64_t upstream, uint64_t margin)
{
  uint64_t up = upstream > margin ? upstream - margin : upstream;
  if (!up) return databytes;
  if (!databytes) return up;
  return up < databytes ? up : databytes;
}
