/* unit tests of date822_fmt (lib/date822.c): against the C library's
   strftime over random instants from 1901 to 9999 and random offsets (the
   invariant), and a few dates written out by hand. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "date822.h"
#include "tap.h"

/* What strftime says for t at offset seconds east of UTC. */
static void want (char *s, size_t n, time_t t, long offset)
{
  struct tm tm;
  time_t local = t + offset;
  unsigned long off = offset < 0 ? -offset : offset;
  size_t len;
  gmtime_r(&local, &tm);
  len = strftime(s, n, "%a, %d %b %Y %H:%M:%S ", &tm);
  snprintf(s + len, n - len, "%c%02lu%02lu", offset < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
}

static int same (time_t t, long offset)
{
  char got[DATE822_MAX], w[100];
  size_t n = date822_fmt(got, t, offset);
  want(w, sizeof w, t, offset);
  if (n == strlen(got) && !strcmp(got, w)) return 1;
  printf("# t=%lld offset=%ld: got \"%s\", want \"%s\"\n", (long long)t, offset, got, w);
  return 0;
}

int main (void)
{
  char s[DATE822_MAX];
  unsigned int i, bad = 0;
  srand(5322);
  tap_plan(7);
  date822_fmt(s, 0, 0);
  tap_ok(!strcmp(s, "Thu, 01 Jan 1970 00:00:00 +0000"), "the epoch");
  date822_fmt(s, 1795820000, 3600);
  tap_ok(!strcmp(s, "Fri, 27 Nov 2026 23:53:20 +0100"), "22:53:20 UTC at +0100");
  date822_fmt(s, 951782400, -19800);
  tap_ok(!strcmp(s, "Mon, 28 Feb 2000 18:30:00 -0530"), "29 February 2000, 00:00 UTC, at -0530: the day before");
  tap_ok(same(-1, 0), "one second before the epoch");
  tap_ok(same(253402300799, 0), "the last second of 9999");
  for (i = 0; i < 200000; i++)
  {
    time_t t = (time_t)(((int64_t)rand() << 31 | rand()) % (253402300799LL + 2177452800LL)) - 2177452800LL;
    long offset = (rand() % 4 ? 0 : (long)(rand() % (2 * 50400)) - 50400) / 60 * 60;
    if (!same(t, offset) && ++bad > 5) break;
  }
  tap_ok(!bad, "200,000 random instants (1901-9999), some at random offsets: strftime's text");
  tap_is(date822_fmt(s, 253402300799, -43200), 31, "the length returned");
  return tap_done();
}
