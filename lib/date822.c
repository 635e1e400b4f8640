/* RFC 5322 3.3 dates (date822.h). The civil date from the day count is
   Howard Hinnant's days_from_civil inverse ("chrono-Compatible Low-Level
   Date Algorithms", civil_from_days): exact for every day of the
   proleptic Gregorian calendar, no table, no time zone file. */

#include <stdint.h>
#include <string.h>
#include <skalibs/types.h>
#include "date822.h"

/* Two digits of n (0-99). */
static char *two (char *p, unsigned int n)
{
  *p++ = '0' + n / 10;
  *p++ = '0' + n % 10;
  return p;
}

size_t date822_fmt (char *s, time_t t, long offset)
{
  static char const wday[] = "ThuFriSatSunMonTueWed";
  static char const mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int64_t local = (int64_t)t + offset;
  int64_t days = local / 86400, secs = local % 86400, z, era, doe, yoe, doy, mp, d, m, y;
  unsigned long off = offset < 0 ? -offset : offset;
  char *p = s;
  if (secs < 0) { secs += 86400; days--; }
  z = days + 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = z - era * 146097;
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
  memcpy(p, wday + 3 * (((days % 7) + 7) % 7), 3); p += 3;
  *p++ = ','; *p++ = ' ';
  p = two(p, d);
  *p++ = ' ';
  memcpy(p, mon + 3 * (m - 1), 3); p += 3;
  *p++ = ' ';
  if (y < 0) { *p++ = '-'; y = -y; }
  p += uint64_fmt(p, (uint64_t)y);
  *p++ = ' ';
  p = two(p, secs / 3600); *p++ = ':';
  p = two(p, secs % 3600 / 60); *p++ = ':';
  p = two(p, secs % 60);
  *p++ = ' ';
  *p++ = offset < 0 ? '-' : '+';
  p = two(p, off / 3600 % 100);
  p = two(p, off % 3600 / 60);
  *p = 0;
  return p - s;
}
