/* unit tests of queue/queue_state.c (state/ID) and lib/dsn.c (notifications) */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include "dsn.h"
#include "queue_state.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-unit-state.XXXXXX";

static void put_file (char const *name, char const *text)
{
  char p[256];
  FILE *f;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static int state_tests (int fd)
{
  queue_state st = QUEUE_STATE_ZERO, back = QUEUE_STATE_ZERO;
  char const *id = "1795816346.549471893.0005904000";
  int i;
  tap_is(queue_state_read(fd, id, &st), 0, "no state file: 0");
  st.attempts = 3; st.next = 1795816999; st.warned = 1;
  tap_ok(queue_state_set(&st, "bob@example.net", QUEUE_RCPT_DONE, 250, "2.0.0 ok"), "set done");
  tap_ok(queue_state_set(&st, "carol@example.com", QUEUE_RCPT_DEFER, 451, "4.3.0 later\tand\r\nmore"), "set defer with control characters");
  tap_ok(queue_state_set(&st, "\"odd one\"@example.com", QUEUE_RCPT_FAIL, 550, ""), "set fail, a space in the address, empty text");
  tap_ok(queue_state_set(&st, "carol@example.com", QUEUE_RCPT_DONE, 250, "at last"), "update a recipient");
  tap_is(queue_state_n(&st), 3, "three recipients");
  tap_is(queue_state_write(fd, id, &st), 0, "write");
  tap_is(faccessat(fd, "1795816346.549471893.0005904000.tmp", F_OK, 0), -1, "no tmp file left");
  tap_is(queue_state_read(fd, id, &back), 1, "read it back");
  tap_is(back.attempts, 3, "attempts");
  tap_is(back.next, 1795816999, "next");
  tap_is(back.warned, 1, "warned");
  tap_is(queue_state_n(&back), 3, "three recipients back");
  i = queue_state_find(&back, "carol@example.com");
  tap_ok(i >= 0 && queue_state_rcpt(&back, i)->status == QUEUE_RCPT_DONE && !strcmp(queue_state_text(&back, i), "at last"), "the update survived");
  i = queue_state_find(&back, "\"odd one\"@example.com");
  tap_ok(i >= 0 && queue_state_rcpt(&back, i)->status == QUEUE_RCPT_FAIL && queue_state_rcpt(&back, i)->code == 550, "the odd address survived");
  queue_state_set(&st, "dave@example.com", QUEUE_RCPT_DEFER, 451, "4.3.0 a\tb");
  queue_state_write(fd, id, &st);
  queue_state_read(fd, id, &back);
  i = queue_state_find(&back, "dave@example.com");
  tap_ok(i >= 0 && !strcmp(queue_state_text(&back, i), "4.3.0 a?b"), "a TAB in a reply is made printable, not a field separator");
  put_file("state/bad1", "attempts\t1\nnext\t12");
  tap_is(queue_state_read(fd, "bad1", &back), -1, "a torn last line is refused");
  put_file("state/bad2", "attempts\t1\nsent\tbob@x\t250\tok\n");
  tap_is(queue_state_read(fd, "bad2", &back), -1, "an unknown status is refused");
  tap_is(errno, EPROTO, "with EPROTO");
  tap_is(queue_state_remove(fd, id), 0, "remove");
  tap_is(queue_state_remove(fd, id), 0, "remove again: not an error");
  tap_is(queue_state_read(fd, id, &back), 0, "gone");
  queue_state_free(&st);
  queue_state_free(&back);
  return 0;
}

/* One recipient per addr_same(): duplicates and domain-case variants fold,
   local-part case variants do not; and the index holds 100,000. */
static void fold_tests (void)
{
  queue_state st = QUEUE_STATE_ZERO;
  char a[64];
  unsigned int i, bad = 0;
  tap_is(queue_state_add(&st, "bob@example.net"), 0, "add bob");
  tap_is(queue_state_add(&st, "bob@Example.NET"), 0, "the domain in capitals is bob again");
  tap_is(queue_state_add(&st, "Bob@example.net"), 1, "Bob is another recipient");
  tap_is(queue_state_find(&st, "bob@EXAMPLE.net"), 0, "found whatever the domain's case");
  tap_is(queue_state_find(&st, "bob@example.org"), -1, "another domain is not found");
  tap_ok(queue_state_set(&st, "bob@EXAMPLE.NET", QUEUE_RCPT_DONE, 250, "ok") && queue_state_n(&st) == 2
    && queue_state_rcpt(&st, 0)->status == QUEUE_RCPT_DONE, "set through a variant sets the one recipient");
  tap_ok(!strcmp(queue_state_addr(&st, 0), "bob@example.net"), "keeping the first spelling");
  tap_is(queue_state_add(&st, ""), 2, "the empty address is a recipient too");
  tap_is(*queue_state_text(&st, 2), 0, "with an empty text");
  queue_state_clear(&st);
  tap_is(queue_state_find(&st, "bob@example.net"), -1, "clear empties the index");
  for (i = 0; i < 100000; i++)
  {
    snprintf(a, sizeof a, "r%u@d%u.example", i, i % 7);
    if (queue_state_add(&st, a) != (int)i) bad++;
  }
  for (i = 0; i < 100000; i++)
  {
    snprintf(a, sizeof a, "r%u@D%u.EXAMPLE", i, i % 7);
    if (queue_state_find(&st, a) != (int)i) bad++;
  }
  tap_is(bad, 0, "100,000 recipients, each found again by a variant");
  tap_is(queue_state_n(&st), 100000, "and no more");
  queue_state_free(&st);
}

static void dsn_tests (void)
{
  char s[16];
  char p[256];
  char out[16384];
  stralloc got = STRALLOC_ZERO;
  dsn_rcpt r[2] = { { "bob@example.net", 550, 0, "5.1.1 no such user", 0, 0, 0 }, { "carol@example.com", 451, "5.4.7", "later", 0, 0, 0 } };
  dsn d = { "1795816346.549471893.0005904000", "relay.test", "alice@example.org", "smtp.example.net", 1795816346, 1795816400, 0, r, 2, 0, 0, 0, 0 };
  buffer b;
  int fd;
  ssize_t n;
  dsn_status(s, 550, "5.7.1 relaying denied"); tap_ok(!strcmp(s, "5.7.1"), "status from the enhanced code");
  dsn_status(s, 451, "4.3.0"); tap_ok(!strcmp(s, "4.3.0"), "status alone");
  dsn_status(s, 550, "no enhanced code"); tap_ok(!strcmp(s, "5.0.0"), "5xx without one: 5.0.0");
  dsn_status(s, 421, "4.7.0x"); tap_ok(!strcmp(s, "4.0.0"), "a malformed one is not used");
  dsn_status(s, 0, "connection refused"); tap_ok(!strcmp(s, "5.0.0"), "no code: 5.0.0");
  snprintf(p, sizeof p, "%s/msg", dir);
  put_file("msg", "Subject: hi\nFrom: alice@example.org\n\nsecret body\n");
  fd = open(p, O_RDONLY);
  snprintf(p, sizeof p, "%s/out", dir);
  {
    int ofd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);
    buffer_init(&b, &buffer_write, ofd, out, sizeof out);
    tap_is(dsn_write(&b, &d, fd), 0, "dsn_write");
    buffer_flush(&b);
    lseek(ofd, 0, SEEK_SET);
    n = read(ofd, out, sizeof out - 1);
    out[n > 0 ? n : 0] = 0;
    close(ofd);
  }
  close(fd);
  tap_ok(strstr(out, "\nAuto-Submitted: auto-replied\n") != 0, "Auto-Submitted");
  tap_ok(strstr(out, "report-type=delivery-status") != 0, "multipart/report");
  tap_ok(strstr(out, "\nFinal-Recipient: rfc822; bob@example.net\nAction: failed\nStatus: 5.1.1\nRemote-MTA: dns; smtp.example.net\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n") != 0, "a recipient block");
  tap_ok(strstr(out, "Status: 5.4.7") != 0, "a given status wins");
  tap_ok(strstr(out, "\nSubject: hi\nFrom: alice@example.org\n") != 0, "the original headers");
  tap_ok(strstr(out, "secret body") == 0, "not the original body");
  tap_ok(strstr(out, "--1795816346.549471893.0005904000/relay.test--\n") != 0, "closing boundary");
  stralloc_free(&got);
}

int main (void)
{
  char p[256];
  int fd;
  tap_plan(47);
  if (!mkdtemp(dir)) return 111;
  snprintf(p, sizeof p, "%s/state", dir);
  mkdir(p, 0700);
  fd = open(p, O_RDONLY | O_DIRECTORY);
  state_tests(fd);
  fold_tests();
  close(fd);
  dsn_tests();
  snprintf(p, sizeof p, "rm -rf %s", dir);
  if (system(p)) {}
  return tap_done();
}
