/* The schedule: queue_sched.h. */

#include <stdlib.h>
#include <string.h>
#include <skalibs/types.h>
#include "queue_sched.h"
#include "queue_status.h"

/* Among messages due at the same second, the oldest first: the id's
   seconds and nanoseconds. */
static uint64_t id_tie (char const *id)
{
  uint64_t sec = 0, ns = 0;
  size_t n = uint64_scan(id, &sec);
  if (id[n] == '.') uint64_scan(id + n + 1, &ns);
  return sec * 1000000000u + ns;
}

int queue_sched_new (queue_sched *s, char const *id, unsigned char flags, uint32_t *slot)
{
  queue_sched_msg m;
  size_t nfree = genalloc_len(uint32_t, &s->freeslots), n = strlen(id);
  if (n >= QUEUE_ID_SIZE) n = QUEUE_ID_SIZE - 1;
  memcpy(m.id, id, n);
  m.id[n] = 0;
  m.flags = flags;
  m.rcpts = 0;
  m.route = 0;
  if (nfree)
  {
    *slot = genalloc_s(uint32_t, &s->freeslots)[nfree - 1];
    genalloc_setlen(uint32_t, &s->freeslots, nfree - 1);
    *queue_sched_msg(s, *slot) = m;
  }
  else
  {
    *slot = queue_sched_nslots(s);
    if (!genalloc_append(queue_sched_msg, &s->msgs, &m)) return 0;
  }
  s->n++;
  return 1;
}

int queue_sched_free (queue_sched *s, uint32_t slot)
{
  queue_sched_msg *m = queue_sched_msg(s, slot);
  m->id[0] = 0;
  m->flags = 0;
  s->n--;
  return genalloc_append(uint32_t, &s->freeslots, &slot);
}

int queue_sched_push (queue_sched *s, uint32_t slot, time_t key)
{
  return prioq_push(&s->q, key, id_tie(queue_sched_msg(s, slot)->id), slot);
}

int queue_sched_load (queue_sched *s, char const *id, unsigned char flags)
{
  uint32_t slot;
  return queue_sched_new(s, id, flags, &slot)
    && prioq_append(&s->q, queue_status_id_time(id), id_tie(id), slot);
}

void queue_sched_order (queue_sched *s)
{
  prioq_order(&s->q);
}

int queue_sched_pull (queue_sched *s, uint32_t slot)
{
  size_t i, n = prioq_len(&s->q);
  for (i = 0; i < n; i++)
    if (prioq_at(&s->q, i)->item == slot)
    {
      *prioq_at(&s->q, i) = *prioq_at(&s->q, n - 1);
      genalloc_setlen(prioq_elt, &s->q.h, n - 1);
      prioq_order(&s->q);
      return 1;
    }
  return 0;
}

int64_t queue_sched_find (queue_sched const *s, char const *id)
{
  size_t i, n = queue_sched_nslots(s);
  for (i = 0; i < n; i++) if (!strcmp(queue_sched_msg(s, i)->id, id)) return (int64_t)i;
  return -1;
}

void queue_sched_all_due (queue_sched *s, time_t t)
{
  size_t i = 0;
  for (; i < prioq_len(&s->q); i++)
  {
    prioq_elt *e = prioq_at(&s->q, i);
    if (e->key > t) e->key = t;
    queue_sched_msg(s, e->item)->flags &= ~QUEUE_SCHED_UNKNOWN;
  }
  prioq_order(&s->q);
}

void queue_sched_census (queue_sched const *s, uint64_t *held, char *oldest, uint64_t *rcpts, uint64_t *uncounted)
{
  size_t i, n = queue_sched_nslots(s);
  oldest[0] = 0;
  *held = *rcpts = *uncounted = 0;
  for (i = 0; i < n; i++)
  {
    queue_sched_msg const *m = queue_sched_msg(s, i);
    if (!m->id[0]) continue;
    if (m->flags & QUEUE_SCHED_HELD) (*held)++;
    if (!oldest[0] || strcmp(m->id, oldest) < 0) memcpy(oldest, m->id, QUEUE_ID_SIZE);
    /* never a file read here: a message not read since start counts one */
    if (m->flags & QUEUE_SCHED_COUNTED) *rcpts += m->rcpts;
    else { (*rcpts)++; (*uncounted)++; }
  }
}

void queue_sched_counted (queue_sched *s, uint32_t slot, size_t n)
{
  queue_sched_msg *m = queue_sched_msg(s, slot);
  m->rcpts = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
  m->flags |= QUEUE_SCHED_COUNTED;
}

/* qsort and bsearch take no argument for their comparison */
static queue_sched const *sorting;

static int slot_cmp (void const *a, void const *b)
{
  return strcmp(queue_sched_msg(sorting, *(uint32_t const *)a)->id, queue_sched_msg(sorting, *(uint32_t const *)b)->id);
}

static int key_cmp (void const *key, void const *b)
{
  return strcmp((char const *)key, queue_sched_msg(sorting, *(uint32_t const *)b)->id);
}

int queue_sched_sorted (queue_sched const *s, genalloc *slots)
{
  size_t i, n = prioq_len(&s->q);
  genalloc_setlen(uint32_t, slots, 0);
  if (!genalloc_ready(uint32_t, slots, n ? n : 1)) return 0;
  for (i = 0; i < n; i++) genalloc_s(uint32_t, slots)[i] = prioq_at(&s->q, i)->item;
  genalloc_setlen(uint32_t, slots, n);
  sorting = s;
  if (n) qsort(genalloc_s(uint32_t, slots), n, sizeof(uint32_t), &slot_cmp);
  return 1;
}

int queue_sched_has (queue_sched const *s, genalloc const *slots, char const *id)
{
  size_t n = genalloc_len(uint32_t, slots);
  sorting = s;
  return n && bsearch(id, genalloc_s(uint32_t, slots), n, sizeof(uint32_t), &key_cmp) != 0;
}
