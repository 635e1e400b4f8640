/* unit tests of lib/smtputf8 and the spool's U line (queue/README.md):
   the smtpd's one rule for addresses, the header scanner whatever the
   pieces it is fed in, and the envelope written and read back. */

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "queue.h"
#include "smtputf8.h"
#include "tap.h"

#define A(lit) lit, sizeof lit - 1

/* The envelope of text read back: queue_env_read's verdict. */
static int env_of (char const *text, queue_env *e)
{
  int fd = memfd_create("env", 0), r;
  if (fd < 0 || write(fd, text, strlen(text)) < 0) return -1;
  lseek(fd, 0, SEEK_SET);
  r = queue_env_read(fd, e);
  close(fd);
  return r;
}

/* The header scanner fed s whole, then one octet at a time, then in
   pieces of 3: 1 when all three say found, 0 when none do, -1 if they
   disagree; 2 when found and all UTF-8. */
static int head_found (char const *s)
{
  smtputf8_head a = SMTPUTF8_HEAD_ZERO, b = SMTPUTF8_HEAD_ZERO, c = SMTPUTF8_HEAD_ZERO;
  size_t len = strlen(s), i;
  smtputf8_head_feed(&a, s, len);
  for (i = 0; i < len; i++) smtputf8_head_feed(&b, s + i, 1);
  for (i = 0; i < len; i += 3) smtputf8_head_feed(&c, s + i, len - i < 3 ? len - i : 3);
  if (a.found != b.found || b.found != c.found) return -1;
  if (smtputf8_head_utf8(&a) != smtputf8_head_utf8(&b) || smtputf8_head_utf8(&b) != smtputf8_head_utf8(&c)) return -1;
  return a.found + smtputf8_head_utf8(&a);
}

/* The envelope lines queue_head makes for sender and one recipient. */
static char const *head_of (queue_head *h, char const *sender, char const *rcpt, int asked)
{
  h->s.len = 0;
  queue_head_free(h);
  if (queue_head_sender(h, sender, strlen(sender)) < 0 || queue_head_rcpt(h, rcpt, strlen(rcpt)) < 0) return "";
  if (asked) queue_head_smtputf8(h);
  if (queue_head_end(h) < 0 || !stralloc_0(&h->s)) return "";
  return h->s.s;
}

int main (void)
{
  queue_env e = QUEUE_ENV_ZERO;
  queue_head h = QUEUE_HEAD_ZERO;
  int fd;
  tap_plan(31);

  tap_is(smtputf8_addr(A("bob@example.net"), 0), SMTPUTF8_OK, "ASCII without SMTPUTF8");
  tap_is(smtputf8_addr(A("bob@example.net"), 1), SMTPUTF8_OK, "ASCII with SMTPUTF8");
  tap_is(smtputf8_addr(A("j\303\266rg@example.net"), 0), SMTPUTF8_ENEED, "UTF-8 without SMTPUTF8: refused");
  tap_is(smtputf8_addr(A("j\303\266rg@example.net"), 1), SMTPUTF8_OK, "UTF-8 with SMTPUTF8");
  tap_is(smtputf8_addr(A("j\351rg@example.net"), 1), SMTPUTF8_EBAD, "Latin-1 with SMTPUTF8: malformed");
  tap_is(smtputf8_addr(A("j\351rg@example.net"), 0), SMTPUTF8_ENEED, "Latin-1 without SMTPUTF8: the same 5.6.7");
  tap_is(smtputf8_addr(A("a\300\257b@example.net"), 1), SMTPUTF8_EBAD, "an overlong '/' with SMTPUTF8");
  tap_is(smtputf8_addr(A("a\302\205b@example.net"), 1), SMTPUTF8_EBAD, "a C1 control with SMTPUTF8");
  tap_ok(!strncmp(smtputf8_refusal(A("j\303\266rg@example.net"), 0, 1), "553 5.6.7 ", 10), "sender without SMTPUTF8: 553 5.6.7");
  tap_ok(!strncmp(smtputf8_refusal(A("j\303\266rg@example.net"), 0, 0), "553 5.6.7 ", 10), "recipient without SMTPUTF8: 553 5.6.7");
  tap_ok(!strncmp(smtputf8_refusal(A("j\351rg@example.net"), 1, 0), "553 5.1.3 ", 10), "malformed recipient: 553 5.1.3");
  tap_ok(!smtputf8_refusal(A("j\303\266rg@example.net"), 1, 1), "no refusal with SMTPUTF8");

  tap_is(head_found("Subject: hello\nFrom: <a@b>\n\nbody \303\266\n"), 0, "header ASCII, body UTF-8: not found");
  tap_is(head_found("Subject: h\303\251llo\n\nbody\n"), 2, "UTF-8 in a field: found, UTF-8");
  tap_is(head_found("Subject: hello\n\tcontinued \360\237\220\261\n\nbody\n"), 2, "UTF-8 in a continuation line: found, UTF-8");
  tap_is(head_found("Subject: h\351llo\n\nbody\n"), 1, "Latin-1: found, not UTF-8");
  tap_is(head_found("Subject: a\300\257b\n\n"), 1, "an overlong form: not UTF-8");
  tap_is(head_found("Subject: \303\n\n"), 1, "a sequence cut by the line end: not UTF-8");
  tap_is(head_found("Subject: ok\n\nbody \351\n"), 0, "Latin-1 in the body only: nothing");
  tap_is(head_found("Subject: hello\r\n\r\nbody \303\266\r\n"), 0, "CRLF: the body stays out");
  tap_is(head_found("Subject: hello\r\nX: \303\266\r\n\r\n"), 2, "CRLF: found in the header");
  tap_is(head_found("\nSubject: \303\266\n"), 0, "an empty header: everything is body");
  tap_is(head_found("Subject: \303\266"), 2, "a header cut short, no body");

  fd = memfd_create("msg", 0);
  tap_ok(fd >= 0 && write(fd, "Fabc\nSubject: \303\266\n\nx\n", 21) == 21 && lseek(fd, 5, SEEK_SET) == 5
         && smtputf8_head_fd(fd) == 1 && lseek(fd, 0, SEEK_CUR) == 5, "smtputf8_head_fd finds it and leaves the offset");
  if (fd >= 0) close(fd);

  tap_ok(!strcmp(head_of(&h, "a@example.org", "b@example.net", 0), "F a@example.org\nT b@example.net\n\n"), "ASCII, not asked: no U line");
  tap_ok(!strcmp(head_of(&h, "a@example.org", "b@example.net", 1), "F a@example.org\nT b@example.net\nU SMTPUTF8\n\n"), "asked: the U line before the blank line");
  tap_ok(!strcmp(head_of(&h, "a@example.org", "j\303\266rg@example.net", 0), "F a@example.org\nT j\303\266rg@example.net\nU SMTPUTF8\n\n"), "a UTF-8 recipient sets it");
  tap_ok(!strcmp(head_of(&h, "j\303\266rg@example.org", "b@example.net", 0), "F j\303\266rg@example.org\nT b@example.net\nU SMTPUTF8\n\n"), "a UTF-8 sender sets it");
  tap_ok(env_of("F a@example.org\nT b@example.net\nU SMTPUTF8\n\nbody\n", &e) == 1 && e.smtputf8 == 1 && e.nrcpt == 1, "read back: flag set, one recipient");
  tap_ok(env_of("F a@example.org\nT b@example.net\n\nbody\n", &e) == 1 && e.smtputf8 == 0, "a file without it (older) reads as before");
  tap_ok(env_of("F a@example.org\nT b@example.net\nU utf8\n\n", &e) == 0 && env_of("F a@example.org\nU SMTPUTF8\nU SMTPUTF8\nT b@example.net\n\n", &e) == 0
         && env_of("U SMTPUTF8\nF a@example.org\nT b@example.net\n\n", &e) == 0, "a U line with another value, twice, or before F: malformed");
  queue_head_free(&h);
  queue_env_free(&e);
  return tap_done();
}
