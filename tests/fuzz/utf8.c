/* Fuzzing the UTF-8 checks (lib/utf8.h) and the header scanner
   (lib/smtputf8.h): every address of an SMTPUTF8 transaction goes
   through utf8_check_addr, every queued message through the scanner.
   Properties: the checker agrees with a decoder that re-encodes each
   code point and compares (well formed means shortest form, no
   surrogate, at most U+10FFFF); an address that passes is well formed
   and has no control character; the header scanner ends where the first
   empty line does, calls the header UTF-8 exactly when utf8_check does
   on that section (and it is not all ASCII), and says the same whether
   fed whole or split at any point. */
#include <string.h>
#include "fuzz.h"
#include "smtputf8.h"
#include "utf8.h"

/* The shortest encoding of cp into out; its length. */
static size_t encode (unsigned long cp, unsigned char *out)
{
  if (cp < 0x80) { out[0] = cp; return 1; }
  if (cp < 0x800) { out[0] = 0xc0 | cp >> 6; out[1] = 0x80 | (cp & 0x3f); return 2; }
  if (cp < 0x10000) { out[0] = 0xe0 | cp >> 12; out[1] = 0x80 | (cp >> 6 & 0x3f); out[2] = 0x80 | (cp & 0x3f); return 3; }
  out[0] = 0xf0 | cp >> 18; out[1] = 0x80 | (cp >> 12 & 0x3f); out[2] = 0x80 | (cp >> 6 & 0x3f); out[3] = 0x80 | (cp & 0x3f);
  return 4;
}

/* The header section's length, found line by line: up to and with the
   first line that is empty or a lone CR, else everything. */
static size_t header_len (uint8_t const *d, size_t size)
{
  size_t p = 0;
  while (p < size)
  {
    size_t e = p;
    while (e < size && d[e] != '\n') e++;
    if (e == size) return size;
    if (e == p || (e == p + 1 && d[p] == '\r')) return e + 1;
    p = e + 1;
  }
  return size;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char const *s = (char const *)data;
  size_t i = 0, split = size ? data[0] % size : 0;
  int ok = utf8_check(s, size), addr = utf8_check_addr(s, size), walked = UTF8_OK;
  smtputf8_head whole = SMTPUTF8_HEAD_ZERO, parts = SMTPUTF8_HEAD_ZERO;
  FUZZ_ASSERT(ok == UTF8_OK || ok == UTF8_EFORM);
  FUZZ_ASSERT(addr == UTF8_OK || addr == UTF8_EFORM || addr == UTF8_ECTRL);
  FUZZ_ASSERT((ok == UTF8_EFORM) == (addr == UTF8_EFORM) || addr == UTF8_ECTRL);
  while (i < size)
  {
    unsigned long cp;
    unsigned char again[4];
    size_t n = utf8_decode(s + i, size - i, &cp);
    if (!n) { walked = UTF8_EFORM; break; }
    FUZZ_ASSERT(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff));
    FUZZ_ASSERT(encode(cp, again) == n && !memcmp(again, s + i, n));
    if (addr == UTF8_OK) FUZZ_ASSERT(cp >= 0x20 && (cp < 0x7f || cp > 0x9f));
    i += n;
  }
  FUZZ_ASSERT(walked == ok);
  if (ok == UTF8_OK && utf8_ascii(s, size)) FUZZ_ASSERT(addr == UTF8_OK || addr == UTF8_ECTRL);
  smtputf8_head_feed(&whole, s, size);
  smtputf8_head_feed(&parts, s, split);
  smtputf8_head_feed(&parts, s + split, size - split);
  FUZZ_ASSERT(whole.found == parts.found && whole.state == parts.state && whole.bad == parts.bad && whole.n == parts.n);
  i = header_len(data, size);
  FUZZ_ASSERT(whole.found == !utf8_ascii(s, i));
  FUZZ_ASSERT(smtputf8_head_utf8(&whole) == (!utf8_ascii(s, i) && utf8_check(s, i) == UTF8_OK));
  return 0;
}
