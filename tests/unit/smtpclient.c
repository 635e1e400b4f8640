/* Unit tests of the client side: smtp_dot (DATA conversion), smtp_reply
   (reply lines and whole replies), auth_client (responses and choice). */

#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "auth_client.h"
#include "b64.h"
#include "netio.h"
#include "smtp_dot.h"
#include "smtp_reply.h"
#include "tap.h"

/* Converts in, split into chunks of size step, and compares with want. */
static int dot_is (char const *in, size_t step, char const *want)
{
  smtp_dot d = SMTP_DOT_ZERO;
  stralloc out = STRALLOC_ZERO;
  size_t len = strlen(in), i;
  int r;
  for (i = 0; i < len; i += step)
    if (!smtp_dot_cat(&d, &out, in + i, len - i < step ? len - i : step)) return 0;
  if (!smtp_dot_end(&d, &out)) return 0;
  r = out.len == strlen(want) && !memcmp(out.s, want, out.len);
  if (!r) printf("#   got: %.*s\n", (int)out.len, out.s);
  stralloc_free(&out);
  return r;
}

/* The output of in at chunk size step: every CR is followed by an LF and
   every LF preceded by one CR (no bare CR, no bare LF, no CR CR LF), no
   line starts with a single dot, and the result is the same at every
   chunk size as at size 1. */
static int dot_sound (char const *in, size_t len, size_t step, stralloc *ref)
{
  smtp_dot d = SMTP_DOT_ZERO;
  stralloc out = STRALLOC_ZERO;
  size_t i;
  int r = 1;
  for (i = 0; i < len; i += step)
    if (!smtp_dot_cat(&d, &out, in + i, len - i < step ? len - i : step)) return 0;
  if (!smtp_dot_end(&d, &out)) return 0;
  for (i = 0; i < out.len && r; i++)
  {
    if (out.s[i] == '\r') r = i + 1 < out.len && out.s[i + 1] == '\n';
    else if (out.s[i] == '\n') r = i && out.s[i - 1] == '\r' && (i < 2 || out.s[i - 2] != '\r');
    else if (out.s[i] == '.' && (!i || out.s[i - 1] == '\n'))
      r = (i + 1 < out.len && out.s[i + 1] == '.') || i + 3 == out.len;
  }
  if (r && step == 1) r = stralloc_copyb(ref, out.s, out.len);
  else if (r) r = out.len == ref->len && !memcmp(out.s, ref->s, out.len);
  stralloc_free(&out);
  return r;
}

static void test_dot_random (void)
{
  static char const alpha[] = "a.\r\n";
  char in[4096];
  stralloc ref = STRALLOC_ZERO;
  unsigned long x = 12345;
  unsigned int round;
  int r = 1;
  for (round = 0; round < 200 && r; round++)
  {
    size_t len = round * 20 % sizeof in, i, step;
    for (i = 0; i < len; i++)
    {
      x = x * 1103515245 + 12345;
      in[i] = alpha[(x >> 16) % 4];
    }
    for (step = 1; step <= 64 && r; step *= 2)
      r = dot_sound(in, len, step, &ref);
  }
  stralloc_free(&ref);
  tap_ok(r, "random CR, LF and dot mixes: no bare CR or LF, no CR CR LF, dots stuffed, same at every chunk size");
}

static void test_dot (void)
{
  size_t step;
  for (step = 1; step <= 64; step *= 4)
  {
    tap_ok(dot_is("a\nb\n", step, "a\r\nb\r\n.\r\n"), "LF becomes CRLF");
    tap_ok(dot_is("a\r\nb\r\n", step, "a\r\nb\r\n.\r\n"), "CRLF stays CRLF");
    tap_ok(dot_is("a\r\r\nb\r\r\r\n", step, "a\r\nb\r\n.\r\n"), "CR CR LF becomes CRLF");
    tap_ok(dot_is("a\rb\n", step, "a\r\nb\r\n.\r\n"), "a bare CR becomes CRLF");
    tap_ok(dot_is("a\r\rb\r\r\r\nc", step, "a\r\n\r\nb\r\nc\r\n.\r\n"), "bare CRs: a line end each; before LF: one");
    tap_ok(dot_is("a\r.\rb\r.\r\n", step, "a\r\n..\r\nb\r\n..\r\n.\r\n"), "a dot after a bare CR is stuffed (CR . CR)");
    tap_ok(dot_is("\r.\n", step, "\r\n..\r\n.\r\n"), "a bare CR first, then a dot");
    tap_ok(dot_is("end\r\r", step, "end\r\n\r\n.\r\n"), "bare CRs at the end");
    tap_ok(dot_is(".\n..\n.x\nx.\n", step, "..\r\n...\r\n..x\r\nx.\r\n.\r\n"), "leading dots doubled");
    tap_ok(dot_is("end", step, "end\r\n.\r\n"), "a last line without LF is ended");
    tap_ok(dot_is("end\r", step, "end\r\n.\r\n"), "a last CR becomes the line end");
  }
  tap_ok(dot_is("", 1, ".\r\n"), "empty body");
  test_dot_random();
}

static void test_reply_line (void)
{
  unsigned int code = 0;
  int more = -1;
  tap_ok(smtp_reply_line("250 ok", 6, &code, &more) && code == 250 && !more, "250 ok");
  tap_ok(smtp_reply_line("250-PIPELINING", 14, &code, &more) && more, "250-PIPELINING continues");
  tap_ok(smtp_reply_line("354", 3, &code, &more) && code == 354 && !more, "a bare code");
  tap_ok(!smtp_reply_line("25", 2, &code, &more), "two digits refused");
  tap_ok(!smtp_reply_line("250ok", 5, &code, &more), "no separator refused");
  tap_ok(!smtp_reply_line("650 x", 5, &code, &more), "first digit over 5 refused");
  tap_ok(!smtp_reply_line("170 x", 5, &code, &more), "first digit under 2 refused");
  tap_ok(!smtp_reply_line("2a0 x", 5, &code, &more), "a letter refused");
  tap_ok(!smtp_reply_line("2500 ok", 7, &code, &more), "a four-digit code refused");
}

/* Feeds s through a socketpair and reads one reply. */
static int reply_of (char const *s, smtp_reply *r)
{
  int sv[2];
  netio n = NETIO_ZERO;
  tain d;
  int ret;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -9;
  if (write(sv[0], s, strlen(s)) != (ssize_t)strlen(s)) return -9;
  close(sv[0]);
  netio_init(&n, sv[1]);
  tain_now_g();
  tain_addsec_g(&d, 2);
  ret = smtp_reply_read(&n, r, &d);
  netio_close(&n, &tain_zero);
  return ret;
}

static void test_reply (void)
{
  smtp_reply r = SMTP_REPLY_ZERO;
  stralloc t = STRALLOC_ZERO;
  char big[1200];
  tap_is(reply_of("250-a\r\n250-b c\r\n250 d\r\n", &r), 1, "a three-line reply");
  tap_ok(r.code == 250 && r.nlines == 3 && !strcmp(smtp_reply_linetext(&r, 1), "b c"), "its lines");
  tap_ok(smtp_reply_text(&r, &t) && t.len == 7 && !memcmp(t.s, "a b c d", 7), "its text joined");
  tap_is(reply_of("250-a\r\n251 b\r\n", &r), 0, "codes that differ: protocol error");
  tap_is(reply_of("hello\r\n", &r), 0, "garbage: protocol error");
  tap_is(reply_of("250-a\r\n", &r), -1, "EOF inside a reply: error");
  memset(big, 'x', sizeof big);
  memcpy(big, "250 ", 4);
  memcpy(big + sizeof big - 3, "\r\n", 3);
  tap_is(reply_of(big, &r), 0, "a line over the limit: protocol error");
  /* "250 " and text: exactly SMTP_REPLY_LINEMAX bytes before the CRLF */
  memcpy(big + SMTP_REPLY_LINEMAX, "\r\n", 3);
  tap_is(reply_of(big, &r), 1, "a line of exactly the limit: read");
  memcpy(big + SMTP_REPLY_LINEMAX, "x\r\n", 4);
  tap_is(reply_of(big, &r), 0, "one byte more: protocol error");
  tap_is(reply_of("550 a\tb\001c\r\n", &r), 1, "control bytes in the text");
  t.len = 0;
  tap_ok(smtp_reply_text(&r, &t) && t.len == 5 && !memcmp(t.s, "a?b?c", 5), "are made printable");
  smtp_reply_free(&r);
  stralloc_free(&t);
}

/* The clear form of auth_oauthbearer() for user, compared with want. */
static int bearer_is (char const *user, char const *want)
{
  stralloc b = STRALLOC_ZERO, clear = STRALLOC_ZERO;
  int r = auth_oauthbearer(&b, user, "h.test", 587, "t", 1) && b64_decode_sa(&clear, b.s, b.len) == 1
    && clear.len == strlen(want) && !memcmp(clear.s, want, clear.len);
  if (!r) printf("#   got: %.*s\n", (int)clear.len, clear.s);
  stralloc_free(&b);
  stralloc_free(&clear);
  return r;
}

static void test_auth (void)
{
  stralloc sa = STRALLOC_ZERO;
  /* RFC 2195's example */
  tap_is(auth_cram_md5(&sa, "tim", "tanstaaftanstaaf", 16, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"), 1, "CRAM-MD5 response");
  tap_ok(sa.len == 48 && !memcmp(sa.s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", 48), "CRAM-MD5 matches RFC 2195");
  sa.len = 0;
  tap_is(auth_cram_md5(&sa, "tim", "x", 1, "not base64!"), -1, "CRAM-MD5 challenge not base64");
  sa.len = 0;
  tap_ok(auth_plain(&sa, "u", "pw", 2) && sa.len == 8 && !memcmp(sa.s, "AHUAcHc=", 8), "PLAIN");
  sa.len = 0;
  tap_ok(auth_xoauth2(&sa, "u", "t", 1) && sa.len == 32 && !memcmp(sa.s, "dXNlcj11AWF1dGg9QmVhcmVyIHQBAQ==", 32), "XOAUTH2");
  auth_wipe(&sa);
  tap_ok(bearer_is("u@example.org", "n,a=u@example.org,\001host=h.test\001port=587\001auth=Bearer t\001\001"), "OAUTHBEARER");
  /* RFC 7628 3.1: ',' and '=' in the authzid are escaped (saslname) */
  tap_ok(bearer_is("a,b=c@example.org", "n,a=a=2Cb=3Dc@example.org,\001host=h.test\001port=587\001auth=Bearer t\001\001"), "OAUTHBEARER escapes ',' and '=' in the user");
  tap_ok(bearer_is(",=", "n,a==2C=3D,\001host=h.test\001port=587\001auth=Bearer t\001\001"), "OAUTHBEARER: a user of nothing but ',' and '='");
  tap_is(auth_choose("LOGIN PLAIN", 1, 0, 0), AUTH_PLAIN, "PLAIN before LOGIN");
  tap_is(auth_choose("login cram-md5 plain", 1, 0, 0), AUTH_CRAM_MD5, "CRAM-MD5 first, any case");
  tap_is(auth_choose("LOGIN PLAIN", 1, 0, "LOGIN"), AUTH_LOGIN, "a forced mechanism");
  tap_is(auth_choose("PLAIN", 1, 0, "LOGIN"), AUTH_NONE, "a forced mechanism not offered");
  tap_is(auth_choose("XOAUTH2 PLAIN", 0, 1, 0), AUTH_XOAUTH2, "a token: XOAUTH2");
  tap_is(auth_choose("XOAUTH2 OAUTHBEARER", 0, 1, 0), AUTH_OAUTHBEARER, "a token: OAUTHBEARER first");
  tap_is(auth_choose("XOAUTH2", 1, 0, 0), AUTH_NONE, "a password cannot do XOAUTH2");
  tap_is(auth_choose("GSSAPI NTLM", 1, 1, 0), AUTH_NONE, "nothing in common");
  tap_is(auth_choose("PLAINX", 1, 0, 0), AUTH_NONE, "whole words only");
}

int main (void)
{
  tap_plan(11 * 4 + 2 + 9 + 11 + 17);
  test_dot();
  test_reply_line();
  test_reply();
  test_auth();
  return tap_done();
}
