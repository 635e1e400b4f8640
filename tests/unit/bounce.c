/* lib/bounce: when a bounce or a delay warning is due (expiry during a
   pause included), who gets it, and a notification that stays 7-bit for
   an 8-bit address. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <skalibs/buffer.h>
#include "bounce.h"
#include "tap.h"

static void due_tests (void)
{
  bounce b = BOUNCE_ZERO;   /* LIFETIME 5 days, DELAYWARN 4 hours */
  time_t arr = 1000000;
  tap_is(bounce_due(&b, arr, arr + 60, 0, 0), BOUNCE_NONE, "a minute old: nothing");
  tap_is(bounce_due(&b, arr, arr + 14400, 0, 0), BOUNCE_WARN, "DELAYWARN reached: a warning");
  tap_is(bounce_due(&b, arr, arr + 14400, 1, 0), BOUNCE_NONE, "warned already: none again");
  tap_is(bounce_due(&b, arr, arr + 432000, 1, 0), BOUNCE_EXPIRE, "LIFETIME reached: expired");
  tap_is(bounce_due(&b, arr, arr + 432000, 0, 0), BOUNCE_EXPIRE | BOUNCE_WARN, "never warned: the warning is due too, if the bounce fails");
  tap_is(bounce_due(&b, arr, arr + 432000 * 2, 0, 1), BOUNCE_NONE, "past LIFETIME while the queue is paused: neither expired nor warned");
  tap_is(bounce_due(&b, arr, arr + 432000 * 2, 0, 0), BOUNCE_EXPIRE | BOUNCE_WARN, "and expired once the pause is over");
  b.delaywarn = 0;
  tap_is(bounce_due(&b, arr, arr + 400000, 0, 0), BOUNCE_NONE, "DELAYWARN 0: never a warning");
}

static void to_tests (void)
{
  bounce b = BOUNCE_ZERO;
  dsn_rcpt r[1] = { { "Postmaster@Relay.Test", 550, 0, "no", 0, 0, 0 } };
  dsn_rcpt o[1] = { { "bob@example.net", 550, 0, "no", 0, 0, 0 } };
  tap_ok(!strcmp(bounce_to(&b, "alice@example.org", 0, o, 1), "alice@example.org"), "a bounce goes to the sender");
  tap_ok(bounce_to(&b, "", 0, o, 1) == 0, "a failed bounce without POSTMASTER: nobody");
  b.postmaster = "postmaster@relay.test";
  tap_ok(!strcmp(bounce_to(&b, "", 0, o, 1), "postmaster@relay.test"), "with POSTMASTER: to it");
  tap_ok(bounce_to(&b, "", 1, o, 1) == 0, "a delay warning of a bounce: nobody");
  tap_ok(bounce_to(&b, "", 0, r, 1) == 0, "a failed bounce to POSTMASTER: nobody (no loop)");
}

static void eightbit_tests (void)
{
  dsn_rcpt r[1] = { { "j\xc3\xb6rg@example.net", 550, 0, "5.1.1 no such user", 0, 0, 0 } };
  dsn d = { "1795816346.549471893.0005904000", "relay.test", "r\xc3\xa9mi@example.org", 0, 1795816346, 1795816400, 0, r, 1, 0, 0, 0, 0 };
  char out[16384];
  buffer b;
  int in = memfd_create("msg", 0), ofd = memfd_create("out", 0);
  ssize_t n, i, high = 0;
  if (in < 0 || ofd < 0 || write(in, "Subject: hi\n\nbody\n", 18) != 18) exit(1);
  lseek(in, 0, SEEK_SET);
  buffer_init(&b, &buffer_write, ofd, out, sizeof out);
  tap_ok(dsn_write(&b, &d, in) == 0 && buffer_flush(&b), "a notification for an 8-bit address is written");
  lseek(ofd, 0, SEEK_SET);
  n = read(ofd, out, sizeof out - 1);
  out[n > 0 ? n : 0] = 0;
  for (i = 0; i < n; i++) if ((unsigned char)out[i] > 0x7e) high++;
  tap_is(high, 0, "no 8-bit byte in it: it declares charset=us-ascii and is");
  tap_ok(strstr(out, "<j??rg@example.net>: 550") && strstr(out, "To: <r??mi@example.org>"),
    "for people, the addresses in printable form");
  tap_ok(strstr(out, "Final-Recipient: rfc822; j+C3+B6rg@example.net\n") != 0, "for programs, in xtext (RFC 3461)");
  close(in);
  close(ofd);
}

int main (void)
{
  tap_plan(17);
  due_tests();
  to_tests();
  eightbit_tests();
  return tap_done();
}
