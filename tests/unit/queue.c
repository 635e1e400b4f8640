/* unit tests of queue/: ids, the commit, the envelope reader, the trigger */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "addr.h"
#include "queue.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-unit-queue.XXXXXX";

static void sub (char const *name)
{
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  mkdir(p, 0700);
}

static int exists (char const *d, char const *id)
{
  char p[256];
  snprintf(p, sizeof p, "%s/%s/%s", dir, d, id);
  return access(p, F_OK) == 0;
}

static int env_of (char const *text, queue_env *e)
{
  char p[256];
  int fd, r;
  snprintf(p, sizeof p, "%s/env", dir);
  fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (write(fd, text, strlen(text)) < 0) return -1;
  lseek(fd, 0, SEEK_SET);
  r = queue_env_read(fd, e);
  if (r == 1 && lseek(fd, 0, SEEK_CUR) != e->body) r = 2;
  close(fd);
  return r;
}

static void test_ids (void)
{
  char a[QUEUE_ID_SIZE], b[QUEUE_ID_SIZE];
  queue_id_make(a);
  queue_id_make(b);
  tap_ok(queue_id_valid(a), "a fresh id is valid");
  tap_is(strlen(a), QUEUE_ID_LEN, "ids have a fixed length");
  tap_ok(strcmp(a, b) < 0, "a later id sorts after an earlier one");
  tap_ok(!queue_id_valid("1234567890.123456789.123456789"), "short id refused");
  tap_ok(!queue_id_valid("../../etc/passwd"), "path refused");
  tap_ok(!queue_id_valid("1234567890.123456789.12345678901"), "long id refused");
}

static void test_commit (void)
{
  queue_tmp t = QUEUE_TMP_ZERO;
  char id[QUEUE_ID_SIZE];
  queue_id_make(id);
  tap_is(queue_tmp_open(&t, dir, id), 0, "open tmp/ID");
  tap_ok(exists("tmp", id) && !exists("new", id), "the file is in tmp only");
  tap_ok(write(t.fd, "F a\nT b\n\nx\n", 11) == 11, "write");
  tap_is(queue_tmp_commit(&t), 0, "commit");
  tap_ok(!exists("tmp", id) && exists("new", id), "the file moved to new");
  tap_is(queue_tmp_open(&t, dir, id), 0, "the same id again in tmp");
  tap_is(queue_tmp_commit(&t), -1, "commit refuses to replace new/ID");
  tap_ok(errno == EEXIST && !exists("tmp", id), "EEXIST, and tmp/ID is cleaned up");
  {
    queue_tmp u = QUEUE_TMP_ZERO;
    queue_id_make(id);
    queue_tmp_open(&t, dir, id);
    tap_is(queue_tmp_open(&u, dir, id), -1, "O_EXCL: two writers cannot share an id");
    queue_tmp_abort(&t);
    tap_ok(!exists("tmp", id) && !exists("new", id), "abort removes tmp/ID");
  }
}

static void test_env (void)
{
  queue_env e = QUEUE_ENV_ZERO;
  tap_is(env_of("F alice@a\nT bob@b\nT carol@c\n\nbody\n", &e), 1, "a good envelope, fd left at the body");
  tap_ok(!strcmp(e.sender.s, "alice@a") && e.nrcpt == 2 && !strcmp(e.rcpts.s, "bob@b")
    && !strcmp(e.rcpts.s + 6, "carol@c") && e.body == 29, "its fields");
  tap_is(env_of("F \nT bob@b\n\n", &e), 1, "null sender");
  tap_ok(e.sender.len == 1 && !e.sender.s[0], "null sender is empty");
  tap_is(env_of("T bob@b\nF a\n\n", &e), 0, "T before F");
  tap_is(env_of("F a\n\nbody", &e), 0, "no recipient");
  tap_is(env_of("F a\nT b\n", &e), 0, "no blank line");
  tap_is(env_of("F a\nF b\nT c\n\n", &e), 0, "two senders");
  tap_is(env_of("F a\nX b\n\n", &e), 0, "unknown line");
  tap_is(env_of("F a\nTb\n\n", &e), 0, "no space after T");
  tap_is(env_of("F a\nT b\rc\n\n", &e), 0, "CR in an address");
  queue_env_free(&e);
}

static void test_trigger (void)
{
  char p[256];
  int fd;
  char c;
  snprintf(p, sizeof p, "%s/trigger", dir);
  tap_is(queue_trigger(dir), 0, "trigger without a reader");
  fd = open(p, O_RDONLY | O_NONBLOCK);
  tap_is(queue_trigger(dir), 0, "trigger with a reader");
  tap_is(read(fd, &c, 1), 1, "the reader gets a byte");
  close(fd);
}

static void test_head (void)
{
  queue_head h = QUEUE_HEAD_ZERO;
  unsigned int i;
  int ok;
  tap_is(queue_head_rcpt(&h, "b@c", 3), -1, "a recipient before the sender: refused");
  tap_is(queue_head_sender(&h, "a@b", 3), 0, "sender");
  tap_is(queue_head_sender(&h, "a@b", 3), -1, "a second sender: refused");
  tap_is(queue_head_end(&h), -1, "no recipient: refused");
  tap_is(queue_head_rcpt(&h, "bob@Example.NET", 15), 1, "a recipient");
  tap_is(queue_head_rcpt(&h, "bob@example.net", 15), 0, "the same, domain in another case: folded");
  tap_is(queue_head_rcpt(&h, "Bob@example.net", 15), 1, "local part in another case: another mailbox");
  tap_is(queue_head_rcpt(&h, "bob@Example.NET", 15), 0, "the first again: folded");
  tap_is(queue_head_rcpt(&h, "b\nx@c", 5), -1, "LF in an address: refused");
  tap_ok(errno == EINVAL, "... EINVAL");
  tap_is(queue_head_end(&h), 0, "end");
  tap_ok(h.s.len == 43 && !memcmp(h.s.s, "F a@b\nT bob@Example.NET\nT Bob@example.net\n\n", 43),
    "the lines: the first of each, in order");
  tap_ok(h.nrcpt == 2 && h.ndup == 2, "2 kept, 2 folded");
  queue_head_free(&h);

  /* Random lists from a small alphabet (many duplicates, mixed case),
     against the plain quadratic rule. */
  srand(12);
  ok = 1;
  for (i = 0; i < 200 && ok; i++)
  {
    char a[64][8];
    unsigned int n = rand() % 64, k, j, want = 0;
    queue_head_sender(&h, "", 0);
    for (k = 0; k < n; k++)
    {
      int dup = 0;
      a[k][0] = "aAb"[rand() % 3]; a[k][1] = '@'; a[k][2] = "xXy"[rand() % 3]; a[k][3] = 0;
      for (j = 0; j < k; j++) if (addr_same(a[j], 3, a[k], 3)) dup = 1;
      want += !dup;
      if (queue_head_rcpt(&h, a[k], 3) != !dup) ok = 0;
    }
    if (h.nrcpt != want || h.ndup != n - want) ok = 0;
    queue_head_free(&h);
  }
  tap_ok(ok, "200 random lists: folded exactly as addr_same() says");

  queue_head_sender(&h, "", 0);
  ok = 1;
  for (i = 0; i < QUEUE_RCPT_MAX && ok; i++)
  {
    char r[32];
    int len = snprintf(r, sizeof r, "u%u@example.org", i);
    if (queue_head_rcpt(&h, r, len) != 1) ok = 0;
  }
  tap_ok(ok, "QUEUE_RCPT_MAX distinct recipients are taken");
  tap_is(queue_head_rcpt(&h, "u0@EXAMPLE.org", 14), 0, "a duplicate at the cap is still folded");
  tap_is(queue_head_rcpt(&h, "one@more.org", 12), -1, "one more: refused");
  tap_ok(errno == E2BIG, "... E2BIG");
  queue_head_free(&h);
}

static void test_trigger_kinds (void)
{
  char p[256], v[256];
  int fd;
  snprintf(p, sizeof p, "%s/trigger", dir);
  snprintf(v, sizeof v, "%s/victim", dir);
  fd = open(v, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  close(fd);
  unlink(p);
  tap_is(symlink(v, p), 0, "make the trigger a link");
  tap_is(queue_trigger(dir), -1, "a trigger that is a link: refused");
  tap_ok(errno == ELOOP, "... ELOOP");
  unlink(p);
  tap_is(link(v, p), 0, "make the trigger a file");
  tap_is(queue_trigger(dir), -1, "a trigger that is a file: refused");
  tap_ok(errno == EINVAL, "... EINVAL");
  {
    struct stat st;
    tap_ok(stat(v, &st) == 0 && st.st_size == 0, "nothing written to either");
  }
  unlink(p);
  mkfifo(p, 0600);
}

static void test_msg_open (void)
{
  char p[256], v[256];
  int fd;
  snprintf(v, sizeof v, "%s/new/victim", dir);
  fd = open(v, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  tap_ok(fd >= 0 && write(fd, "F a\nT b\n\nx\n", 11) == 11, "a message file");
  close(fd);
  fd = open(dir, O_RDONLY | O_DIRECTORY);
  tap_ok(queue_msg_openat(fd, "new/victim") >= 0, "a regular file opens");
  snprintf(p, sizeof p, "%s/new/link", dir);
  tap_is(symlink(v, p), 0, "a link under an id");
  tap_is(queue_msg_openat(fd, "new/link"), -1, "... is not followed");
  tap_ok(errno == ELOOP, "... ELOOP");
  snprintf(p, sizeof p, "%s/new/fifo", dir);
  tap_is(mkfifo(p, 0600), 0, "a FIFO under an id");
  tap_is(queue_msg_openat(fd, "new/fifo"), -1, "... does not block, and is refused");
  tap_ok(errno == EFTYPE_QUEUE, "... as not a regular file");
  snprintf(p, sizeof p, "%s/new/dir", dir);
  tap_is(mkdir(p, 0700), 0, "a directory under an id");
  tap_is(queue_msg_openat(fd, "new/dir"), -1, "... is refused");
  close(fd);
}

int main (void)
{
  char p[256];
  tap_plan(6 + 10 + 11 + 3 + 18 + 7 + 10);
  if (!mkdtemp(dir)) return 1;
  sub("tmp"); sub("new");
  snprintf(p, sizeof p, "%s/trigger", dir);
  mkfifo(p, 0600);
  test_ids();
  test_commit();
  test_env();
  test_trigger();
  test_trigger_kinds();
  test_head();
  test_msg_open();
  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p)) return 1;
  return tap_done();
}
