/* Fuzzing the DATA scanner (lib/smtpd_data.h), the smtpd's defence against
   SMTP smuggling. The input is the byte stream after 354: two leading bytes
   set the size limit and the chunking, the rest is the data. Properties:
   - it ends exactly at the first CRLF "." CRLF (the start of data counting
     as the start of a line), and never anywhere else;
   - without a bare CR, bare LF or NUL, the output is the lines with their
     leading dot removed and LF endings, and LONGLINE and TOOBIG are set
     exactly when a line is over 998 octets or the size over the limit;
   - with one of those, BARE is set;
   - feeding the same bytes in pieces gives the same result as in one go
     (the state survives any split, CR and LF in separate reads included).
   The model below is written from RFC 5321 4.1.1.4 and 4.5.2, not from the
   scanner. */
#include <string.h>
#include "fuzz.h"
#if __has_include("smtpd_data.h")
#include "smtpd_data.h"

typedef struct { size_t used; int done; unsigned int flags; uint64_t size; char *out; size_t outlen; } result;

static void scan (uint8_t const *s, size_t len, uint64_t max, unsigned int seed, result *r)
{
  smtpd_data d = SMTPD_DATA_ZERO;
  size_t pos = 0;
  d.max = max;
  r->out = malloc(len + 1);
  if (!r->out) abort();
  r->outlen = 0; r->done = 0;
  while (pos < len && !r->done)
  {
    size_t n = len - pos, o = 0, c;
    if (seed)
    {
      seed = seed * 1103515245u + 12345u;
      n = 1 + (seed >> 16) % 7;
      if (n > len - pos) n = len - pos;
    }
    c = smtpd_data_scan(&d, (char const *)s + pos, n, r->out + r->outlen, &o, &r->done);
    FUZZ_ASSERT(c <= n && (c == n || r->done) && o <= c);
    r->outlen += o; pos += c;
  }
  r->used = pos; r->flags = d.flags; r->size = d.size;
}

/* The end of data: offset just past the first CRLF.CRLF, or 0 if none; *mlen
   is then the length of the message before its final CRLF (or 0). */
static size_t model_end (uint8_t const *s, size_t len, size_t *mlen, int *lines)
{
  size_t i;
  *lines = 0;
  if (len >= 3 && !memcmp(s, ".\r\n", 3)) { *mlen = 0; return 3; }
  *lines = 1;
  for (i = 0; i + 5 <= len; i++)
    if (!memcmp(s + i, "\r\n.\r\n", 5)) { *mlen = i; return i + 5; }
  return 0;
}

static int model_bare (uint8_t const *m, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
  {
    if (!m[i]) return 1;
    if (m[i] == '\r' && (i + 1 >= n || m[i+1] != '\n')) return 1;
    if (m[i] == '\n' && (!i || m[i-1] != '\r')) return 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  result a, b;
  size_t end, mlen = 0;
  int lines;
  uint64_t max;
  if (size < 2) return 0;
  max = data[0] < 128 ? 0 : (uint64_t)(data[0] - 128) * 64;
  unsigned int seed = data[1] | 1;
  data += 2; size -= 2;

  scan(data, size, max, 0, &a);
  scan(data, size, max, seed, &b);
  FUZZ_ASSERT(a.used == b.used && a.done == b.done && a.flags == b.flags && a.size == b.size);
  FUZZ_ASSERT(a.outlen == b.outlen && !memcmp(a.out, b.out, a.outlen));

  end = model_end(data, size, &mlen, &lines);
  FUZZ_ASSERT(a.done == !!end);
  FUZZ_ASSERT(a.used == (end ? end : size));
  if (end)
  {
    /* the message is m CRLF (lines of m, split on CRLF), or nothing at all */
    uint8_t const *m = data;
    if (model_bare(m, mlen)) FUZZ_ASSERT(a.flags & SMTPD_DATA_BARE);
    else
    {
      char *want = malloc(mlen + 2);
      size_t w = 0, i = 0, msize = 0;
      int longline = 0;
      if (!want) abort();
      while (lines && i <= mlen)
      {
        uint8_t const *eol = i < mlen ? memmem(m + i, mlen - i, "\r\n", 2) : 0;
        size_t l = eol ? (size_t)(eol - (m + i)) : mlen - i;
        size_t j = i;
        if (l && m[j] == '.') { j++; l--; }
        memcpy(want + w, m + j, l); w += l; want[w++] = '\n';
        if (l > SMTPD_DATA_LINEMAX) longline = 1;
        msize += l + 2;
        i = (eol ? (size_t)(eol - m) : mlen) + 2;
      }
      FUZZ_ASSERT(!(a.flags & SMTPD_DATA_BARE));
      FUZZ_ASSERT(!!(a.flags & SMTPD_DATA_LONGLINE) == longline);
      FUZZ_ASSERT(a.size == msize);
      FUZZ_ASSERT(!!(a.flags & SMTPD_DATA_TOOBIG) == (max && msize > max));
      if (!a.flags) FUZZ_ASSERT(a.outlen == w && !memcmp(a.out, want, w));
      free(want);
    }
  }
  free(a.out); free(b.out);
  return 0;
}
#else
FUZZ_PENDING("smtpd_data")
#endif
