/* unit tests of lib/b64: RFC 4648 section 10 vectors and strictness */

#include <string.h>
#include <skalibs/stralloc.h>
#include "b64.h"
#include "tap.h"

static char const *const vectors[7][2] =
{
  { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
  { "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" }
};

static char const *const invalid[] =
{
  "Zg=", "Zg", "Z", "Zm9v!A==", "Zm9v YQ==", "Zg==Zg==", "=Zg=", "Z===",
  "Zh==", "Zm9=", "Zm8=Zm8=", "Zm\n9v", "Zm9v\0AAA"
};

int main (void)
{
  unsigned int i;
  char buf[64];
  tap_plan(7 * 2 + 13 + 4);
  for (i = 0; i < 7; i++)
  {
    size_t n = b64_encode(buf, vectors[i][0], strlen(vectors[i][0]));
    tap_ok(n == strlen(vectors[i][1]) && !memcmp(buf, vectors[i][1], n), "RFC 4648 encode vector");
  }
  for (i = 0; i < 7; i++)
  {
    ssize_t n = b64_decode(buf, vectors[i][1], strlen(vectors[i][1]));
    tap_ok(n == (ssize_t)strlen(vectors[i][0]) && !memcmp(buf, vectors[i][0], n), "RFC 4648 decode vector");
  }
  for (i = 0; i < sizeof invalid / sizeof *invalid; i++)
  {
    size_t len = i == 12 ? 8 : strlen(invalid[i]);
    tap_is(b64_decode(buf, invalid[i], len), -1, invalid[i]);
  }
  {
    stralloc sa = STRALLOC_ZERO;
    unsigned char all[256];
    for (i = 0; i < 256; i++) all[i] = i;
    tap_ok(b64_encode_sa(&sa, (char *)all, 256), "encode all byte values");
    tap_is(sa.len, B64_ENCLEN(256), "encoded length");
    {
      stralloc back = STRALLOC_ZERO;
      tap_is(b64_decode_sa(&back, sa.s, sa.len), 1, "decode all byte values");
      tap_ok(back.len == 256 && !memcmp(back.s, all, 256), "round trip of all byte values");
      stralloc_free(&back);
    }
    stralloc_free(&sa);
  }
  return tap_done();
}
