/* clockshift.so: a preload that moves CLOCK_REALTIME forward by
   $CLOCKSHIFT_SECONDS, for the tests of what a program does only once
   something is old (tests/0639: what is no message in new/ goes after 36
   hours unchanged, judged by a change time nobody can set back). The
   other clocks, and the file system's times, are left as they are. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

int clock_gettime (clockid_t clock, struct timespec *ts)
{
  static int (*real)(clockid_t, struct timespec *);
  char const *shift = getenv("CLOCKSHIFT_SECONDS");
  int r;
  if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
  r = real(clock, ts);
  if (!r && clock == CLOCK_REALTIME && shift) ts->tv_sec += atol(shift);
  return r;
}
