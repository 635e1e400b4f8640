/* unit tests of lib/qq: the verdict table, and a real run of the injector */

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <skalibs/allreadwrite.h>
#include "qq.h"
#include "tap.h"

#define EXITED(n) ((n) << 8)

static void test_table (void)
{
  tap_is(qq_verdict_of(EXITED(0))->code, 250, "0: 250");
  tap_is(qq_verdict_of(EXITED(11))->code / 100, 5, "11: permanent");
  tap_is(qq_verdict_of(EXITED(31))->code / 100, 5, "31: permanent");
  tap_is(qq_verdict_of(EXITED(33))->code, 552, "33: over the size limit, 552");
  tap_is(qq_verdict_of(EXITED(40))->code / 100, 5, "40: permanent");
  tap_is(qq_verdict_of(EXITED(53))->code / 100, 4, "53: temporary");
  tap_is(qq_verdict_of(EXITED(91))->code / 100, 4, "91: temporary");
  tap_is(qq_verdict_of(EXITED(100))->code / 100, 4, "unknown 100: temporary");
  tap_is(qq_verdict_of(EXITED(1))->code / 100, 4, "unknown 1: temporary");
  tap_is(qq_verdict_of(SIGKILL)->code / 100, 4, "killed by a signal: temporary");
  tap_ok(!strcmp(qq_verdict_of(EXITED(53))->ecode, "4.3.0"), "enhanced code of 53");
}

static void test_run (char const *build)
{
  char dir[] = "/tmp/smarthost-unit-qq.XXXXXX";
  char path[512];
  char const *rcpts[2] = { "bob@example.net", "carol@example.com" };
  qq q = QQ_ZERO;
  int w;
  if (!mkdtemp(dir)) return;
  snprintf(path, sizeof path, "%s/smarthost-queue", build);
  setenv("QMAILQUEUE", path, 1);
  setenv("QUEUE", dir, 1);
  snprintf(path, sizeof path, "%s/tmp", dir); mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/new", dir); mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/trigger", dir); mkfifo(path, 0600);
  tap_is(qq_start(&q, "1700000000.000000000.0000000001"), 0, "start the injector");
  tap_ok(allwrite(q.msgfd, "Subject: x\n\nbody\n", 17) == 17, "write the message");
  tap_is(qq_envelope(&q, "alice@example.org", rcpts, 2), 0, "write the envelope");
  w = qq_finish(&q);
  tap_is(qq_verdict_of(w)->code, 250, "the injector accepted");
  snprintf(path, sizeof path, "%s/new/1700000000.000000000.0000000001", dir);
  tap_ok(access(path, F_OK) == 0, "under the id we gave");
  tap_ok(!getenv("SMARTHOST_ID"), "SMARTHOST_ID does not linger in our environment");
  tap_is(qq_start(&q, 0), 0, "start again");
  w = qq_finish(&q);
  tap_is(WEXITSTATUS(w), 54, "a caller that gives no envelope gets 54");
  tap_is(qq_verdict_of(w)->code / 100, 4, "which is temporary");
  snprintf(path, sizeof path, "rm -rf %s", dir);
  if (system(path)) tap_failed++;
}

/* A long session passes many ids: memory must not grow with each one
   (glibc's setenv() never frees a value it replaced). */
static void test_no_growth (void)
{
  char id[] = "1700000000.000000000.0000000000";
  size_t before = 0, after;
  unsigned int i;
  int ok = 1;
  setenv("QMAILQUEUE", "true", 1);
  for (i = 0; i < 2000; i++)
  {
    qq q = QQ_ZERO;
    snprintf(id + 21, 11, "%010u", i);
    if (qq_start(&q, id) < 0 || qq_finish(&q) != 0) ok = 0;
    if (i == 99) before = mallinfo2().uordblks;
  }
  after = mallinfo2().uordblks;
  tap_ok(ok, "2000 injector runs");
  if (after > before + 16384) printf("# heap grew from %zu to %zu\n", before, after);
  tap_ok(after <= before + 16384, "the heap does not grow with each id");
}

int main (void)
{
  char const *build = getenv("BUILD");
  signal(SIGPIPE, SIG_IGN);
  tap_plan(11 + 9 + 2);
  test_table();
  if (!build) build = "build";
  test_run(build);
  test_no_growth();
  return tap_done();
}
