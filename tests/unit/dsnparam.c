/* Unit test of lib/dsnparam.h (RFC 3461 parameters and xtext) and of the
   spool's D lines (queue_head_dsn, queue_env_read). */

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include "dsnparam.h"
#include "queue.h"
#include "tap.h"

/* dsnparam_take on "KEY=VAL" (or "KEY" alone) */
static int take (dsnparam *p, int rcpt, char const *kv)
{
  char const *eq = strchr(kv, '=');
  return eq ? dsnparam_take(p, rcpt, kv, eq - kv, eq + 1, strlen(eq + 1))
            : dsnparam_take(p, rcpt, kv, strlen(kv), 0, 0);
}

static int take1 (int rcpt, char const *kv)
{
  dsnparam p = DSNPARAM_ZERO;
  return take(&p, rcpt, kv);
}

static void take_tests (void)
{
  dsnparam p = DSNPARAM_ZERO;
  char big[600];
  tap_is(take1(1, "NOTIFY=NEVER"), DSNPARAM_OK, "NOTIFY=NEVER");
  tap_is(take1(1, "notify=success,Failure,DELAY"), DSNPARAM_OK, "NOTIFY: a list, any case");
  tap_is(take1(1, "NOTIFY=NEVER,SUCCESS"), DSNPARAM_EVALUE, "NOTIFY: NEVER is exclusive");
  tap_is(take1(1, "NOTIFY=SUCCESS,NEVER"), DSNPARAM_EVALUE, "NOTIFY: NEVER is exclusive, also last");
  tap_is(take1(1, "NOTIFY=SUCCESS,"), DSNPARAM_EVALUE, "NOTIFY: an empty word");
  tap_is(take1(1, "NOTIFY="), DSNPARAM_EVALUE, "NOTIFY: empty");
  tap_is(take1(1, "NOTIFY"), DSNPARAM_EVALUE, "NOTIFY: no value");
  tap_is(take1(1, "NOTIFY=SUCCES"), DSNPARAM_EVALUE, "NOTIFY: a misspelt word");
  tap_is(take1(0, "NOTIFY=NEVER"), DSNPARAM_OTHER, "NOTIFY is not a MAIL parameter");
  tap_is(take1(1, "RET=FULL"), DSNPARAM_OTHER, "RET is not a RCPT parameter");
  tap_is(take1(0, "RET=hdrs"), DSNPARAM_OK, "RET=HDRS, any case");
  tap_is(take1(0, "RET=BOTH"), DSNPARAM_EVALUE, "RET: FULL or HDRS only");
  tap_is(take1(0, "ENVID=a+2Bb"), DSNPARAM_OK, "ENVID in xtext");
  tap_is(take1(0, "ENVID=a+2"), DSNPARAM_EVALUE, "ENVID: a cut escape");
  tap_is(take1(0, "ENVID=a+ZZ"), DSNPARAM_EVALUE, "ENVID: not hex");
  tap_is(take1(0, "ENVID=a=b"), DSNPARAM_EVALUE, "ENVID: a raw '='");
  tap_is(take1(0, "ENVID=a+0Db"), DSNPARAM_EVALUE, "ENVID: an encoded CR is not printable");
  tap_is(take1(0, "ENVID=a+7Fb"), DSNPARAM_EVALUE, "ENVID: an encoded DEL");
  tap_is(take1(0, "ENVID=a+20b"), DSNPARAM_OK, "ENVID: an encoded space is printable");
  memset(big, 'e', sizeof big);
  memcpy(big, "ENVID=", 6);
  big[6 + 100] = 0;
  tap_is(take1(0, big), DSNPARAM_OK, "ENVID of 100 characters");
  big[6 + 100] = 'e'; big[6 + 101] = 0;
  tap_is(take1(0, big), DSNPARAM_EVALUE, "ENVID of 101 characters");
  tap_is(take1(1, "ORCPT=rfc822;b@example.net"), DSNPARAM_OK, "ORCPT");
  tap_is(take1(1, "ORCPT=b@example.net"), DSNPARAM_EVALUE, "ORCPT without a type");
  tap_is(take1(1, "ORCPT=;b@example.net"), DSNPARAM_EVALUE, "ORCPT with an empty type");
  tap_is(take1(1, "ORCPT=rfc822;"), DSNPARAM_EVALUE, "ORCPT with an empty address");
  tap_is(take1(1, "ORCPT=rfc(822);b@x"), DSNPARAM_EVALUE, "ORCPT: the type is an atom");
  tap_is(dsnparam_take(&p, 1, "ORCPT", 5, "a\0b;x", 5), DSNPARAM_EVALUE, "ORCPT: a NUL in the type (found by fuzzing)");
  memset(big, 'a', sizeof big);
  memcpy(big, "ORCPT=rfc822;", 13);
  big[6 + 500] = 0;
  tap_is(take1(1, big), DSNPARAM_OK, "ORCPT of 500 characters");
  big[6 + 500] = 'a'; big[6 + 501] = 0;
  tap_is(take1(1, big), DSNPARAM_EVALUE, "ORCPT of 501 characters");
  tap_is(take(&p, 1, "NOTIFY=DELAY"), DSNPARAM_OK, "a first NOTIFY");
  tap_is(take(&p, 1, "NOTIFY=DELAY"), DSNPARAM_EDUP, "a second NOTIFY in one command");
  tap_ok(strstr(dsnparam_error(DSNPARAM_EVALUE, "notify", 6), "501 5.5.4 bad NOTIFY") != 0, "the reply names the parameter");
  tap_ok(strstr(dsnparam_error(DSNPARAM_EDUP, "ENVID", 5), "501 5.5.4 ENVID given twice") != 0, "and says twice");
}

static void fmt_tests (void)
{
  dsnparam p = DSNPARAM_ZERO, q;
  stralloc sa = STRALLOC_ZERO;
  take(&p, 1, "orcpt=rfc822;b+40x");
  take(&p, 1, "notify=delay,success");
  tap_ok(dsnparam_fmt(&sa, &p) && stralloc_0(&sa), "fmt");
  tap_ok(!strcmp(sa.s, " NOTIFY=SUCCESS,DELAY ORCPT=rfc822;b+40x"), "keywords and words in upper case, the xtext as given");
  tap_ok(dsnparam_scan(&q, 1, sa.s, sa.len - 1) && q.notify == p.notify && q.orcptlen == p.orcptlen, "scan reads it back");
  tap_ok(!dsnparam_scan(&q, 0, sa.s, sa.len - 1), "not as MAIL's");
  tap_ok(!dsnparam_scan(&q, 1, "NOTIFY=NEVER", 12), "a D line's list starts with a space");
  tap_ok(!dsnparam_scan(&q, 1, " NOTIFY=NEVER ", 14), "and has no empty word");
  tap_ok(dsnparam_scan(&q, 1, "", 0) && !q.notify && !q.orcpt, "an empty list is none");
  stralloc_free(&sa);
}

/* Random inputs: what take accepts, fmt writes and scan reads back
   alike; xtext encodes any bytes and decodes them back. */
static void invariant_tests (void)
{
  static char const *const pieces[] = { "SUCCESS", "FAILURE", "DELAY", "NEVER", ",", "x", "" };
  unsigned int i, bad = 0, roundtrip = 0, accepted = 0;
  srand(3461);
  for (i = 0; i < 20000; i++)
  {
    char v[64] = "", raw[40];
    dsnparam p = DSNPARAM_ZERO, q;
    stralloc sa = STRALLOC_ZERO, x = STRALLOC_ZERO, y = STRALLOC_ZERO;
    unsigned int k, n = rand() % 5;
    for (k = 0; k < n; k++) strcat(v, pieces[rand() % 7]);
    if (dsnparam_take(&p, 1, "NOTIFY", 6, v, strlen(v)) == DSNPARAM_OK)
    {
      accepted++;
      if ((p.notify & DSN_NOTIFY_NEVER) && p.notify != DSN_NOTIFY_NEVER) bad++;
      if (!dsnparam_fmt(&sa, &p) || !dsnparam_scan(&q, 1, sa.s, sa.len) || q.notify != p.notify) bad++;
    }
    n = rand() % sizeof raw;
    for (k = 0; k < n; k++) raw[k] = (char)(rand() % 256);
    if (dsn_xtext_encode(&x, raw, n) && dsn_xtext_valid(x.s, x.len)
     && dsn_xtext_decode(&y, x.s, x.len) && y.len == n && (!n || !memcmp(y.s, raw, n))) roundtrip++;
    stralloc_free(&sa); stralloc_free(&x); stralloc_free(&y);
  }
  tap_is(bad, 0, "20000 random NOTIFY values: NEVER alone whenever taken, fmt and scan agree");
  tap_ok(accepted > 1000, "and many of them were taken");
  tap_is(roundtrip, 20000, "20000 random byte strings: xtext encodes and decodes them back");
}

static int memfile (char const *s)
{
  int fd = memfd_create("env", 0);
  if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) exit(1);
  lseek(fd, 0, SEEK_SET);
  return fd;
}

static void spool_tests (void)
{
  queue_head h = QUEUE_HEAD_ZERO;
  queue_env e = QUEUE_ENV_ZERO;
  int fd;
  tap_is(queue_head_dsn(&h, " RET=FULL", 9), -1, "a D line before F: refused");
  queue_head_sender(&h, "a@x", 3);
  tap_is(queue_head_dsn(&h, " RET=FULL", 9), 1, "after F: RET");
  tap_is(queue_head_dsn(&h, " ENVID=x", 8), -1, "a second D line: refused");
  queue_head_rcpt(&h, "b@x", 3);
  tap_is(queue_head_dsn(&h, " RET=FULL", 9), -1, "after T: not MAIL's parameters");
  tap_is(queue_head_dsn(&h, " NOTIFY=NEVER", 13), 1, "after T: NOTIFY");
  queue_head_rcpt(&h, "c@x", 3);
  queue_head_rcpt(&h, "b@X", 3);
  tap_is(queue_head_dsn(&h, " NOTIFY=SUCCESS", 15), 0, "a folded duplicate's D line is dropped with it");
  queue_head_end(&h);
  {
    char const *want = "F a@x\nD RET=FULL\nT b@x\nD NOTIFY=NEVER\nT c@x\n\n";
    tap_ok(h.s.len == strlen(want) && !memcmp(h.s.s, want, h.s.len), "the lines");
  }
  stralloc_catb(&h.s, "body\n", 5);
  stralloc_0(&h.s);
  fd = memfile(h.s.s);
  tap_is(queue_env_read(fd, &e), 1, "the envelope reads back");
  tap_ok(!strcmp(e.dsn.s, " RET=FULL"), "the sender's D line");
  tap_ok(e.rdsn.len == 15 && !memcmp(e.rdsn.s, " NOTIFY=NEVER\0\0", 15), "each recipient's, \"\" for none");
  tap_is(e.ndsn, 1, "one recipient with a D line");
  close(fd);
  fd = memfile("F a@x\nT b@x\n\nbody\n");
  tap_ok(queue_env_read(fd, &e) == 1 && e.dsn.s[0] == 0 && e.rdsn.len == 1 && !e.ndsn, "an old file: no D lines, read as before");
  close(fd);
  fd = memfile("F a@x\nT b@x\nD NOTIFY=NEVER,DELAY\n\nbody\n");
  tap_is(queue_env_read(fd, &e), 0, "a D line the smtpd would refuse: malformed");
  close(fd);
  fd = memfile("F a@x\nD RET=FULL\nD RET=FULL\nT b@x\n\nbody\n");
  tap_is(queue_env_read(fd, &e), 0, "two D lines in a row: malformed");
  close(fd);
  {
    /* the longest D line there is: every NOTIFY word and a 500-character ORCPT */
    stralloc f = STRALLOC_ZERO;
    char orcpt[DSN_ORCPT_MAX + 1];
    memset(orcpt, 'o', DSN_ORCPT_MAX);
    memcpy(orcpt, "rfc822;", 7);
    orcpt[DSN_ORCPT_MAX] = 0;
    stralloc_cats(&f, "F a@x\nT b@x\nD NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=");
    stralloc_cats(&f, orcpt);
    stralloc_cats(&f, "\n\nbody\n");
    stralloc_0(&f);
    fd = memfile(f.s);
    tap_ok(queue_env_read(fd, &e) == 1 && e.rdsn.len == 37 + DSN_ORCPT_MAX, "the longest D line reads back");
    close(fd);
    stralloc_free(&f);
  }
  queue_env_free(&e);
  queue_head_free(&h);
}

int main (void)
{
  tap_plan(58);
  take_tests();
  fmt_tests();
  invariant_tests();
  spool_tests();
  return tap_done();
}
