/* unit tests of addr_hash (lib/addr_hash.c): the FNV-1a values, and the
   invariant every recipient table relies on, over random addresses: two
   addresses addr_same() calls equal hash alike. */

#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "tap.h"

/* A random address of printable octets, '@' included anywhere. */
static size_t addr_random (char *s, size_t max)
{
  size_t len = (size_t)rand() % max, i;
  for (i = 0; i < len; i++) s[i] = rand() % 4 ? 'A' + rand() % 58 : "@.-+"[rand() % 4];
  return len;
}

/* The variant of s that addr_same() calls equal: the domain's case changed at random. */
static void domain_recase (char *s, size_t len)
{
  char *at = memrchr(s, '@', len);
  size_t i;
  if (!at) return;
  for (i = at - s + 1; i < len; i++)
    if (rand() % 2 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) s[i] ^= 0x20;
}

int main (void)
{
  char a[80], b[80];
  unsigned int i, same = 0, bad = 0, diffcase = 0;
  srand(11);
  tap_plan(7);
  tap_is(addr_hash("", 0), 2166136261u, "the empty address: FNV-1a's offset basis");
  tap_is(addr_hash("a", 1), 0xe40c292cu, "\"a\": FNV-1a's published value");
  tap_is(addr_hash("foobar", 6), 0xbf9cf968u, "\"foobar\", no domain: as it is");
  tap_ok(addr_hash("bob@Example.NET", 15) == addr_hash("bob@example.net", 15), "the domain without case");
  tap_ok(addr_hash("Bob@example.net", 15) != addr_hash("bob@example.net", 15), "the local part with its case");
  tap_ok(addr_hash("A@b@C", 5) == addr_hash("A@b@c", 5) && addr_hash("A@B@c", 5) != addr_hash("A@b@c", 5),
    "the domain is what follows the last '@'");
  for (i = 0; i < 100000; i++)
  {
    size_t len = addr_random(a, sizeof a);
    memcpy(b, a, len);
    domain_recase(b, len);
    if (memcmp(a, b, len)) diffcase++;
    if (!addr_same(a, len, b, len)) continue;
    same++;
    if (addr_hash(a, len) != addr_hash(b, len)) bad++;
  }
  tap_ok(same == 100000 && diffcase > 10000 && !bad, "100,000 random pairs addr_same() calls equal hash alike");
  return tap_done();
}
