/* unit tests of the spool's small records in queue/: upstream-size
   (queue_upsize_read, queue_upsize_write), the trigger's two bytes
   (queue_trigger: NUL, queue_trigger_kick: LF), the scratch file in tmp/
   (queue_tmp_scratch), DIR to its spool (queue_spool_of), and the
   reading end of queue/status (queue_status_load, queue_status_value). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include "queue.h"
#include "queue_state.h"
#include "queue_status.h"
#include "queue_upsize.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-spoolrec.XXXXXX";
static char path[200];

static char const *at (char const *name)
{
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static void put (char const *name, char const *s)
{
  FILE *f = fopen(at(name), "w");
  fputs(s, f);
  fclose(f);
}

/* Entries of dir other than . and .. */
static unsigned int entries (void)
{
  DIR *d = opendir(dir);
  struct dirent *de;
  unsigned int n = 0;
  while ((de = readdir(d))) if (de->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static void upsize (void)
{
  uint64_t v = 7, w;
  struct stat st;
  unsigned int i, bad = 0;
  tap_is(queue_upsize_read(dir, &v), 0, "upstream-size: none yet");
  tap_ok(queue_upsize_write(dir, 35882577) == 0 && queue_upsize_read(dir, &v) == 1 && v == 35882577, "written, read back");
  tap_ok(stat(at("upstream-size"), &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644: the smtpd's user reads it");
  tap_is(entries(), 1, "no temporary file left");
  tap_ok(queue_upsize_write(dir, 0) == 0 && queue_upsize_read(dir, &v) == 1 && v == 0, "0: the upstream set no limit");
  put("upstream-size", "123");
  tap_is(queue_upsize_read(dir, &v), 0, "no LF: not written whole, no record");
  put("upstream-size", "");
  tap_is(queue_upsize_read(dir, &v), 0, "empty (a power loss): no record");
  put("upstream-size", "12x\n");
  tap_is(queue_upsize_read(dir, &v), 0, "not a number: no record");
  put("upstream-size", "99999999999999999999999\n");
  tap_is(queue_upsize_read(dir, &v), 0, "over 64 bits: no record");
  unlink(at("upstream-size"));
  mkfifo(at("upstream-size"), 0600);
  tap_is(queue_upsize_read(dir, &v), 0, "a FIFO: no record, and no hang");
  unlink(at("upstream-size"));
  errno = 0;
  tap_ok(queue_upsize_write("/nonexistent/q", 5) < 0 && errno == ENOENT, "no spool: -1, ENOENT");
  for (i = 0; i < 500; i++)
  {
    w = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 2) ^ (uint64_t)(rand() % 4);
    if (i % 50 == 0) w = i ? UINT64_MAX - i : 0;
    if (queue_upsize_write(dir, w) < 0 || queue_upsize_read(dir, &v) != 1 || v != w) bad++;
  }
  tap_ok(!bad && entries() == 1, "500 random sizes, 0 and near 2^64: each read back as written");
  unlink(at("upstream-size"));
}

/* The byte the trigger got, or -1 for none. */
static int got (int rfd)
{
  char c;
  return read(rfd, &c, 1) == 1 ? (unsigned char)c : -1;
}

static void trigger (void)
{
  int rfd;
  tap_is(queue_trigger_kick(dir), -1, "kick: no trigger at all is an error");
  mkfifo(at("trigger"), 0600);
  tap_is(queue_trigger_kick(dir), 0, "kick: nobody reads: 0");
  rfd = open(at("trigger"), O_RDONLY | O_NONBLOCK);
  tap_ok(queue_trigger_kick(dir) == 1 && got(rfd) == '\n', "kick: LF, the byte that asks for a retry of everything");
  tap_ok(queue_trigger(dir) == 0 && got(rfd) == 0, "queue_trigger: NUL, new mail");
  close(rfd);
  unlink(at("trigger"));
  put("victim", "x");
  {
    char victim[sizeof path];
    strcpy(victim, at("victim"));
    errno = 0;
    tap_ok(symlink(victim, at("trigger")) == 0 && queue_trigger_kick(dir) < 0 && errno == ELOOP, "kick: a link is refused (ELOOP)");
  }
  unlink(at("trigger"));
  put("trigger", "");
  errno = 0;
  tap_ok(queue_trigger_kick(dir) < 0 && errno == EINVAL, "kick: a regular file is refused (EINVAL)");
  {
    struct stat st;
    tap_ok(stat(at("trigger"), &st) == 0 && st.st_size == 0 && stat(at("victim"), &st) == 0 && st.st_size == 1,
      "... and neither got a byte");
  }
  unlink(at("trigger"));
  unlink(at("victim"));
}

static void scratch (void)
{
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
  char buf[6] = { 0 };
  mkdir(at("tmp"), 0700);
  fd = queue_tmp_scratch(dirfd);
  tap_ok(fd >= 0 && write(fd, "hello", 5) == 5 && pread(fd, buf, 5, 0) == 5 && !strcmp(buf, "hello"),
    "scratch: a file to write and read back");
  tap_ok(rmdir(at("tmp")) == 0, "scratch: no name left in tmp/ (it can be removed)");
  close(fd);
  close(dirfd);
}

static void spool_of (void)
{
  stralloc sa = STRALLOC_ZERO;
  char want[sizeof path];
  tap_ok(queue_spool_of(&sa, dir) && !strcmp(sa.s, dir) && sa.len == strlen(dir) + 1, "spool_of: a spool is itself");
  mkdir(at("queue"), 0700);
  mkdir(at("queue/cur"), 0700);
  strcpy(want, at("queue"));
  sa.len = 0;
  tap_ok(queue_spool_of(&sa, dir) && !strcmp(sa.s, want) && sa.len == strlen(want) + 1, "spool_of: an instance's is DIR/queue");
  rmdir(at("queue/cur"));
  rmdir(at("queue"));
  stralloc_free(&sa);
}

static void status (void)
{
  stralloc file = STRALLOC_ZERO, v = STRALLOC_ZERO;
  tap_is(queue_status_load(dir, &file), 0, "status: none yet");
  put("status", "paused\t1\npause_reason\t421 busy\033]0;x\npaused_x\t7\nlast\tno LF");
  tap_is(queue_status_load(dir, &file), 1, "status: read");
  tap_ok(!strcmp(queue_status_value(&file, "paused", &v), "1"), "a value");
  tap_ok(!strcmp(queue_status_value(&file, "pause_reason", &v), "421 busy?]0;x"), "made printable");
  tap_ok(!strcmp(queue_status_value(&file, "pause", &v), ""), "a key's prefix is not the key");
  tap_ok(!strcmp(queue_status_value(&file, "last", &v), "no LF"), "the last line without LF");
  tap_ok(!strcmp(queue_status_value(&file, "none", &v), ""), "absent: empty");
  unlink(at("status"));
  errno = 0;
  tap_ok(queue_state_open(dir) < 0 && errno == ENOENT, "state_open: no state/, ENOENT");
  mkdir(at("state"), 0700);
  {
    int fd = queue_state_open(dir);
    tap_ok(fd >= 0, "state_open: state/ opened");
    close(fd);
  }
  rmdir(at("state"));
  stralloc_free(&file);
  stralloc_free(&v);
}

/* queue_state_clear after a huge message: the table is given back, and
   the state works as before for the next one. */
static void state_clear (void)
{
  queue_state st = QUEUE_STATE_ZERO;
  char a[40];
  unsigned int i, ok = 1;
  for (i = 0; i < 5000; i++)
  {
    snprintf(a, sizeof a, "r%u@example.net", i);
    ok &= queue_state_add(&st, a) == (int)i;
  }
  tap_ok(ok && st.hashcap > 4096, "5,000 recipients: a large table");
  queue_state_clear(&st);
  tap_ok(!st.hashcap && !st.hash && !queue_state_n(&st), "cleared: the large table given back");
  tap_ok(queue_state_find(&st, "r1@example.net") == -1 && queue_state_add(&st, "x@Example.NET") == 0
    && queue_state_find(&st, "x@example.net") == 0, "... and the state is usable again");
  queue_state_clear(&st);
  tap_ok(st.hashcap == 64 && !queue_state_n(&st), "a small table is kept, emptied");
  queue_state_free(&st);
}

int main (void)
{
  umask(022);
  srand(7);
  if (!mkdtemp(dir)) { printf("Bail out! mkdtemp\n"); return 1; }
  tap_plan(36);
  upsize();
  trigger();
  scratch();
  spool_of();
  status();
  state_clear();
  rmdir(dir);
  return tap_done();
}
