/* queue/queue_pickup: the spool into smarthost-send's schedule. new/ is
   moved to cur/ and each message scheduled at its arrival, oldest
   first; a name that is no regular file is left and said; at start cur/
   is known by its names alone (state unread); the state files of no
   queued message go, but a message a power loss put back into new/
   keeps its state when new/ is taken first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include "queue_pickup.h"
#include "tap.h"

#define A "1795816346.549471893.0000000001"   /* in cur/ */
#define B "1795816300.000000000.0000000002"   /* in new/, older than A */
#define C "1795816400.000000000.0000000003"   /* in new/, with a state file (a power loss) */
#define D "1795816500.000000000.0000000004"   /* gone: only its state file is left */
#define E "1795816600.000000000.0000000005"   /* new/E is a directory */

static char dir[] = "/tmp/unit-pickup.XXXXXX";
static int nsaid[8];
static char said_name[64];

static void put (char const *sub, char const *name)
{
  char path[300];
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  if (!openwritenclose_unsafe(path, "F a@x\nT b@y\n\nx\n", 13)) exit(2);
}

static int there (char const *sub, char const *name)
{
  char path[300];
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  return access(path, F_OK) == 0;
}

static void said (char const *name, int what, void *aux)
{
  (void)aux;
  nsaid[what]++;
  snprintf(said_name, sizeof said_name, "%s", name);
}

int main (void)
{
  char const *subs[] = { "new", "cur", "state", "tmp" };
  char path[300];
  queue_dirs q = QUEUE_DIRS_ZERO;
  queue_sched s = QUEUE_SCHED_ZERO;
  char const *what;
  prioq_elt e;
  unsigned int i;
  int64_t sa;
  tap_plan(14);
  if (!mkdtemp(dir)) return 2;
  for (i = 0; i < 4; i++)
  {
    snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
    if (mkdir(path, 0700) < 0) return 2;
  }
  snprintf(path, sizeof path, "%s/trigger", dir);
  if (mkfifo(path, 0600) < 0) return 2;
  snprintf(path, sizeof path, "%s/new/" E, dir);
  if (mkdir(path, 0700) < 0) return 2;
  put("cur", A); put("new", B); put("new", C);
  put("state", A); put("state", C); put("state", D); put("state", A ".tmp");
  tap_is(queue_dirs_open(&q, dir, &what), 0, "the spool opened");

  tap_is(queue_pickup_cur(&s, &q), 1, "cur/ read at start");
  sa = queue_sched_find(&s, A);
  tap_ok(s.n == 1 && sa >= 0 && queue_sched_msg(&s, sa)->flags & QUEUE_SCHED_UNKNOWN, "... its message known, its state not read yet");
  tap_ok(prioq_min(&s.q, &e) && e.item == (uint32_t)sa && e.key == 1795816346, "... scheduled at its arrival");

  tap_is(queue_pickup_new(&s, &q, &said, 0), 1, "new/ taken");
  tap_ok(s.n == 3 && queue_sched_find(&s, B) >= 0 && queue_sched_find(&s, C) >= 0, "... its two messages known");
  tap_ok(there("cur", B) && there("cur", C) && !there("new", B) && !there("new", C), "... and moved to cur/");
  tap_ok(prioq_min(&s.q, &e) && e.item == (uint32_t)queue_sched_find(&s, B) && e.key == 1795816300, "... the oldest first, at its arrival: due at once");
  tap_ok(nsaid[QUEUE_NOTREG] == 1 && !strcmp(said_name, E) && there("new", E), "a directory in new/: said, left alone");
  tap_ok(queue_sched_find(&s, E) < 0, "... and not scheduled");

  tap_is(queue_pickup_clean(&s, &q, &said, 0), 1, "state/ cleaned");
  tap_ok(there("state", A) && there("state", C), "... the queued messages keep their state, the one back from new/ too");
  tap_ok(!there("state", D) && !there("state", A ".tmp"), "... a message's gone, and a leftover .tmp removed");
  tap_is(nsaid[QUEUE_FAILED], 0, "... nothing failed");
  snprintf(path, sizeof path, "rm -rf %s", dir);
  if (system(path)) return 2;
  return tap_done();
}
