/* prioq.h: a binary heap of items keyed by time, the schedule of
   smarthost-send (qmail-send's prioq). The least key comes first; equal
   keys in the order of a second key (the arrival, so oldest first). Each
   push or pop costs O(log n). Items are the caller's numbers. */
#ifndef SMARTHOST_PRIOQ_H
#define SMARTHOST_PRIOQ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <skalibs/genalloc.h>

typedef struct prioq_elt_s prioq_elt;
struct prioq_elt_s
{
  time_t key;       /* when */
  uint64_t tie;     /* among equal keys, the least first */
  uint32_t item;
};

typedef struct prioq_s prioq;
struct prioq_s
{
  genalloc h;       /* prioq_elt, heap-ordered */
};
#define PRIOQ_ZERO { GENALLOC_ZERO }

#define prioq_len(q) genalloc_len(prioq_elt, &(q)->h)
/* The i-th element in heap order (0 is the least), for walking all of them. */
#define prioq_at(q, i) (genalloc_s(prioq_elt, &(q)->h) + (i))

/* Adds an element. Returns 1, or 0 on allocation failure. */
int prioq_push (prioq *q, time_t key, uint64_t tie, uint32_t item);
/* Adds an element without ordering: call prioq_order before any other
   use. For loading many at once in O(n). Returns 1, or 0. */
int prioq_append (prioq *q, time_t key, uint64_t tie, uint32_t item);
/* Restores the order after prioq_append or after keys were changed
   through prioq_at. O(n). */
void prioq_order (prioq *q);
/* Copies the least element into e. Returns 1, or 0 when q is empty. */
int prioq_min (prioq const *q, prioq_elt *e);
/* Removes the least element, copied into e. Returns 1, or 0 when empty. */
int prioq_pop (prioq *q, prioq_elt *e);
/* Removes the i-th element in heap order (prioq_at), copied into e, in
   O(log n): for a caller that chose an element other than the least. 1,
   or 0 when i is out of range. */
int prioq_remove (prioq *q, size_t i, prioq_elt *e);
void prioq_free (prioq *q);

#endif
