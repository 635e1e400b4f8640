/* A binary heap in an array: the parent of i is (i-1)/2. */

#include <skalibs/genalloc.h>
#include "prioq.h"

#define E(q) genalloc_s(prioq_elt, &(q)->h)

static int less (prioq_elt const *a, prioq_elt const *b)
{
  return a->key != b->key ? a->key < b->key : a->tie < b->tie;
}

static void up (prioq *q, size_t pos)
{
  prioq_elt *h = E(q), e = h[pos];
  while (pos)
  {
    size_t parent = (pos - 1) / 2;
    if (!less(&e, h + parent)) break;
    h[pos] = h[parent];
    pos = parent;
  }
  h[pos] = e;
}

static void down (prioq *q, size_t pos)
{
  prioq_elt *h = E(q), e = h[pos];
  size_t n = prioq_len(q);
  for (;;)
  {
    size_t c = 2 * pos + 1;
    if (c >= n) break;
    if (c + 1 < n && less(h + c + 1, h + c)) c++;
    if (!less(h + c, &e)) break;
    h[pos] = h[c];
    pos = c;
  }
  h[pos] = e;
}

int prioq_append (prioq *q, time_t key, uint64_t tie, uint32_t item)
{
  prioq_elt e;
  e.key = key; e.tie = tie; e.item = item;
  return genalloc_append(prioq_elt, &q->h, &e);
}

int prioq_push (prioq *q, time_t key, uint64_t tie, uint32_t item)
{
  if (!prioq_append(q, key, tie, item)) return 0;
  up(q, prioq_len(q) - 1);
  return 1;
}

void prioq_order (prioq *q)
{
  size_t i = prioq_len(q) / 2;
  while (i--) down(q, i);
}

int prioq_min (prioq const *q, prioq_elt *e)
{
  if (!prioq_len(q)) return 0;
  *e = genalloc_s(prioq_elt, &q->h)[0];
  return 1;
}

int prioq_pop (prioq *q, prioq_elt *e)
{
  size_t n = prioq_len(q);
  if (!n) return 0;
  *e = E(q)[0];
  E(q)[0] = E(q)[n - 1];
  genalloc_setlen(prioq_elt, &q->h, n - 1);
  if (n > 1) down(q, 0);
  return 1;
}

int prioq_remove (prioq *q, size_t i, prioq_elt *e)
{
  size_t n = prioq_len(q);
  if (i >= n) return 0;
  *e = E(q)[i];
  E(q)[i] = E(q)[n - 1];
  genalloc_setlen(prioq_elt, &q->h, n - 1);
  /* the last element put in its place may belong above it or below */
  if (i < n - 1) { up(q, i); down(q, i); }
  return 1;
}

void prioq_free (prioq *q)
{
  genalloc_free(prioq_elt, &q->h);
}
