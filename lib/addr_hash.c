/* The one hash of an envelope address, for the tables that fold duplicate
   recipients (the injector's envelope, the scheduler's state, sendmail's
   listing): it must agree with addr_same(), so it lives beside it.

   Keyed per process: the setuid injector's caller chooses the
   recipients, and with a hash anyone can compute (plain FNV-1a) it
   could choose names that all land in one slot, making each lookup
   walk all the others (the fold quadratic again). So the FNV-1a offset
   basis is mixed with 64 random bits drawn once per process, and the
   64-bit state is mixed whole (MurmurHash3's finalizer) before it is cut
   to 32 bits: a table's index, its low bits, then depends on every bit
   of the state and of the key. Not a cryptographic MAC (SipHash would
   be), but without the key a caller cannot say which names collide.
   Only where a recipient goes in the table depends on the key; which
   recipients fold is addr_same()'s alone. */

#include <string.h>
#include <skalibs/random.h>
#include "addr.h"

uint32_t addr_hash_keyed (uint64_t key, char const *s, size_t len)
{
  char const *at = memrchr(s, '@', len);
  size_t local = at ? (size_t)(at - s) : len;
  uint64_t h = 14695981039346656037ULL ^ key;
  size_t i;
  for (i = 0; i < len; i++)
  {
    unsigned char c = s[i];
    if (i > local && c >= 'A' && c <= 'Z') c += 'a' - 'A';
    h = (h ^ c) * 1099511628211ULL;
  }
  h ^= h >> 33; h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return (uint32_t)h;
}

/* The process's key, drawn at the first use. random_buf_early: never
   blocks (an injector run early at boot must not wait for the kernel's
   pool), and is the kernel's random source once the pool is ready. */
uint64_t addr_hash_key (void)
{
  static uint64_t key;
  static int drawn;
  if (!drawn)
  {
    random_buf_early((char *)&key, sizeof key);
    drawn = 1;
  }
  return key;
}

uint32_t addr_hash (char const *s, size_t len)
{
  return addr_hash_keyed(addr_hash_key(), s, len);
}
