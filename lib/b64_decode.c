/* base64 decoding, RFC 4648 section 4, strict (section 3.3 and 3.5):
   nothing outside the alphabet, padding only at the end, no stray bits. */

#include <errno.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include "b64.h"

/* 0-63 for the alphabet, 64 for '=', 255 for anything else */
static unsigned char b64_value (unsigned char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  if (c == '=') return 64;
  return 255;
}

/* Decodes one group of 4; returns the bytes written (1-3), or -1.
   last says whether padding may appear here. */
static int b64_group (unsigned char *d, unsigned char const *s, int last)
{
  unsigned char v[4];
  unsigned int i;
  for (i = 0; i < 4; i++)
  {
    v[i] = b64_value(s[i]);
    if (v[i] == 255) return -1;
  }
  if (v[0] == 64 || v[1] == 64) return -1;
  if (v[2] == 64)
  {
    if (!last || v[3] != 64 || (v[1] & 15)) return -1;
    d[0] = (v[0] << 2) | (v[1] >> 4);
    return 1;
  }
  if (v[3] == 64)
  {
    if (!last || (v[2] & 3)) return -1;
    d[0] = (v[0] << 2) | (v[1] >> 4);
    d[1] = ((v[1] & 15) << 4) | (v[2] >> 2);
    return 2;
  }
  d[0] = (v[0] << 2) | (v[1] >> 4);
  d[1] = ((v[1] & 15) << 4) | (v[2] >> 2);
  d[2] = ((v[2] & 3) << 6) | v[3];
  return 3;
}

ssize_t b64_decode (char *dst, char const *src, size_t len)
{
  unsigned char const *s = (unsigned char const *)src;
  size_t w = 0;
  size_t i;
  if (len & 3) return (errno = EINVAL, -1);
  for (i = 0; i < len; i += 4)
  {
    int r = b64_group((unsigned char *)dst + w, s + i, i + 4 == len);
    if (r < 0) return (errno = EINVAL, -1);
    w += r;
  }
  return w;
}

int b64_decode_sa (stralloc *sa, char const *s, size_t len)
{
  ssize_t r;
  if (!stralloc_readyplus(sa, B64_DECMAX(len))) return -1;
  r = b64_decode(sa->s + sa->len, s, len);
  if (r < 0) return 0;
  sa->len += r;
  return 1;
}

/* Decoded output is kept in memory and written only once the whole input
   has proved valid, so that invalid input never leaves a prefix on stdout
   that looks like a result. Line breaks are allowed between characters. */
int b64_decode_stream (buffer *in, buffer *out)
{
  stralloc text = STRALLOC_ZERO;
  stralloc bin = STRALLOC_ZERO;
  int r = -1;
  for (;;)
  {
    char c;
    ssize_t n = buffer_get(in, &c, 1);
    if (n < 0) goto end;
    if (!n) break;
    if (c == '\n' || c == '\r') continue;
    if (!stralloc_catb(&text, &c, 1)) goto end;
  }
  r = b64_decode_sa(&bin, text.s, text.len);
  if (r == 1 && (buffer_put(out, bin.s, bin.len) < 0 || !buffer_flush(out))) r = -1;
 end:
  stralloc_free(&text);
  stralloc_free(&bin);
  return r;
}
