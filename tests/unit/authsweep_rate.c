/* lib/authlimit: the sweep of expired AUTH failure records stats every
   record (up to AUTHLIMIT_RECORDS, 10,000), and ran on every failure of
   a client without a record: a flood of new addresses made each failure
   cost thousands of stats. Now a newcomer's failure sweeps at most once
   every AUTHLIMIT_SWEEP_EVERY seconds, seen here by an expired record
   that stays until the next sweep is due; and the bound on the records
   still holds between sweeps, however many newcomers fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "authlimit.h"
#include "tap.h"

#define MAXFAIL 3
#define WINDOW 100
#define RECORDS 5

static char dir[] = "/tmp/unit-authsweep-rate-XXXXXX";

static int has (char const *key)
{
  char p[256];
  struct stat st;
  snprintf(p, sizeof p, "%s/auth-%s", dir, key);
  return !lstat(p, &st);
}

/* A record whose last failure was at when, its modification time too. */
static void plant_expired (char const *key, uint64_t when)
{
  char p[256];
  struct timespec ts[2] = { { (time_t)when, 0 }, { (time_t)when, 0 } };
  int fd;
  snprintf(p, sizeof p, "%s/auth-%s", dir, key);
  fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || dprintf(fd, "%u %llu\n", MAXFAIL, (unsigned long long)when) < 0 || futimens(fd, ts) < 0) exit(2);
  close(fd);
}

static unsigned int own_records (void)
{
  DIR *d = opendir(dir);
  struct dirent *e;
  unsigned int n = 0;
  if (!d) exit(2);
  while ((e = readdir(d))) if (!strncmp(e->d_name, "auth-4-", 7)) n++;
  closedir(d);
  return n;
}

static int begin (char const *key, uint64_t now)
{
  return authlimit_begin_in(dir, key, MAXFAIL, WINDOW, now, RECORDS);
}

int main (void)
{
  uint64_t t = (uint64_t)time(0);
  unsigned int i, ok = 1, shared = 0;
  char k[32], p[300];
  tap_plan(7);
  if (!mkdtemp(dir)) return 2;

  tap_is(begin("4-10.0.0.1", t), 1, "a newcomer's failure is counted (and sweeps)");
  plant_expired("4-10.9.9.9", t - 1000);
  tap_is(begin("4-10.0.0.2", t + 1), 1, "another newcomer a second later is counted");
  tap_ok(has("4-10.9.9.9"), "... without a sweep: the expired record is still there");
  tap_is(begin("4-10.0.0.3", t + AUTHLIMIT_SWEEP_EVERY), 1, "a newcomer AUTHLIMIT_SWEEP_EVERY seconds after the last sweep");
  tap_ok(!has("4-10.9.9.9") && has("4-10.0.0.1") && has("4-10.0.0.2"), "... sweeps: the expired record goes, the live ones stay");

  /* 3 records live; 30 newcomers within the interval: 2 get their own,
     the rest share one, as with a sweep before each */
  for (i = 0; i < 30; i++)
  {
    snprintf(k, sizeof k, "4-10.1.0.%u", i);
    ok &= begin(k, t + AUTHLIMIT_SWEEP_EVERY + 1) >= 0;
    if (!has(k)) shared++;
  }
  tap_ok(ok && own_records() == RECORDS && shared == 28, "between sweeps the bound holds: 30 newcomers, 2 own records, 28 in the shared one");

  plant_expired("4-10.9.9.8", t - 1000);
  begin("4-10.2.0.1", t - 10);
  tap_ok(!has("4-10.9.9.8"), "a clock set back sweeps at once");

  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p) != 0) return 2;
  return tap_done();
}
