/* The spool's small-file writers never open what they find at their
   temporary name: queue_state_write (state/ID.tmp), queue_control_answer
   (control/REQ.reply.tmp) and queue_upsize_write (upstream-size.PID),
   as queue_status_replace (0650). A FIFO planted there blocked the
   writer (an alarm kills a blocked one), a symbolic or hard link had it
   truncate and write its victim. And a FIFO where queue_control_mark
   makes a marker must not block it either. Each case: the call returns,
   the record holds what was written, the victim is unchanged, and
   nothing is left at the temporary name. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "queue.h"
#include "queue_control.h"
#include "queue_state.h"
#include "queue_upsize.h"
#include "tap.h"

#define ID "1796000000.000000001.0000000001"

static char dir[] = "/tmp/writers_planted.XXXXXX";
static char victim[256];
static int dfd;

static int holds (char const *path, char const *what)
{
  char buf[512];
  ssize_t n;
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return 0;
  n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return 0;
  buf[n] = 0;
  return what ? !strcmp(buf, what) : !!strstr(buf, "b@example.net");
}

static void put (char const *path, char const *what)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, what, strlen(what)) != (ssize_t)strlen(what)) { perror(path); exit(111); }
  close(fd);
}

/* Plants kind (0 FIFO, 1 symbolic link, 2 hard link) at name. */
static char const *plant (int kind, char const *name)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unlink(path);
  if (kind == 0 && mkfifo(path, 0666) < 0) perror("mkfifo");
  if (kind == 1 && symlink(victim, path) < 0) perror("symlink");
  if (kind == 2 && link(victim, path) < 0) perror("link");
  return kind == 0 ? "a FIFO" : kind == 1 ? "a symbolic link" : "a hard link";
}

static void verdict (char const *writer, char const *planted, int r, char const *file, char const *data, char const *tmp)
{
  char name[200], path[512], tpath[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s", dir, file);
  snprintf(tpath, sizeof tpath, "%s/%s", dir, tmp);
  snprintf(name, sizeof name, "%s, %s at its temporary name: returns 0, the record written, the victim unchanged, nothing left", writer, planted);
  tap_ok(!r && holds(path, data) && holds(victim, "victim\n") && lstat(tpath, &st) < 0 && errno == ENOENT, name);
}

static void state_write (int kind)
{
  queue_state st = QUEUE_STATE_ZERO;
  char const *planted = plant(kind, ID ".tmp");
  int r;
  if (queue_state_add(&st, "b@example.net") < 0) exit(111);
  alarm(10);
  r = queue_state_write(dfd, ID, &st);
  alarm(0);
  verdict("queue_state_write", planted, r, ID, 0, ID ".tmp");
  queue_state_free(&st);
}

static void control_answer (int kind)
{
  char const *planted = plant(kind, ID ".reply.tmp");
  char const *what = "";
  char req[512];
  int r;
  snprintf(req, sizeof req, "%s/%s", dir, ID);
  put(req, "hold\t\t\n");
  alarm(10);
  r = queue_control_answer(dfd, ID, "ok: held", &what);
  alarm(0);
  verdict("queue_control_answer", planted, r, ID ".reply", "ok: held\n", ID ".reply.tmp");
}

static void upsize_write (int kind)
{
  char tmp[64];
  char const *planted;
  int r;
  snprintf(tmp, sizeof tmp, "upstream-size.%ld", (long)getpid());
  planted = plant(kind, tmp);
  alarm(10);
  r = queue_upsize_write(dir, 5000000);
  alarm(0);
  verdict("queue_upsize_write", planted, r, "upstream-size", "5000000\n", tmp);
}

int main (void)
{
  int kind, r;
  tap_plan(11);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 111; }
  dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { perror(dir); return 111; }
  snprintf(victim, sizeof victim, "%s/victim", dir);
  put(victim, "victim\n");
  for (kind = 0; kind < 3; kind++)
  {
    state_write(kind);
    control_answer(kind);
    upsize_write(kind);
  }
  plant(0, "held." ID);
  alarm(10);
  r = queue_control_mark(dfd, "held.", ID, 1);
  alarm(0);
  tap_ok(r < 0 && errno == ENXIO, "queue_control_mark, a FIFO at the marker's name: returns at once (ENXIO), not blocked");
  tap_ok(holds(victim, "victim\n"), "... and the victim is unchanged throughout");
  {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) perror("rm -rf");
  }
  return tap_done();
}
