/* queue_head_rcpt's folding of duplicate recipients does work in
   proportion to the recipients, not their square (the pairwise
   comparison it replaced did 80,000 x 80,000 / 2 of them for sendmail -t
   with 80,000 names). Counted, not timed: h.probes is every comparison
   of two recipients, and stays within a few per address for sequential
   names (u1, u2, ...), random ones, and each given twice with its domain
   in capitals. (The time it takes is make bench's: tests/bench/rcpt.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "queue.h"
#include "tap.h"

/* A bound per address that the old pairwise fold exceeds by thousands of
   times at these sizes, and a hash table at most half full meets with
   room: about 1.5 comparisons for one found, 2.5 for one not. */
#define PER_ADDRESS 4

static unsigned long seed = 12345;
static unsigned long lcg (void)
{
  seed = seed * 6364136223846793005UL + 1442695040888963407UL;
  return seed >> 33;
}

/* n addresses, each twice (the second with its domain in capitals):
   returns the comparisons made, or 0 when the fold went wrong. */
static unsigned long fold (unsigned int n, int random)
{
  queue_head h = QUEUE_HEAD_ZERO;
  char a[64];
  unsigned long *names = malloc(n * sizeof *names), probes;
  unsigned int i, pass;
  if (!names || queue_head_sender(&h, "a@site.example", 14) < 0) exit(2);
  for (i = 0; i < n; i++) names[i] = random ? lcg() * 100000 + i : i;
  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < n; i++)
    {
      int len = snprintf(a, sizeof a, "u%lu@%s", names[i], pass ? "EXAMPLE.NET" : "example.net");
      if (queue_head_rcpt(&h, a, len) != !pass) { free(names); return 0; }
    }
  probes = h.nrcpt == n && h.ndup == n ? h.probes : 0;
  queue_head_free(&h);
  free(names);
  return probes;
}

int main (void)
{
  unsigned long small, big, rnd, cap;
  tap_plan(5);
  small = fold(20000, 0);
  big = fold(80000, 0);
  rnd = fold(80000, 1);
  cap = fold(QUEUE_RCPT_MAX, 1);
  printf("# comparisons: 20,000 names twice %lu, 80,000 %lu, 80,000 random %lu, %u random %lu\n",
    small, big, rnd, QUEUE_RCPT_MAX, cap);
  tap_ok(small && big && rnd && cap, "every second spelling folded into the first, every first kept");
  tap_ok(big <= PER_ADDRESS * 2UL * 80000, "80,000 names twice: a few comparisons per address");
  tap_ok(rnd <= PER_ADDRESS * 2UL * 80000, "... random names too");
  tap_ok(cap <= PER_ADDRESS * 2UL * QUEUE_RCPT_MAX, "... and at the cap of 100,000");
  tap_ok(big <= 5 * small, "4 times the names, about 4 times the work (pairwise: 16)");
  return tap_done();
}
