/* queue/queue_list: MAILQ_FILE as smarthost-send keeps it. Nothing is
   written without a file or before the status file is; once it is, the
   listing follows, at most every QUEUE_LISTING_EVERY seconds, and the
   loop is told when to wake for it; a write that fails is to be said
   once, and the next success clears that. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include "queue_list.h"
#include "tap.h"

#define T0 1800000000
#define ID "1795816346.549471893.0005904000"

static char dir[] = "/tmp/unit-listing.XXXXXX";
static char file[300];

static void spool_make (void)
{
  char const *subs[] = { "new", "cur", "state" };
  char path[300];
  unsigned int i;
  if (!mkdtemp(dir)) exit(2);
  for (i = 0; i < 3; i++)
  {
    snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
    if (mkdir(path, 0700) < 0) exit(2);
  }
  snprintf(path, sizeof path, "%s/cur/%s", dir, ID);
  if (!openwritenclose_unsafe(path, "F a@example.org\nT b@example.net\n\nx\n", 32)) exit(2);
  snprintf(file, sizeof file, "%s/mailq", dir);
}

static int listed (void)
{
  stralloc sa = STRALLOC_ZERO;
  int r = openslurpclose(&sa, file) && sa.len && memmem(sa.s, sa.len, ID, sizeof ID - 1) != 0;
  stralloc_free(&sa);
  unlink(file);
  return r;
}

int main (void)
{
  queue_listing l = QUEUE_LISTING_ZERO;
  tap_plan(15);
  spool_make();
  l.q = dir;
  tap_ok(!queue_listing_due(&l, T0) && !queue_listing_update(&l, T0, T0), "no MAILQ_FILE: never due, nothing written");
  tap_is(queue_listing_wake(&l, T0, T0 + 600), T0 + 600, "... and no wake for it");
  l.file = file;
  tap_ok(!queue_listing_due(&l, 0), "a MAILQ_FILE, no status file written yet: not due");
  tap_ok(queue_listing_due(&l, T0), "the status written: due");
  tap_is(queue_listing_wake(&l, T0, T0 + 600), QUEUE_LISTING_EVERY, "... the loop wakes for it (the first at once)");
  tap_is(queue_listing_update(&l, T0, T0), 1, "written");
  tap_ok(listed(), "... the file lists the message");
  tap_ok(!queue_listing_due(&l, T0), "not due again until the status is written again");
  tap_is(queue_listing_update(&l, T0 + 2, T0 + 2), 0, "the status written 2 s later: not yet");
  tap_is(queue_listing_wake(&l, T0 + 2, T0 + 600), T0 + QUEUE_LISTING_EVERY, "... the loop wakes when it may be");
  tap_is(queue_listing_update(&l, T0 + 2, T0 + QUEUE_LISTING_EVERY), 1, "... and then it is written");
  snprintf(file, sizeof file, "%s/none/mailq", dir);
  tap_is(queue_listing_update(&l, T0 + 10, T0 + 10), -1, "a write that fails: -1, to be said");
  tap_is(queue_listing_update(&l, T0 + 20, T0 + 20), -2, "failing again: -2, said already");
  snprintf(file, sizeof file, "%s/mailq", dir);
  tap_ok(queue_listing_update(&l, T0 + 30, T0 + 30) == 1 && !l.failing && listed(), "written again: no longer failing");
  snprintf(file, sizeof file, "%s/none/mailq", dir);
  tap_is(queue_listing_update(&l, T0 + 40, T0 + 40), -1, "... so the next failure is said again");
  {
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 2;
  }
  return tap_done();
}
