/* base64 encoding, RFC 4648 section 4 */

#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include "b64.h"

static char const b64_alphabet[64] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encode (char *dst, char const *src, size_t len)
{
  unsigned char const *s = (unsigned char const *)src;
  size_t w = 0;
  for (; len >= 3; len -= 3, s += 3)
  {
    dst[w++] = b64_alphabet[s[0] >> 2];
    dst[w++] = b64_alphabet[((s[0] & 3) << 4) | (s[1] >> 4)];
    dst[w++] = b64_alphabet[((s[1] & 15) << 2) | (s[2] >> 6)];
    dst[w++] = b64_alphabet[s[2] & 63];
  }
  if (len)
  {
    dst[w++] = b64_alphabet[s[0] >> 2];
    if (len == 1)
    {
      dst[w++] = b64_alphabet[(s[0] & 3) << 4];
      dst[w++] = '=';
    }
    else
    {
      dst[w++] = b64_alphabet[((s[0] & 3) << 4) | (s[1] >> 4)];
      dst[w++] = b64_alphabet[(s[1] & 15) << 2];
    }
    dst[w++] = '=';
  }
  return w;
}

int b64_encode_sa (stralloc *sa, char const *s, size_t len)
{
  if (!stralloc_readyplus(sa, B64_ENCLEN(len))) return 0;
  sa->len += b64_encode(sa->s + sa->len, s, len);
  return 1;
}

/* 57 input bytes make one 76-character line (RFC 2045's limit). */
int b64_encode_stream (buffer *in, buffer *out)
{
  char src[57];
  char dst[B64_ENCLEN(57) + 1];
  for (;;)
  {
    size_t n = 0;
    while (n < sizeof src)
    {
      ssize_t r = buffer_get(in, src + n, sizeof src - n);
      if (r < 0) return -1;
      if (!r) break;
      n += r;
    }
    if (!n) break;
    {
      size_t w = b64_encode(dst, src, n);
      dst[w++] = '\n';
      if (buffer_put(out, dst, w) < 0) return -1;
    }
    if (n < sizeof src) break;
  }
  return buffer_flush(out) ? 1 : -1;
}
