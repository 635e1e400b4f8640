/* queue/queue_dirs: the walks the scheduler makes over the spool, each
   case of queue/README.md's crash tables it meets: a fresh message, a
   link or FIFO put into new/, another file under a queued id, our own
   rename caught by a power loss (the same file in new/ and cur/), a
   leftover in tmp/, state files of no message, the trigger's bytes, and
   the cur-then-state order of a finished message; and a message's own
   files as the scheduler opens them: its envelope (gone, not a regular
   file, malformed), its path for a worker, its state kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "queue_dirs.h"
#include "tap.h"

#define A "1700000000.000000001.0000000001"
#define B "1700000000.000000002.0000000002"
#define C "1700000000.000000003.0000000003"
#define D "1700000000.000000004.0000000004"
#define E "1700000000.000000005.0000000005"

static char dir[] = "/tmp/unit-dirs-XXXXXX";
static char got[1024];

static void put (char const *name, char const *text)
{
  char p[256];
  FILE *f;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  f = fopen(p, "w");
  if (!f) exit(2);
  fputs(text, f);
  fclose(f);
}

static int exists (char const *name)
{
  char p[256];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return lstat(p, &st) == 0;
}

static void note (char const *name, int what, void *aux)
{
  char s[64];
  (void)aux;
  snprintf(s, sizeof s, "%c%.3s ", "FNCXR"[what], strlen(name) > 28 ? name + 28 : "");
  strcat(got, s);
}

static int keep_a (char const *id, void *aux)
{
  (void)aux;
  return !strcmp(id, A);
}

int main (void)
{
  queue_dirs q = QUEUE_DIRS_ZERO;
  char const *what;
  char p[256], p2[256];
  struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
  int w;
  tap_plan(19);
  if (!mkdtemp(dir)) return 2;
  snprintf(p, sizeof p, "%s/new", dir); mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/cur", dir); mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/tmp", dir); mkdir(p, 0700);
  tap_ok(queue_dirs_open(&q, dir, &what) < 0 && !strcmp(what, "state"), "a missing state/ is named");
  snprintf(p, sizeof p, "%s/state", dir); mkdir(p, 0700);
  snprintf(p, sizeof p, "%s/trigger", dir); mkfifo(p, 0600);
  tap_is(queue_dirs_open(&q, dir, &what), 0, "the spool opens");

  put("new/" A, "F\nTa@b\n\nx\n");
  put("elsewhere", "secret\n");
  snprintf(p, sizeof p, "%s/elsewhere", dir); snprintf(p2, sizeof p2, "%s/new/" B, dir);
  if (symlink(p, p2) < 0) return 2;
  put("new/" C, "F\nTa@b\n\none\n"); put("cur/" C, "F\nTa@b\n\nother\n");
  put("cur/" D, "F\nTa@b\n\nx\n");
  snprintf(p, sizeof p, "%s/cur/" D, dir); snprintf(p2, sizeof p2, "%s/new/" D, dir);
  if (link(p, p2) < 0) return 2;
  got[0] = 0;
  queue_scan_new(&q, &note, 0);
  tap_ok(strstr(got, "F001 ") && exists("cur/" A) && !exists("new/" A), "a message in new/ is moved to cur/ and handed out");
  tap_ok(strstr(got, "N002 ") && exists("new/" B) && !exists("cur/" B), "a link in new/ is left alone, said so");
  tap_ok(strstr(got, "C003 ") && exists("new/" C), "another file under a queued id stays in new/, said so");
  tap_ok(!strstr(got, "004") && !exists("new/" D) && exists("cur/" D), "the same file in new/ and cur/ loses its name in new/, silently");

  got[0] = 0;
  queue_scan_cur(&q, &note, 0);
  tap_ok(strstr(got, "F001 ") && strstr(got, "F003 ") && strstr(got, "F004 "), "cur/ hands out every id");

  put("tmp/old", "x"); put("tmp/fresh", "x");
  snprintf(p, sizeof p, "%s/tmp/old", dir); utimensat(AT_FDCWD, p, old, 0);
  got[0] = 0;
  queue_sweep_tmp(&q, 100000, &note, 0);
  tap_ok(!strcmp(got, "R ") && !exists("tmp/old") && exists("tmp/fresh"), "tmp/: the leftover goes, a file being written stays");

  put("state/" A, "x"); put("state/" C, "x"); put("state/" A ".tmp", "x");
  queue_clean_state(&q, &keep_a, &note, 0);
  tap_ok(exists("state/" A) && !exists("state/" C) && !exists("state/" A ".tmp"), "state/: what no queued message owns goes");

  snprintf(p, sizeof p, "%s/trigger", dir);
  w = open(p, O_WRONLY | O_NONBLOCK);
  if (write(w, "", 1) != 1) return 2;
  tap_is(queue_trigger_read(&q), 0, "a NUL on the trigger: new mail");
  if (write(w, "x\n", 2) != 2) return 2;
  tap_is(queue_trigger_read(&q), 1, "another byte: retry everything");
  close(w);

  {
    queue_env env = QUEUE_ENV_ZERO;
    queue_state st = QUEUE_STATE_ZERO, back = QUEUE_STATE_ZERO;
    stralloc sa = STRALLOC_ZERO;
    int syncerr = -1;
    put("cur/" E, "F alice@example.org\nT bob@example.net\n\nx\n");
    tap_ok(queue_msg_env(&q, E, &env) == 1 && !strcmp(env.sender.s, "alice@example.org"), "the envelope of a message in cur/");
    tap_ok(queue_msg_env(&q, "1700000000.000000009.0000000009", &env) < 0 && errno == ENOENT, "a message gone: ENOENT");
    snprintf(p, sizeof p, "%s/elsewhere", dir); snprintf(p2, sizeof p2, "%s/cur/" B, dir);
    if (symlink(p, p2) < 0) return 2;
    tap_ok(queue_msg_env(&q, B, &env) < 0 && errno == EPROTO, "a link in cur/ is not opened: EPROTO");
    put("cur/" D, "garbage");
    tap_is(queue_msg_env(&q, D, &env), 0, "a malformed envelope: 0");
    tap_ok(queue_msg_path(&sa, "/sp", A) && !strcmp(sa.s, "/sp/cur/" A), "a message's path for a worker's job");
    if (!queue_state_set(&st, "a@b", QUEUE_RCPT_DEFER, 451, "later")) return 2;
    st.next = 1700009999;
    tap_ok(queue_msg_keep(&q, D, &st, 0, &syncerr) == 0 && !syncerr && exists("state/" D), "kept: the state file written, cur/ and new/ synced first");
    tap_ok(queue_state_read(q.state, D, &back) > 0 && back.next == st.next, "and read back as written");
    queue_env_free(&env); queue_state_free(&st); queue_state_free(&back); stralloc_free(&sa);
  }

  tap_ok(queue_msg_done(&q, A, 1, &what) == 0 && !exists("cur/" A) && !exists("state/" A), "done: the message and its state are gone");
  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p) != 0) return 2;
  return tap_done();
}
