/* unit tests of queue/: ids, the commit, the envelope reader, the trigger */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
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

int main (void)
{
  char p[256];
  tap_plan(6 + 10 + 11 + 3);
  if (!mkdtemp(dir)) return 1;
  sub("tmp"); sub("new");
  snprintf(p, sizeof p, "%s/trigger", dir);
  mkfifo(p, 0600);
  test_ids();
  test_commit();
  test_env();
  test_trigger();
  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p)) return 1;
  return tap_done();
}
