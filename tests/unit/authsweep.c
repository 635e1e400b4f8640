/* lib/authlimit: the AUTH failure records expire and are swept, and there
   are never many more than the bound, however many addresses fail;
   none of it lets a client have its own record forgotten early, by
   making others or by waiting less than its window. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "authlimit.h"
#include "lockfile.h"
#include "tap.h"

#define MAXFAIL 3
#define WINDOW 100
#define RECORDS 5

static char dir[] = "/tmp/unit-authsweep-XXXXXX";

static unsigned int records (void)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  unsigned int n = 0;
  if (!d) exit(2);
  while ((e = readdir(d))) if (!strncmp(e->d_name, "auth-", 5)) n++;
  closedir(d);
  return n;
}

static int has (char const *key)
{
  char p[256];
  struct stat st;
  snprintf(p, sizeof p, "%s/auth-%s", dir, key);
  return !lstat(p, &st);
}

static char const *key (unsigned int i)
{
  static char k[32];
  snprintf(k, sizeof k, "4-10.0.0.%u", i);
  return k;
}

static int begin (unsigned int i, uint64_t now)
{
  return authlimit_begin_in(dir, key(i), MAXFAIL, WINDOW, now, RECORDS);
}

int main (void)
{
  /* the times given are from the clock: the sweep looks at the records'
     modification times first */
  uint64_t t = (uint64_t)time(0);
  unsigned int i, ok = 1, refused = 0;
  char p[256];
  int fd;
  tap_plan(12);
  if (!mkdtemp(dir)) return 2;

  for (i = 0; i < MAXFAIL; i++) ok &= begin(1, t) == 1;
  tap_ok(ok && begin(1, t) == 0, "client 1: three failures, then refused");

  for (i = 2; i < 40; i++) if (begin(i, t + 50) == 0) refused++;
  tap_ok(records() <= RECORDS + 1, "38 more addresses: at most the bound of records and the shared one");
  tap_ok(has(key(1)) && begin(1, t + 50) == 0, "client 1 is still refused: others' records did not push its own out");
  tap_ok(has("shared") && refused == 38 - (RECORDS - 1) - MAXFAIL, "past the bound, newcomers share one record, and are refused together");
  tap_is(authlimit_success(dir, key(8)), 0, "a success of a client counted in the shared record");
  tap_is(begin(40, t + 50), 1, "... takes its failure back: one more newcomer may try");

  tap_is(begin(1, t + 99), 0, "client 1 within its window: still refused");
  tap_is(authlimit_sweep(dir, WINDOW, t + 99), RECORDS, "a sweep within every window removes nothing");
  tap_is(authlimit_sweep(dir, WINDOW, t + 120), RECORDS - 1, "a sweep at client 1's window's end removes its record only");
  tap_ok(!has(key(1)) && has(key(2)), "... not those whose last failure is newer");

  snprintf(p, sizeof p, "%s/auth-%s", dir, key(2));
  fd = lockfile_take(p, 0);
  authlimit_sweep(dir, WINDOW, t + 200);
  tap_ok(has(key(2)) && !has(key(3)) && !has("shared"), "an expired record in use stays; the others go, the shared one too");
  close(fd);
  tap_ok(begin(41, t + 200) == 1 && records() == 1 && has(key(41)),
    "a newcomer's failure sweeps what expired (the record in use, released)");

  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p) != 0) return 2;
  return tap_done();
}
