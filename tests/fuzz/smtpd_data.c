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
     (the state survives any split, CR and LF in separate reads included);
   - with normalize (a bit of the second leading byte), the end is still
     only a "." CRLF line after a CRLF (never after a bare LF); a bare LF
     ends a line as CRLF does, a bare CR or a NUL sets BARE, LONGLINE is
     never set and every line over 998 octets is folded with LF SPACE;
     the size counts what goes upstream (each line end and fold as CRLF).
   The model below is written from RFC 5321 4.1.1.4 and 4.5.2, not from the
   scanner. */
#include <string.h>
#include "fuzz.h"
#if __has_include("smtpd_data.h")
#include "smtpd_data.h"

typedef struct { size_t used; int done; unsigned int flags; uint64_t size; char *out; size_t outlen; } result;

static void scan (uint8_t const *s, size_t len, uint64_t max, int normalize, unsigned int seed, result *r)
{
  smtpd_data d = SMTPD_DATA_ZERO;
  size_t pos = 0;
  d.max = max;
  d.normalize = normalize;
  r->out = malloc(SMTPD_DATA_OUTMAX(len) + 1);
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
    FUZZ_ASSERT(c <= n && (c == n || r->done) && o <= (normalize ? SMTPD_DATA_OUTMAX(c) : c));
    r->outlen += o; pos += c;
  }
  r->used = pos; r->flags = d.flags; r->size = d.size;
}

/* The end of data: offset just past the first "." CRLF line that starts
   the data or follows a line ended by CRLF (not by a bare LF), or 0 if
   none; *start is where that line starts. */
static size_t model_end (uint8_t const *s, size_t len, size_t *start)
{
  size_t p = 0;
  int aftercrlf = 1;
  while (p < len)
  {
    uint8_t const *nl = memchr(s + p, '\n', len - p);
    size_t e;
    if (!nl) return 0;
    e = (size_t)(nl - s);
    if (aftercrlf && e == p + 2 && s[p] == '.' && s[p+1] == '\r') { *start = p; return e + 1; }
    aftercrlf = e > p && s[e-1] == '\r';
    p = e + 1;
  }
  return 0;
}

/* normalize: a bare CR or a NUL in m */
static int model_bare_norm (uint8_t const *m, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
  {
    if (!m[i]) return 1;
    if (m[i] == '\r' && (i + 1 >= n || m[i+1] != '\n')) return 1;
  }
  return 0;
}

/* normalize: the lines of m (each ended by LF or CRLF), unstuffed and
   folded, with LF ends; returns their size as sent upstream. */
static uint64_t model_norm (uint8_t const *m, size_t n, char *want, size_t *w)
{
  size_t i = 0;
  uint64_t size = 0;
  *w = 0;
  while (i < n)
  {
    size_t e = (size_t)((uint8_t const *)memchr(m + i, '\n', n - i) - m);
    size_t l = e - i, j = i, col = 0;
    if (l && m[e-1] == '\r') l--;
    if (l && m[j] == '.') { j++; l--; }
    for (; l; l--, j++)
    {
      if (col == SMTPD_DATA_LINEMAX) { want[(*w)++] = '\n'; want[(*w)++] = ' '; size += 3; col = 1; }
      want[(*w)++] = (char)m[j]; col++; size++;
    }
    want[(*w)++] = '\n'; size += 2;
    i = e + 1;
  }
  return size;
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
  size_t end, start = 0, mlen = 0;
  int lines, normalize;
  uint64_t max;
  if (size < 2) return 0;
  max = data[0] < 128 ? 0 : (uint64_t)(data[0] - 128) * 64;
  normalize = !!(data[1] & 2);
  unsigned int seed = data[1] | 1;
  data += 2; size -= 2;

  scan(data, size, max, normalize, 0, &a);
  scan(data, size, max, normalize, seed, &b);
  FUZZ_ASSERT(a.used == b.used && a.done == b.done && a.flags == b.flags && a.size == b.size);
  FUZZ_ASSERT(a.outlen == b.outlen && !memcmp(a.out, b.out, a.outlen));

  end = model_end(data, size, &start);
  FUZZ_ASSERT(a.done == !!end);
  FUZZ_ASSERT(a.used == (end ? end : size));
  if (end && normalize)
  {
    if (model_bare_norm(data, start)) FUZZ_ASSERT(a.flags & SMTPD_DATA_BARE);
    else
    {
      char *want = malloc(SMTPD_DATA_OUTMAX(start) + 1);
      size_t w;
      uint64_t msize;
      if (!want) abort();
      msize = model_norm(data, start, want, &w);
      FUZZ_ASSERT(!(a.flags & (SMTPD_DATA_BARE | SMTPD_DATA_LONGLINE)));
      FUZZ_ASSERT(a.size == msize);
      FUZZ_ASSERT(!!(a.flags & SMTPD_DATA_TOOBIG) == (max && msize > max));
      if (!a.flags) FUZZ_ASSERT(a.outlen == w && !memcmp(a.out, want, w));
      free(want);
    }
  }
  else if (end)
  {
    /* the message is m CRLF (lines of m, split on CRLF), or nothing at all */
    uint8_t const *m = data;
    lines = start > 0;
    mlen = start ? start - 2 : 0;
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
