/* queue_sweep_new: what the smtpd's group can plant in new/ (it may
   create names there, not list them) and nothing else would ever remove:
   names that are no id, links, FIFOs and directories (with what they
   hold, never following a link out of new/). Only when unchanged since
   the bound given (the scheduler gives 36 hours ago), judged by the
   change time, which its maker cannot set, not the modification time,
   which it can (a time in the future would keep a name forever). A
   message, a regular file under an id, is never touched. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "queue_dirs.h"
#include "tap.h"

#define A "1700000000.000000001.0000000001"
#define B "1700000000.000000002.0000000002"
#define C "1700000000.000000003.0000000003"

static char dir[] = "/tmp/unit-newsweep-XXXXXX";
static unsigned int removed, failed;

static char const *at (char const *name)
{
  static char p[2][512];
  static int i;
  i = !i;
  snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
  return p[i];
}

static void put (char const *name, char const *text)
{
  FILE *f = fopen(at(name), "w");
  if (!f) exit(2);
  fputs(text, f);
  fclose(f);
}

static int exists (char const *name)
{
  struct stat st;
  return lstat(at(name), &st) == 0;
}

static void note (char const *name, int what, void *aux)
{
  (void)name; (void)aux;
  if (what == QUEUE_REMOVED) removed++;
  else failed++;
}

static unsigned int entries (char const *sub)
{
  char cmd[600];
  FILE *p;
  unsigned int n = 0;
  snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", at(sub));
  p = popen(cmd, "r");
  if (!p || fscanf(p, "%u", &n) != 1) exit(2);
  pclose(p);
  return n;
}

int main (void)
{
  queue_dirs q = QUEUE_DIRS_ZERO;
  char const *what;
  char deep[512] = "new/deep";
  struct timespec future[2] = { { 4102444800, 0 }, { 4102444800, 0 } };  /* 2100 */
  time_t now = time(0);
  int i;
  tap_plan(9);
  if (!mkdtemp(dir)) return 2;
  mkdir(at("new"), 0700); mkdir(at("cur"), 0700); mkdir(at("tmp"), 0700); mkdir(at("state"), 0700);
  mkfifo(at("trigger"), 0600);
  if (queue_dirs_open(&q, dir, &what) < 0) return 2;

  put("new/" A, "F a@b\nT c@d\n\nx\n");
  put("elsewhere", "the spool's own\n");
  put("new/junk", "x");
  put("new/.hidden", "x");
  put("new/" A ".tmp", "x");
  put("new/future", "x");
  utimensat(AT_FDCWD, at("new/future"), future, 0);
  if (symlink(at("elsewhere"), at("new/" B)) < 0) return 2;
  if (mkfifo(at("new/" C), 0600) < 0) return 2;
  mkdir(at("new/d"), 0700); mkdir(at("new/d/e"), 0700);
  put("new/d/f", "x"); put("new/d/e/g", "x");
  if (symlink(at("."), at("new/d/e/up")) < 0) return 2;
  mkdir(at(deep), 0700);
  for (i = 0; i < QUEUE_SWEEP_DEPTH + 2; i++) { strcat(deep, "/x"); mkdir(at(deep), 0700); }

  queue_sweep_new(&q, now - 3600, &note, 0);
  tap_ok(!removed && !failed && entries("new") == 9, "nothing changed within the bound is touched");

  queue_sweep_new(&q, now + 1, &note, 0);
  tap_ok(exists("new/" A), "a message under its id stays");
  tap_ok(!exists("new/junk") && !exists("new/.hidden") && !exists("new/" A ".tmp"), "names that are no id go");
  tap_ok(!exists("new/future"), "a modification time in the future keeps nothing");
  tap_ok(!exists("new/" B) && exists("elsewhere"), "a link under an id goes; what it named stays");
  tap_ok(!exists("new/" C), "a FIFO under an id goes");
  tap_ok(!exists("new/d") && exists("cur") && exists("new") && exists("tmp"), "a directory goes with what it holds, never through its link");
  tap_ok(exists("new/deep") && failed == 1, "a nest deeper than QUEUE_SWEEP_DEPTH stays, said so");
  tap_is(removed, 7, "each removal said");
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) return 2;
  }
  return tap_done();
}
