/* utf8.c: well-formed UTF-8 (RFC 3629 section 4, the table of
   UTF8-octets), checked byte for byte as the table draws it:

     U+0000..U+007F      00..7F
     U+0080..U+07FF      C2..DF  80..BF
     U+0800..U+0FFF      E0      A0..BF  80..BF
     U+1000..U+CFFF      E1..EC  80..BF  80..BF
     U+D000..U+D7FF      ED      80..9F  80..BF     (no surrogates)
     U+E000..U+FFFF      EE..EF  80..BF  80..BF
     U+10000..U+3FFFF    F0      90..BF  80..BF  80..BF
     U+40000..U+FFFFF    F1..F3  80..BF  80..BF  80..BF
     U+100000..U+10FFFF  F4      80..8F  80..BF  80..BF

   The narrowed second byte is what refuses overlong forms (E0 80..9F,
   F0 80..8F), surrogates (ED A0..BF) and code points past U+10FFFF
   (F4 90..BF); C0, C1 and F5..FF never start a sequence. */

#include "utf8.h"

int utf8_ascii (char const *s, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++) if ((unsigned char)s[i] >= 0x80) return 0;
  return 1;
}

/* The range of the second byte after lead byte c, and the sequence's
   length; 0 when c cannot start one. */
static size_t utf8_lead (unsigned char c, unsigned char *lo, unsigned char *hi)
{
  *lo = 0x80; *hi = 0xbf;
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  if (c < 0xe0) return 2;
  if (c == 0xe0) *lo = 0xa0;
  if (c == 0xed) *hi = 0x9f;
  if (c < 0xf0) return 3;
  if (c == 0xf0) *lo = 0x90;
  if (c == 0xf4) *hi = 0x8f;
  if (c < 0xf5) return 4;
  return 0;
}

size_t utf8_decode (char const *s, size_t len, unsigned long *cp)
{
  unsigned char const *u = (unsigned char const *)s;
  unsigned char lo, hi;
  size_t n = utf8_lead(u[0], &lo, &hi), i;
  unsigned long x;
  if (!n || n > len) return 0;
  if (n == 1) { *cp = u[0]; return 1; }
  if (u[1] < lo || u[1] > hi) return 0;
  x = u[0] & (0x7f >> n);
  for (i = 1; i < n; i++)
  {
    if ((u[i] & 0xc0) != 0x80) return 0;
    x = x << 6 | (u[i] & 0x3f);
  }
  *cp = x;
  return n;
}

static int utf8_walk (char const *s, size_t len, int ctrl)
{
  size_t i = 0;
  while (i < len)
  {
    unsigned long cp;
    size_t n = utf8_decode(s + i, len - i, &cp);
    if (!n) return UTF8_EFORM;
    if (ctrl && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))) return UTF8_ECTRL;
    i += n;
  }
  return UTF8_OK;
}

int utf8_check (char const *s, size_t len)
{
  return utf8_walk(s, len, 0);
}

int utf8_check_addr (char const *s, size_t len)
{
  return utf8_walk(s, len, 1);
}
