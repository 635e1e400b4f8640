/* Fuzzing lib/netio's input side: the stream a peer sends, cut into
   packets of random sizes (so that lines end up split across reads), read
   by a random mix of netio_getline (with and without NETIO_SKIPLONG and
   NETIO_WIPE) and netio_peek / netio_consume. Input: byte 0 the line room
   (max), byte 1 the seed of the cuts and of the mix, then the stream.
   Properties, checked against a plain model of the stream:
   - a line is the stream up to its LF, without the LF and one CR before
     it; a line that does not fit in max is NETIO_TOOLONG (skipped, the
     next line intact) or E2BIG without NETIO_SKIPLONG;
   - peek shows exactly the next bytes of the stream, at least one until
     EOF, and 0 at EOF; consume moves past exactly what it is told;
   - nothing is lost, reordered or invented, and EOF comes at the end. */
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include "fuzz.h"
#if __has_include("netio.h")
#include <skalibs/tai.h>
#include "netio.h"

static unsigned int next (unsigned int *seed)
{
  *seed = *seed * 1103515245u + 12345u;
  return *seed >> 16;
}

/* Sends the stream as packets of 1 to 64 octets: each read gets one. */
static int feed (int fd, uint8_t const *s, size_t len, unsigned int seed)
{
  size_t pos = 0;
  while (pos < len)
  {
    size_t n = 1 + next(&seed) % 64;
    if (n > len - pos) n = len - pos;
    if (write(fd, s + pos, n) != (ssize_t)n) return -1;
    pos += n;
  }
  return 0;
}

/* One getline, checked. Returns 0 to stop (EOF or E2BIG). */
static int check_line (netio *n, uint8_t const *s, size_t len, size_t *pos, size_t max, unsigned int flags)
{
  char line[258];
  size_t got = 12345, whole, want;
  uint8_t const *lf = memchr(s + *pos, '\n', len - *pos);
  int r = netio_getline(n, line, max, &got, flags, 0);
  if (!lf)
  {
    /* no line end left: EOF, unless the rest is already too long */
    if (len - *pos > max && !(flags & NETIO_SKIPLONG)) FUZZ_ASSERT(r == -1 && errno == E2BIG);
    else FUZZ_ASSERT(r == 0);
    return 0;
  }
  whole = (size_t)(lf - (s + *pos)) + 1;
  if (whole > max)
  {
    if (!(flags & NETIO_SKIPLONG)) { FUZZ_ASSERT(r == -1 && errno == E2BIG); return 0; }
    FUZZ_ASSERT(r == NETIO_TOOLONG && got == 0);
  }
  else
  {
    want = whole - 1 - (whole >= 2 && lf[-1] == '\r');
    FUZZ_ASSERT(r == 1 && got == want && !memcmp(line, s + *pos, want));
  }
  *pos += whole;
  return 1;
}

/* One peek and a consume of part of it, checked. 0 at EOF. */
static int check_peek (netio *n, uint8_t const *s, size_t len, size_t *pos, unsigned int *seed)
{
  char const *p = 0;
  ssize_t r = netio_peek(n, &p, 0);
  size_t c;
  if (*pos == len) { FUZZ_ASSERT(r == 0); return 0; }
  FUZZ_ASSERT(r >= 1 && (size_t)r <= len - *pos && (size_t)r == netio_pending(n));
  FUZZ_ASSERT(!memcmp(p, s + *pos, (size_t)r));
  c = next(seed) % ((size_t)r + 1);
  netio_consume(n, c);
  *pos += c;
  FUZZ_ASSERT(netio_pending(n) == (size_t)r - c);
  return 1;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  netio n = NETIO_ZERO;
  int sv[2];
  size_t max, len, pos = 0;
  unsigned int seed;
  uint8_t const *s;
  if (size < 2) return 0;
  max = 2 + data[0];
  seed = data[1];
  s = data + 2;
  len = size - 2;
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) abort();
  if (feed(sv[0], s, len, seed) < 0) abort();
  close(sv[0]);
  netio_init(&n, sv[1]);
  for (;;)
  {
    unsigned int op = next(&seed) % 4;
    int more = op == 3 ? check_peek(&n, s, len, &pos, &seed)
      : check_line(&n, s, len, &pos, max, op == 0 ? 0 : op == 1 ? NETIO_SKIPLONG : NETIO_SKIPLONG | NETIO_WIPE);
    if (!more) break;
  }
  netio_close(&n, &tain_zero);
  return 0;
}
#else
FUZZ_PENDING("netio")
#endif
