/* The envelope lines at the top of a message file, built one address at a
   time by whoever commits a message (the injector, the smtpd):

     F sender\n [D params\n]  T rcpt\n [D params\n] ...  [U SMTPUTF8\n]  \n

   (a D line holds the DSN parameters of the line before it.)

   Duplicate recipients are folded here, once, for every way in: the first
   of each is kept, the others are written nowhere (issue: a recipient
   listed twice must never be sent twice or crash the scheduler). Two
   addresses are the same when addr_same() says so; a hash of the same
   normal form (local part as is, domain in lower case) finds the
   candidates, so a list of 100,000 costs no more than 100,000 lookups. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "dsnparam.h"
#include "queue.h"
#include "utf8.h"

static int queue_head_check (char const *s, size_t len)
{
  switch (addr_check(s, len))
  {
    case ADDR_ELONG: return (errno = ENAMETOOLONG, -1);
    case ADDR_ECHAR: return (errno = EINVAL, -1);
  }
  return 0;
}

static int queue_head_line (queue_head *h, char type, char const *s, size_t len)
{
  char t[2] = { type, ' ' };
  return stralloc_catb(&h->s, t, 2) && stralloc_catb(&h->s, s, len)
    && stralloc_catb(&h->s, "\n", 1) ? 0 : (errno = ENOMEM, -1);
}

int queue_head_sender (queue_head *h, char const *s, size_t len)
{
  if (h->s.len) return (errno = EINVAL, -1);
  if (queue_head_check(s, len) < 0) return -1;
  h->last = 'F';
  if (!utf8_ascii(s, len)) h->smtputf8 = 1;
  return queue_head_line(h, 'F', s, len);
}

/* The address of the recipient line at offset o of h->s. */
static char const *queue_head_at (queue_head const *h, size_t o, size_t *len)
{
  char const *s = h->s.s + o + 2;
  *len = (char const *)memchr(s, '\n', h->s.len - o - 2) - s;
  return s;
}

/* The slot for s: one that holds it, or the empty one where it goes. */
static size_t *queue_head_slot (queue_head *h, char const *s, size_t len)
{
  size_t i = addr_hash(s, len) & (h->cap - 1);
  for (;; i = (i + 1) & (h->cap - 1))
  {
    size_t olen;
    char const *o;
    if (!h->slot[i]) return h->slot + i;
    h->probes++;
    o = queue_head_at(h, h->slot[i] - 1, &olen);
    if (addr_same(s, len, o, olen)) return h->slot + i;
  }
}

/* Keeps the table at most half full. */
static int queue_head_grow (queue_head *h)
{
  size_t cap = h->cap ? h->cap * 2 : 64;
  size_t *old = h->slot, oldcap = h->cap, i;
  if ((h->nrcpt + 1) * 2 <= h->cap) return 0;
  h->slot = calloc(cap, sizeof *h->slot);
  if (!h->slot) { h->slot = old; return (errno = ENOMEM, -1); }
  h->cap = cap;
  for (i = 0; i < oldcap; i++)
    if (old[i])
    {
      size_t len;
      char const *s = queue_head_at(h, old[i] - 1, &len);
      *queue_head_slot(h, s, len) = old[i];
    }
  free(old);
  return 0;
}

int queue_head_rcpt (queue_head *h, char const *s, size_t len)
{
  size_t *slot;
  size_t o = h->s.len;
  if (!h->s.len || !len) return (errno = EINVAL, -1);
  if (queue_head_check(s, len) < 0) return -1;
  if (queue_head_grow(h) < 0) return -1;
  slot = queue_head_slot(h, s, len);
  if (*slot) { h->ndup++; h->last = 'x'; return 0; }
  if (h->nrcpt >= QUEUE_RCPT_MAX) return (errno = E2BIG, -1);
  if (queue_head_line(h, 'T', s, len) < 0) return -1;
  /* an address outside ASCII cannot go without SMTPUTF8 (RFC 6531 3.2) */
  if (!utf8_ascii(s, len)) h->smtputf8 = 1;
  *slot = o + 1;
  h->nrcpt++;
  h->last = 'T';
  return 1;
}

int queue_head_dsn (queue_head *h, char const *s, size_t len)
{
  dsnparam p;
  char last = h->last;
  if (last != 'F' && last != 'T' && last != 'x') return (errno = EINVAL, -1);
  if (!len || !dsnparam_scan(&p, last != 'F', s, len)) return (errno = EINVAL, -1);
  if (last == 'x') { h->last = 'D'; return 0; }
  h->last = 'D';
  /* written in dsnparam_fmt's one form, not as given: a list that says
     a word many times, which the checks take, could make a line longer
     than the reader's, and the message would be queued and never read */
  return stralloc_catb(&h->s, "D", 1) && dsnparam_fmt(&h->s, &p)
    && stralloc_catb(&h->s, "\n", 1) ? 1 : (errno = ENOMEM, -1);
}

void queue_head_smtputf8 (queue_head *h)
{
  h->smtputf8 = 1;
}

int queue_head_end (queue_head *h)
{
  if (!h->nrcpt) return (errno = EINVAL, -1);
  if (h->smtputf8 && !stralloc_cats(&h->s, "U SMTPUTF8\n")) return (errno = ENOMEM, -1);
  return stralloc_catb(&h->s, "\n", 1) ? 0 : (errno = ENOMEM, -1);
}

void queue_head_free (queue_head *h)
{
  stralloc_free(&h->s);
  free(h->slot);
  h->slot = 0;
  h->cap = 0;
  h->nrcpt = h->ndup = 0;
  h->last = 0;
  h->smtputf8 = 0;
}
