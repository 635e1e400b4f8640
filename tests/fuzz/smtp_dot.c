/* Fuzzing the DATA encoder of smarthost-remote (lib/smtp_dot.h) against
   the smtpd's decoder (lib/smtpd_data.h): the body of a queued message, as
   the spool holds it (LF line ends, but a message from the local sendmail
   may hold anything), goes on the wire to the upstream. Properties:
   - the encoding is the same whatever the chunks it is fed in;
   - CRLF "." CRLF appears exactly once, at the very end (no message can
     end its own data early at the upstream: RFC 5321 4.5.2);
   - for a body without CR and NUL, the smtpd's scanner reads the encoding
     back to exactly the body (with a final LF added if it had none);
   - for a body without a bare CR, no line on the wire, however a lenient
     receiver splits lines (at CR, at LF, at CRLF), is a lone dot before the
     terminator: the 2023 smuggling forms (LF.LF, LF.CRLF, CRLF.LF, CR.CR...)
     never leave this relay. Bodies with bare CRs only come from local
     programs; they are checked against strict receivers only. */
#include <string.h>
#include "fuzz.h"
#if __has_include("smtp_dot.h") && __has_include("smtpd_data.h")
#include <skalibs/stralloc.h>
#include "smtp_dot.h"
#include "smtpd_data.h"

static void encode (uint8_t const *s, size_t len, unsigned int seed, stralloc *out)
{
  smtp_dot d = SMTP_DOT_ZERO;
  size_t pos = 0;
  while (pos < len)
  {
    size_t n = len - pos;
    if (seed) { seed = seed * 1103515245u + 12345u; n = 1 + (seed >> 16) % 5; if (n > len - pos) n = len - pos; }
    if (!smtp_dot_cat(&d, out, (char const *)s + pos, n)) abort();
    pos += n;
  }
  if (!smtp_dot_end(&d, out)) abort();
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  stralloc a = STRALLOC_ZERO, b = STRALLOC_ZERO;
  unsigned int seed;
  int hascr, hasnul, barecr = 0;
  size_t i;
  if (!size) return 0;
  seed = data[0] | 1;
  data++; size--;
  encode(data, size, 0, &a);
  encode(data, size, seed, &b);
  FUZZ_ASSERT(a.len == b.len && !memcmp(a.s, b.s, a.len));

  /* exactly one end of data, at the end (the data starts at a line start) */
  FUZZ_ASSERT(a.len >= 3 && !memcmp(a.s + a.len - 3, ".\r\n", 3));
  FUZZ_ASSERT(a.len == 3 || (a.len >= 5 && !memcmp(a.s + a.len - 5, "\r\n.\r\n", 5)));
  if (a.len >= 3) FUZZ_ASSERT(a.len == 3 || memcmp(a.s, ".\r\n", 3));
  for (i = 0; i + 5 < a.len; i++) FUZZ_ASSERT(memcmp(a.s + i, "\r\n.\r\n", 5));

  hascr = !!memchr(data, '\r', size);
  hasnul = !!memchr(data, 0, size);
  for (i = 0; i < size; i++)
    if (data[i] == '\r' && (i + 1 == size || data[i+1] != '\n')) barecr = 1;

  if (!barecr)
  {
    /* lenient line splitting: a dot alone between any two line breaks */
    for (i = 0; i + 3 < a.len; i++)
    {
      int bol = !i || a.s[i-1] == '\r' || a.s[i-1] == '\n';
      if (bol && a.s[i] == '.' && (a.s[i+1] == '\r' || a.s[i+1] == '\n'))
        FUZZ_ASSERT(0);
    }
  }

  if (!hascr && !hasnul)
  {
    smtpd_data d = SMTPD_DATA_ZERO;
    char *out = malloc(a.len);
    size_t outlen = 0, used;
    int done = 0;
    if (!out) abort();
    used = smtpd_data_scan(&d, a.s, a.len, out, &outlen, &done);
    FUZZ_ASSERT(done && used == a.len);
    if (!(d.flags & SMTPD_DATA_LONGLINE))
    {
      size_t want = size + (size && data[size-1] != '\n');
      FUZZ_ASSERT(!d.flags);
      FUZZ_ASSERT(outlen == want && !memcmp(out, data, size));
    }
    free(out);
  }
  stralloc_free(&a);
  stralloc_free(&b);
  return 0;
}
#else
FUZZ_PENDING("smtp_dot")
#endif
