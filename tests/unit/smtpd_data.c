/* Unit test of the DATA scanner (lib/smtpd_data.c) and of path parsing
   (lib/addr_parse.c): every split of the input gives the same result. */
#include <string.h>
#include "tap.h"
#include "smtpd_data.h"
#include "addr_parse.h"

/* Scans in, cut at split; returns flags, or -1 if the end was not found;
   out gets the message, *rest what follows the end. */
static int normalize;

static int scan (char const *in, size_t len, size_t split, char *out, size_t *outlen, size_t *rest)
{
  smtpd_data d = SMTPD_DATA_ZERO;
  size_t o1 = 0, o2 = 0, used;
  int done = 0;
  d.max = 100;
  d.normalize = normalize;
  used = smtpd_data_scan(&d, in, split, out, &o1, &done);
  if (!done) used += smtpd_data_scan(&d, in + split, len - split, out + o1, &o2, &done);
  *outlen = o1 + o2;
  *rest = len - used;
  return done ? (int)d.flags : -1;
}

static int check (char const *in, size_t len, int wflags, char const *wout, size_t wrest)
{
  char out[SMTPD_DATA_OUTMAX(256)];
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

/* normalize: bare LF is a line end, long lines fold, only CRLF.CRLF ends */
static void normalized (void)
{
  normalize = 1;
  CHECK("a\nb\r\n.\r\n", 0, "a\nb\n", 0, "normalize: a bare LF ends a line");
  CHECK("a\n\nb\n.\r\n\r\n.\r\n", 0, "a\n\nb\n\n\n", 0, "LF . CRLF is a line (empty, unstuffed), not the end");
  CHECK("a\n.\nb\r\n.\r\n", 0, "a\n\nb\n", 0, "LF . LF is not the end");
  CHECK("a\r\n.\nb\r\n.\r\n", 0, "a\n\nb\n", 0, "CRLF . LF is not the end");
  CHECK("a\n..\r\n.\r\n", 0, "a\n.\n", 0, "dot-unstuffing after a bare LF");
  CHECK("a\r.\rb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CR.CR: a bare CR is still refused");
  CHECK("a\r\n.\rb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "CRLF.CR: refused");
  CHECK("a\n.\rb\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "LF.CR: refused");
  CHECK("a\0b\r\n.\r\n", SMTPD_DATA_BARE, "", 0, "NUL: refused");
  tap_ok(check("a\n.\r\n", 5, -1, "", 0), "LF.CRLF alone never ends the data");
  {
    char big[1100], want[1100];
    smtpd_data d = SMTPD_DATA_ZERO;
    char out[SMTPD_DATA_OUTMAX(1100)];
    size_t o, i, tot = 0;
    int done = 0;
    memset(big, 'x', 1000);
    memcpy(big + 1000, "\nab\r\n.\r\n", 8);
    memset(want, 'x', 998);
    memcpy(want + 998, "\n xx\nab\n", 8);
    d.normalize = 1;
    /* byte by byte: the fold lands wherever the input is cut */
    for (i = 0; i < 1008 && !done; i++)
    {
      smtpd_data_scan(&d, big + i, 1, out + tot, &o, &done);
      tot += o;
    }
    tap_ok(done && !d.flags && i == 1008 && tot == 1006 && !memcmp(out, want, tot), "a 1000-octet line is folded after 998 with LF SPACE");
    tap_ok(d.size == 1000 + 3 + 2 + 2 + 2 && d.folds == 1 && d.barelf == 1, "SIZE counts the fold and the bare LF as sent (CRLF)");
  }
  normalize = 0;
}

int main (void)
{
  char addr[ADDR_MAX + 1];
  size_t alen, end;
  tap_plan(32);
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
  normalized();
  tap_is(addr_parse_path("<a@b.c> SIZE=1", 14, addr, &alen, &end), ADDR_PARSE_OK, "a path");
  tap_ok(alen == 5 && !strcmp(addr, "a@b.c") && end == 7, "address and end");
  tap_is(addr_parse_path("<@x,@y:a@b.c>", 13, addr, &alen, &end), ADDR_PARSE_OK, "a source route");
  tap_ok(!strcmp(addr, "a@b.c"), "the source route is dropped");
  tap_is(addr_parse_path("<\"a >b\"@c>", 10, addr, &alen, &end), ADDR_PARSE_OK, "a quoted local part with '>'");
  tap_is(addr_parse_path("<a b@c>", 7, addr, &alen, &end), ADDR_PARSE_ESYNTAX, "a space in a path");
  return tap_done();
}
