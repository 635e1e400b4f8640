/* queue_status_replace never opens what it finds at FILE.tmp: a FIFO
   planted there (which would block an open for writing), a symbolic
   link or a hard link to a victim (which would be truncated and
   written). MAILQ_FILE and METRICS_FILE may be in a directory others
   can write. Each case: the call returns at once (an alarm would kill
   a blocked one), FILE holds the new data, and the victim is unchanged. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "queue_status.h"
#include "tap.h"

static char dir[] = "/tmp/status_replace.XXXXXX";
static char file[256], tmp[256], victim[256];

static int holds (char const *path, char const *what)
{
  char buf[256];
  ssize_t n;
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return 0;
  n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return 0;
  buf[n] = 0;
  return !strcmp(buf, what);
}

static void put (char const *path, char const *what)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, what, strlen(what)) != (ssize_t)strlen(what)) { perror(path); exit(111); }
  close(fd);
}

static void check (char const *planted, char const *data)
{
  char name[128];
  struct stat st;
  alarm(10);
  snprintf(name, sizeof name, "%s at FILE.tmp: replaced, returns", planted);
  tap_ok(!queue_status_replace(file, data, strlen(data), 0640), name);
  alarm(0);
  snprintf(name, sizeof name, "%s at FILE.tmp: FILE holds the new data", planted);
  tap_ok(holds(file, data), name);
  snprintf(name, sizeof name, "%s at FILE.tmp: the victim is unchanged", planted);
  tap_ok(holds(victim, "victim\n"), name);
  snprintf(name, sizeof name, "%s at FILE.tmp: FILE is a regular file of mode 0640", planted);
  tap_ok(!lstat(file, &st) && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640, name);
  snprintf(name, sizeof name, "%s at FILE.tmp: nothing left at FILE.tmp", planted);
  tap_ok(lstat(tmp, &st) < 0 && errno == ENOENT, name);
}

int main (void)
{
  tap_plan(21);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 111; }
  snprintf(file, sizeof file, "%s/listing", dir);
  snprintf(tmp, sizeof tmp, "%s/listing.tmp", dir);
  snprintf(victim, sizeof victim, "%s/victim", dir);
  put(victim, "victim\n");

  tap_ok(mkfifo(tmp, 0666) == 0, "a FIFO planted at FILE.tmp");
  check("a FIFO", "one\n");
  if (symlink(victim, tmp) < 0) perror("symlink");
  check("a symbolic link", "two\n");
  if (link(victim, tmp) < 0) perror("link");
  check("a hard link", "three\n");
  put(tmp, "stale\n");
  check("a stale file", "four\n");

  unlink(file); unlink(tmp); unlink(victim); rmdir(dir);
  return tap_done();
}
