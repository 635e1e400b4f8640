/* unit tests of lib/utf8: well-formed UTF-8 (RFC 3629) and what an
   envelope address may hold under SMTPUTF8. Besides the named cases, the
   checker is compared with a reference written the other way round
   (decode by the lead byte's pattern, then refuse by the code point's
   minimum, surrogates and maximum) on every string of 1 to 3 octets,
   on every 4-octet string that starts with a possible lead byte and
   continues in 0x80-0xBF or a boundary, and on random strings. */

#include <string.h>
#include "utf8.h"
#include "tap.h"

/* The reference: 1 if s is well formed. */
static int ref_valid (unsigned char const *s, size_t len)
{
  size_t i = 0;
  while (i < len)
  {
    unsigned char c = s[i];
    size_t n, k;
    unsigned long cp, min;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + n > len) return 0;
    for (k = 1; k < n; k++)
    {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += n;
  }
  return 1;
}

static int agree (unsigned char const *s, size_t len)
{
  return (utf8_check((char const *)s, len) == UTF8_OK) == ref_valid(s, len);
}

static unsigned long rnd_state = 12345;
static unsigned char rnd (void)
{
  rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
  return rnd_state >> 56;
}

/* Every string of 1, 2 and 3 octets: 16,843,008 of them. */
static unsigned long sweep_short (void)
{
  unsigned char s[3];
  unsigned long bad = 0, a, b, c;
  for (a = 0; a < 256; a++)
  {
    s[0] = a;
    if (!agree(s, 1)) bad++;
    for (b = 0; b < 256; b++)
    {
      s[1] = b;
      if (!agree(s, 2)) bad++;
      for (c = 0; c < 256; c++) { s[2] = c; if (!agree(s, 3)) bad++; }
    }
  }
  return bad;
}

/* Four octets from a lead byte 0xEF to 0xF7 (the 4-octet leads and their
   neighbours), then every second octet, then continuation octets and the
   edges around them. */
static unsigned long sweep_four (void)
{
  static unsigned char const edge[] = { 0x00, 0x7f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff };
  unsigned char s[4];
  unsigned long bad = 0, a, b, c, d;
  for (a = 0xef; a <= 0xf7; a++)
    for (b = 0; b < 256; b++)
      for (c = 0; c < sizeof edge; c++)
        for (d = 0; d < sizeof edge; d++)
        {
          s[0] = a; s[1] = b; s[2] = edge[c]; s[3] = edge[d];
          if (!agree(s, 4)) bad++;
        }
  return bad;
}

/* Random strings, biased toward bytes that make sequences. */
static unsigned long sweep_random (void)
{
  static unsigned char const pick[] = { 0x41, 0x80, 0x8f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xc0 };
  unsigned char s[16];
  unsigned long bad = 0, i;
  for (i = 0; i < 2000000; i++)
  {
    size_t len = rnd() % sizeof s, k;
    for (k = 0; k < len; k++) s[k] = rnd() & 1 ? rnd() : pick[rnd() % sizeof pick];
    if (!agree(s, len)) bad++;
  }
  return bad;
}

#define CHECK(lit) utf8_check(lit, sizeof lit - 1)
#define ADDR(lit) utf8_check_addr(lit, sizeof lit - 1)

int main (void)
{
  unsigned long cp = 0;
  tap_plan(33);
  tap_is(CHECK("bob@example.net"), UTF8_OK, "ASCII");
  tap_is(CHECK("j\303\266rg@b\303\274cher.example"), UTF8_OK, "2-octet sequences");
  tap_is(CHECK("\344\275\240\345\245\275@example.cn"), UTF8_OK, "3-octet sequences");
  tap_is(CHECK("\360\237\220\261@example.net"), UTF8_OK, "a 4-octet sequence (U+1F431)");
  tap_is(CHECK("\364\217\277\277"), UTF8_OK, "U+10FFFF, the last code point");
  tap_is(CHECK("\357\277\277"), UTF8_OK, "U+FFFF");
  tap_is(CHECK("\300\200"), UTF8_EFORM, "overlong NUL (C0 80)");
  tap_is(CHECK("\301\277"), UTF8_EFORM, "overlong 2 octets (C1 BF)");
  tap_is(CHECK("\340\200\257"), UTF8_EFORM, "overlong 3 octets (E0 80 AF)");
  tap_is(CHECK("\340\237\277"), UTF8_EFORM, "overlong 3 octets, the highest (E0 9F BF)");
  tap_is(CHECK("\360\200\200\257"), UTF8_EFORM, "overlong 4 octets (F0 80 80 AF)");
  tap_is(CHECK("\360\217\277\277"), UTF8_EFORM, "overlong 4 octets, the highest (F0 8F BF BF)");
  tap_is(CHECK("\355\240\200"), UTF8_EFORM, "surrogate U+D800");
  tap_is(CHECK("\355\277\277"), UTF8_EFORM, "surrogate U+DFFF");
  tap_is(CHECK("\355\237\277"), UTF8_OK, "U+D7FF, just below the surrogates");
  tap_is(CHECK("\364\220\200\200"), UTF8_EFORM, "U+110000, past the last");
  tap_is(CHECK("\365\200\200\200"), UTF8_EFORM, "lead byte F5");
  tap_is(CHECK("\377"), UTF8_EFORM, "FF");
  tap_is(CHECK("\200"), UTF8_EFORM, "a stray continuation octet");
  tap_is(CHECK("j\303rg"), UTF8_EFORM, "a sequence missing its continuation");
  tap_is(CHECK("\342\202"), UTF8_EFORM, "a sequence cut at the end");
  tap_is(CHECK("\351rg"), UTF8_EFORM, "Latin-1 (a lone E9)");
  tap_is(ADDR("j\303\266rg@example.net"), UTF8_OK, "address: UTF-8 is fine");
  tap_is(ADDR("a\302\205b@example.net"), UTF8_ECTRL, "address: C1 control U+0085");
  tap_is(ADDR("a\302\237b@example.net"), UTF8_ECTRL, "address: C1 control U+009F");
  tap_is(ADDR("a\302\240b@example.net"), UTF8_OK, "address: U+00A0 is no control");
  tap_is(ADDR("a\tb@example.net"), UTF8_ECTRL, "address: TAB");
  tap_is(ADDR("a\177b@example.net"), UTF8_ECTRL, "address: DEL");
  tap_ok(utf8_ascii("plain", 5) && !utf8_ascii("pl\303\244in", 7), "utf8_ascii");
  tap_ok(utf8_decode("\360\237\220\261", 4, &cp) == 4 && cp == 0x1f431, "utf8_decode gives the code point");
  tap_is(sweep_short(), 0, "agrees with the reference on every string of 1 to 3 octets");
  tap_is(sweep_four(), 0, "agrees on 4-octet strings around every lead byte");
  tap_is(sweep_random(), 0, "agrees on 2,000,000 random strings");
  return tap_done();
}
