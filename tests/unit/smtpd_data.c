/* Unit test of the DATA scanner (lib/smtpd_data.c) and of path parsing
   (lib/addr_parse.c): every split of the input gives the same result. */
#include <string.h>
#include "tap.h"
#include "smtpd_data.h"
#include "addr_parse.h"

/* Scans in, cut at split; returns flags, or -1 if the end was not found;
   out gets the message, *rest what follows the end. */
static int scan (char const *in, size_t len, size_t split, char *out, size_t *outlen, size_t *rest)
{
  smtpd_data d = SMTPD_DATA_ZERO;
  size_t o1 = 0, o2 = 0, used;
  int done = 0;
  d.max = 100;
  used = smtpd_data_scan(&d, in, split, out, &o1, &done);
  if (!done) used += smtpd_data_scan(&d, in + split, len - split, out + o1, &o2, &done);
  *outlen = o1 + o2;
  *rest = len - used;
  return done ? (int)d.flags : -1;
}

static int check (char const *in, size_t len, int wflags, char const *wout, size_t wrest)
{
  char out[256];
  size_t split;
  for (split = 0; split <= len; split++)
  {
    size_t outlen, rest;
    int f = scan(in, len, split, out, &outlen, &rest);
    if (f != wflags) return 0;
    if (f == 0 && (outlen != strlen(wout) || memcmp(out, wout, outlen))) return 0;
    if (f >= 0 && rest != wrest) return 0;
  }
  return 1;
}

#define CHECK(in, flags, out, rest, desc) tap_ok(check(in, sizeof(in) - 1, flags, out, rest), desc)

int main (void)
{
  char addr[ADDR_MAX + 1];
  size_t alen, end;
  tap_plan(20);
  CHECK("a\r\nb\r\n.\r\n", 0, "a\nb\n", 0, "CRLF becomes LF; CRLF.CRLF ends");
  CHECK(".\r\n", 0, "", 0, "empty message");
  CHECK("..a\r\n.\r\nQUIT\r\n", 0, ".a\n", 6, "dot-unstuffing; what follows the end is left");
  CHECK("a\n.\r\nb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "LF.CRLF does not end; bare LF");
  CHECK("a\r.\rb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CR.CR does not end; bare CR");
  CHECK("a\n.\nb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "LF.LF does not end");
  CHECK("a\r\n.\nb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CRLF.LF does not end");
  CHECK("a\r.\r\nb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CR.CRLF does not end");
  CHECK("a\r\n.\rb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CRLF.CR does not end");
  CHECK("a\0b\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "NUL is refused");
  CHECK("a\r\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CR CR LF is a bare CR");
  tap_ok(check("a\n.\r\n", 5, -1, "", 0), "LF.CRLF alone never ends the data");
  {
    char big[1100];
    memset(big, 'x', 999);
    memcpy(big + 999, "\r\n.\r\n", 5);
    tap_ok(check(big, 1004, SMTPD_DATA_LONGLINE | SMTPD_DATA_TOOBIG, "", 0), "999 octets: long line (and over 100)");
    memset(big, 'x', 101);
    memcpy(big + 101, "\r\n.\r\n", 5);
    tap_ok(check(big, 106, SMTPD_DATA_TOOBIG, "", 0), "over the size limit");
  }
  tap_is(addr_parse_path("<a@b.c> SIZE=1", 14, addr, &alen, &end), ADDR_PARSE_OK, "a path");
  tap_ok(alen == 5 && !strcmp(addr, "a@b.c") && end == 7, "address and end");
  tap_is(addr_parse_path("<@x,@y:a@b.c>", 13, addr, &alen, &end), ADDR_PARSE_OK, "a source route");
  tap_ok(!strcmp(addr, "a@b.c"), "the source route is dropped");
  tap_is(addr_parse_path("<\"a >b\"@c>", 10, addr, &alen, &end), ADDR_PARSE_OK, "a quoted local part with '>'");
  tap_is(addr_parse_path("<a b@c>", 7, addr, &alen, &end), ADDR_PARSE_ESYNTAX, "a space in a path");
  return tap_done();
}
