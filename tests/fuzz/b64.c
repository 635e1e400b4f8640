/* Fuzzing base64 decoding (lib/b64.h): AUTH tokens from clients and 334
   challenges from the upstream are decoded with it. Properties: decoding
   never writes past B64_DECMAX; strict decoding is canonical, so whatever
   decodes re-encodes to the same text; the _sa and stream forms agree with
   the plain one; encoding anything decodes back to it. */
#include <errno.h>
#include <string.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include <skalibs/djbunix.h>
#include "b64.h"
#include "fuzz.h"

static void check_stream (uint8_t const *data, size_t size, int ok)
{
  char ibuf[BUFFER_INSIZE], obuf[BUFFER_OUTSIZE];
  buffer in, out;
  int fd = fuzz_memfd(data, size);
  int nul = open("/dev/null", O_WRONLY);
  int r;
  if (fd < 0 || nul < 0) abort();
  buffer_init(&in, &buffer_read, fd, ibuf, sizeof ibuf);
  buffer_init(&out, &buffer_write, nul, obuf, sizeof obuf);
  r = b64_decode_stream(&in, &out);
  FUZZ_ASSERT(r >= 0);
  /* The stream also takes line breaks between groups: it accepts a superset. */
  if (ok) FUZZ_ASSERT(r == 1);
  buffer_flush(&out);
  close(fd); close(nul);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char const *src = (char const *)data;
  size_t max = B64_DECMAX(size);
  char *dst = malloc(max + 1);  /* exact size: ASan catches a byte too far */
  char *enc;
  stralloc sa = STRALLOC_ZERO;
  ssize_t n;
  int r;
  if (!dst) return 0;
  n = b64_decode(dst, src, size);
  FUZZ_ASSERT(n >= -1 && n <= (ssize_t)max);
  if (n >= 0)
  {
    enc = malloc(B64_ENCLEN((size_t)n) + 1);
    if (!enc) abort();
    FUZZ_ASSERT(b64_encode(enc, dst, (size_t)n) == size);
    FUZZ_ASSERT(!memcmp(enc, src, size));
    free(enc);
  }
  r = b64_decode_sa(&sa, src, size);
  FUZZ_ASSERT(r == (n >= 0));
  if (r == 1) FUZZ_ASSERT(sa.len == (size_t)n && !memcmp(sa.s, dst, (size_t)n));
  stralloc_free(&sa);
  check_stream(data, size, n >= 0);

  /* The other way: any bytes survive a round trip. */
  enc = malloc(B64_ENCLEN(size) + 1);
  if (!enc) abort();
  {
    size_t elen = b64_encode(enc, src, size);
    char *back = malloc(B64_DECMAX(elen) + 1);
    if (!back) abort();
    FUZZ_ASSERT(elen == B64_ENCLEN(size));
    FUZZ_ASSERT(b64_decode(back, enc, elen) == (ssize_t)size);
    FUZZ_ASSERT(!memcmp(back, src, size));
    free(back);
  }
  free(enc);
  free(dst);
  return 0;
}
