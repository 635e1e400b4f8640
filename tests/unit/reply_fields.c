/* lib/reply_fields: a reply's RFC 3463 status, the Remote-MTA host, the
   text with its code once; and what lib/dsn writes from them. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/buffer.h>
#include "dsn.h"
#include "reply_fields.h"
#include "tap.h"

static int status_is (unsigned int code, char const *text, char const *want)
{
  char s[REPLY_STATUS_MAX];
  reply_status(s, code, text);
  if (strcmp(s, want)) printf("#   %u \"%s\": got %s, want %s\n", code, text ? text : "(null)", s, want);
  return !strcmp(s, want);
}

static void statuses (void)
{
  tap_ok(status_is(550, "5.1.1 <x@example.net>: Recipient address rejected", "5.1.1"), "an enhanced code at the start");
  tap_ok(status_is(550, "Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1"), "qmail's (#5.1.1) at the end");
  tap_ok(status_is(552, "sorry, that message size exceeds my databytes limit (#5.3.4)", "5.3.4"), "qmail's (#5.3.4)");
  tap_ok(status_is(451, "qq temporary problem (#4.3.0)", "4.3.0"), "qmail's temporary (#4.3.0)");
  tap_ok(status_is(421, "the upstream refused the connection: 421 4.7.0 Try again later", "4.7.0"), "one after the code inside our own text");
  tap_ok(status_is(550, "mailbox unavailable (#4.2.1)", "5.2.1"), "a code of the other class takes the reply's class");
  tap_ok(status_is(550, "(#5.1.1", "5.0.0") && status_is(550, "(#5.1.1x)", "5.0.0") && status_is(550, "5.1.1.1 x", "5.0.0"),
    "malformed ones are not used");
  tap_ok(status_is(550, "no such user", "5.0.0"), "550 without one: 5.0.0, the last resort");
  tap_ok(status_is(554, "transaction failed", "5.0.0"), "554 says nothing more either");
  tap_ok(status_is(552, "message size exceeds fixed maximum message size", "5.3.4"), "552: 5.3.4 (too big, RFC 1870)");
  tap_ok(status_is(553, "mailbox name not allowed", "5.1.3"), "553: 5.1.3");
  tap_ok(status_is(551, "user not local", "5.1.6"), "551: 5.1.6");
  tap_ok(status_is(535, "authentication failed", "5.7.8") && status_is(530, "authentication required", "5.7.0"), "535 5.7.8, 530 5.7.0 (RFC 4954)");
  tap_ok(status_is(501, "syntax error in parameters", "5.5.4") && status_is(500, "unrecognised", "5.5.2")
    && status_is(502, "not implemented", "5.5.1") && status_is(503, "bad sequence", "5.5.1"), "5.5.x for the command errors");
  tap_ok(status_is(556, "domain does not accept mail", "5.1.10") && status_is(521, "does not accept mail", "5.3.2"), "RFC 7504, RFC 7505");
  tap_ok(status_is(451, "local error", "4.3.0") && status_is(450, "mailbox busy", "4.2.0") && status_is(454, "TLS not available", "4.7.0"), "4xx: 451 4.3.0, 450 4.2.0, 454 4.7.0");
  tap_ok(status_is(421, "service not available", "4.0.0") && status_is(452, "insufficient storage", "4.0.0"), "others: X.0.0");
  tap_ok(status_is(0, "connection refused", "5.0.0") && status_is(0, 0, "5.0.0"), "no code: 5.0.0");
}

static int host_is (char const *upstream, char const *want)
{
  char const *h = 0;
  size_t n = reply_mta_host(upstream, &h);
  int good = want ? n == strlen(want) && !memcmp(h, want, n) : !n;
  if (!good) printf("#   %s: got %.*s\n", upstream ? upstream : "(null)", (int)n, h ? h : "");
  return good;
}

static void hosts (void)
{
  tap_ok(host_is("smtp.example.net:587", "smtp.example.net"), "host:port: the host");
  tap_ok(host_is("smtp.example.net", "smtp.example.net"), "a host alone");
  tap_ok(host_is("[2001:db8::1]:465", "2001:db8::1"), "an IPv6 address without brackets");
  tap_ok(host_is("a.example:465,b.example:587", "a.example"), "a list: the first");
  tap_ok(host_is(0, 0) && host_is("", 0) && host_is("[::1", 0), "nothing, or a malformed one: none");
}

static int once_is (unsigned int code, char const *text, char const *want)
{
  stralloc sa = STRALLOC_ZERO;
  int good = reply_text_once(&sa, code, text) && stralloc_0(&sa) && !strcmp(sa.s, want);
  if (!good) printf("#   got \"%s\"\n", sa.s ? sa.s : "");
  stralloc_free(&sa);
  return good;
}

static void once (void)
{
  tap_ok(once_is(421, "the upstream refused the connection: 421 4.7.0 Try again later", "the upstream refused the connection: 4.7.0 Try again later"),
    "our text repeating the code: once");
  tap_ok(once_is(535, "AUTH refused: 535", "AUTH refused"), "a code alone at the end goes with its colon");
  tap_ok(once_is(550, "5.1.1 no such user", "5.1.1 no such user"), "an upstream's text is left as it is");
  tap_ok(once_is(451, "the upstream refused the connection: 421 busy", "the upstream refused the connection: 421 busy"), "another code is kept");
  tap_ok(once_is(0, "connection refused: 421 x", "connection refused: 421 x"), "no code: as it is");
}

/* What lib/dsn writes with them. */
static void report (void)
{
  char path[] = "/tmp/reply_fields.XXXXXX";
  char out[8192];
  char obuf[8192];
  buffer b;
  dsn_rcpt r[2] = {
    { "a@example.net", 550, 0, "Sorry, no mailbox here by that name. (#5.1.1)", 0, 0, 0 },
    { "b@example.net", 552, 0, "message too big", 0, 0, 0 } };
  dsn d = { "1.2.3", "relay.test", "s@example.org", "smtp.example.net:587", 0, 0, 0, r, 2, 0, 0, 0, 0 };
  int fd = mkstemp(path), msg;
  ssize_t n;
  if (fd < 0) { tap_ok(0, "a temporary file"); return; }
  unlink(path);
  msg = dup(fd);
  if (write(msg, "Subject: x\n\nbody\n", 17) != 17 || lseek(msg, 0, SEEK_SET) < 0) { tap_ok(0, "write"); return; }
  buffer_init(&b, &buffer_write, fd, obuf, sizeof obuf);
  (void)lseek(fd, 17, SEEK_SET);
  tap_ok(!dsn_write(&b, &d, msg) && buffer_flush(&b), "a report is written");
  n = pread(fd, out, sizeof out - 1, 17);
  out[n > 0 ? n : 0] = 0;
  tap_ok(strstr(out, "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.1.1\n") != 0, "Status from qmail's (#5.1.1)");
  tap_ok(strstr(out, "Status: 5.3.4\n") != 0, "Status 5.3.4 for a 552 without an enhanced code");
  tap_ok(strstr(out, "Remote-MTA: dns; smtp.example.net\n") != 0 && !strstr(out, ":587"), "Remote-MTA without the port");
  close(fd);
  close(msg);
}

int main (void)
{
  tap_plan(32);
  statuses();
  hosts();
  once();
  report();
  return tap_done();
}
