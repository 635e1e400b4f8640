/* The fold of duplicate recipients with a hash a caller cannot compute.
   With plain FNV-1a (unkeyed), a local user could give the setuid
   injector names that all fall into one slot of queue_head's table, and
   each lookup walked the others: the fold went quadratic again (0526
   counts it for ordinary names). Here such names are found for plain
   FNV-1a, as an attacker would, and folded: the comparisons stay a few
   per address. The key is drawn per process (two processes hash an
   address differently), and the fold's result, the envelope lines,
   is the same byte for byte whatever the key, and what a pairwise
   addr_same() fold gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "addr.h"
#include "queue.h"
#include "tap.h"

#define NCHOSEN 600
#define SLOT_BITS 13      /* a table of up to 8192 slots: 600 names need 2048 */
#define PER_ADDRESS 4     /* as in 0526 */
#define NRANDOM 3000

static uint32_t fnv1a (char const *s, size_t len)
{
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

/* NCHOSEN names whose plain FNV-1a agrees in its low SLOT_BITS bits. */
static char (*chosen (void))[32]
{
  static char names[NCHOSEN][32];
  unsigned long i;
  unsigned int n = 0;
  for (i = 0; n < NCHOSEN; i++)
  {
    int len = snprintf(names[n], sizeof names[n], "u%lu@example.net", i);
    if (!(fnv1a(names[n], len) & ((1u << SLOT_BITS) - 1))) n++;
  }
  return names;
}

static unsigned long seed;
static unsigned long lcg (void)
{
  seed = seed * 6364136223846793005UL + 1442695040888963407UL;
  return seed >> 33;
}

/* NRANDOM recipients from a small set, so that many repeat, some with
   the domain's case changed, some with the local part's (not a duplicate). */
static void random_rcpts (queue_head *h)
{
  unsigned int i;
  seed = 4242;
  if (queue_head_sender(h, "a@site.example", 14) < 0) exit(2);
  for (i = 0; i < NRANDOM; i++)
  {
    char a[64];
    unsigned long v = lcg();
    int len = snprintf(a, sizeof a, "%s%lu@%s", v & 1 ? "U" : "u", (v >> 1) % 700, (v >> 12) & 1 ? "Example.NET" : "example.net");
    if (queue_head_rcpt(h, a, len) < 0) exit(2);
  }
}

/* Distinct recipients by pairwise addr_same(), in the same order. */
static unsigned int pairwise (void)
{
  static char kept[NRANDOM][64];
  static size_t klen[NRANDOM];
  unsigned int i, j, n = 0;
  seed = 4242;
  for (i = 0; i < NRANDOM; i++)
  {
    char a[64];
    unsigned long v = lcg();
    int len = snprintf(a, sizeof a, "%s%lu@%s", v & 1 ? "U" : "u", (v >> 1) % 700, (v >> 12) & 1 ? "Example.NET" : "example.net");
    for (j = 0; j < n; j++) if (addr_same(a, len, kept[j], klen[j])) break;
    if (j == n) { memcpy(kept[n], a, len); klen[n++] = len; }
  }
  return n;
}

/* The child's part, run as a new program (a fork would share the key
   drawn already): its hash of one address, then its fold's lines. */
static int child (void)
{
  queue_head h = QUEUE_HEAD_ZERO;
  uint32_t v = addr_hash("bob@example.net", 15);
  random_rcpts(&h);
  if (write(1, &v, sizeof v) != sizeof v || write(1, h.s.s, h.s.len) != (ssize_t)h.s.len) return 1;
  return 0;
}

static int child_says (uint32_t *hash, stralloc *lines)
{
  int p[2], status;
  char buf[65536];
  ssize_t r;
  pid_t pid;
  if (pipe(p) < 0) return 0;
  pid = fork();
  if (pid < 0) return 0;
  if (!pid)
  {
    char *const argv[] = { "rcptfold_keyed", "child", 0 };
    close(p[0]);
    if (dup2(p[1], 1) < 0) _exit(1);
    execv("/proc/self/exe", argv);
    _exit(1);
  }
  close(p[1]);
  if (read(p[0], hash, sizeof *hash) != sizeof *hash) return 0;
  while ((r = read(p[0], buf, sizeof buf)) > 0)
    if (!stralloc_catb(lines, buf, r)) return 0;
  close(p[0]);
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
}

int main (int argc, char **argv)
{
  char (*names)[32];
  queue_head h = QUEUE_HEAD_ZERO, r = QUEUE_HEAD_ZERO;
  stralloc theirs = STRALLOC_ZERO;
  uint32_t mine, other[3];
  unsigned int i, pass, differ = 0, same_lines = 1, ok = 1;
  if (argc > 1 && !strcmp(argv[1], "child")) return child();
  names = chosen();
  mine = addr_hash("bob@example.net", 15);
  tap_plan(5);

  if (queue_head_sender(&h, "a@site.example", 14) < 0) return 2;
  for (pass = 0; pass < 2; pass++)
    for (i = 0; i < NCHOSEN; i++)
      if (queue_head_rcpt(&h, names[i], strlen(names[i])) != !pass) ok = 0;
  printf("# %u names chosen to collide under plain FNV-1a, each given twice: %lu comparisons\n", NCHOSEN, h.probes);
  tap_ok(ok && h.nrcpt == NCHOSEN && h.ndup == NCHOSEN, "names chosen to collide under plain FNV-1a: each second one folded, each first kept");
  tap_ok(h.probes <= PER_ADDRESS * 2UL * NCHOSEN, "... with a few comparisons per address, not one per name before it");

  random_rcpts(&r);
  tap_ok(r.nrcpt == pairwise() && r.ndup == NRANDOM - r.nrcpt, "3,000 random recipients: folded as a pairwise addr_same() would");
  for (i = 0; i < 3; i++)
  {
    theirs.len = 0;
    if (!child_says(other + i, &theirs)) { ok = 0; break; }
    if (other[i] != mine) differ++;
    if (theirs.len != r.s.len || memcmp(theirs.s, r.s.s, r.s.len)) same_lines = 0;
  }
  tap_ok(ok && differ >= 2, "a key per process: other processes hash an address differently");
  tap_ok(ok && same_lines, "... and their fold writes the same envelope lines, byte for byte");
  queue_head_free(&h);
  queue_head_free(&r);
  stralloc_free(&theirs);
  return tap_done();
}
