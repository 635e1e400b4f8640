/* unit tests of addr_hash (lib/addr_hash.c): what it reads of an
   address, and the invariant every recipient table relies on, over
   random addresses and keys: two addresses addr_same() calls equal hash
   alike. (Which key a process has, and what that does to chosen names:
   0653.) */

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
  tap_ok(addr_hash("a", 1) == addr_hash_keyed(addr_hash_key(), "a", 1), "addr_hash is the keyed hash with this process's key");
  tap_ok(addr_hash_keyed(1, "a", 1) != addr_hash_keyed(2, "a", 1) && addr_hash_keyed(1, "a", 1) == addr_hash_keyed(1, "a", 1), "the key changes the value, the same key gives the same");
  tap_ok(addr_hash_keyed(7, "foobar", 6) != addr_hash_keyed(7, "Foobar", 6), "no domain: the whole address with its case");
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
    else
    {
      uint64_t key = ((uint64_t)rand() << 32) ^ (uint64_t)rand();
      if (addr_hash_keyed(key, a, len) != addr_hash_keyed(key, b, len)) bad++;
    }
  }
  tap_ok(same == 100000 && diffcase > 10000 && !bad, "100,000 random pairs addr_same() calls equal hash alike (with this process's key and a random one)");
  return tap_done();
}
