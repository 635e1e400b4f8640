/* queue_pickup.c: the spool into the schedule (queue_pickup.h). */

#include <errno.h>
#include "queue_pickup.h"
#include "queue_status.h"

typedef struct walk_s walk;
struct walk_s
{
  queue_sched *s;
  queue_walk_fn *said;
  void *aux;
  int nomem;
  genalloc const *sorted;   /* the slots known, by id (queue_sched_sorted) */
};

static void found_new (char const *id, int what, void *aux)
{
  walk *w = aux;
  uint32_t slot;
  if (what != QUEUE_FOUND) { (*w->said)(id, what, w->aux); return; }
  if (w->nomem) return;
  if (!queue_sched_new(w->s, id, 0, &slot)) { w->nomem = 1; return; }
  if (!queue_sched_push(w->s, slot, queue_status_id_time(id))) w->nomem = 1;
}

int queue_pickup_new (queue_sched *s, queue_dirs const *q, queue_walk_fn *said, void *aux)
{
  walk w = { s, said, aux, 0, 0 };
  if (queue_scan_new(q, &found_new, &w) < 0) return -1;
  return w.nomem ? (errno = ENOMEM, 0) : 1;
}

static void found_cur (char const *id, int what, void *aux)
{
  walk *w = aux;
  (void)what;
  if (!w->nomem && !queue_sched_load(w->s, id, QUEUE_SCHED_UNKNOWN)) w->nomem = 1;
}

int queue_pickup_cur (queue_sched *s, queue_dirs const *q)
{
  walk w = { s, 0, 0, 0, 0 };
  if (queue_scan_cur(q, &found_cur, &w) < 0) return -1;
  queue_sched_order(s);
  return w.nomem ? (errno = ENOMEM, 0) : 1;
}

static int queued (char const *id, void *aux)
{
  walk const *w = aux;
  return queue_sched_has(w->s, w->sorted, id);
}

static void state_failed (char const *name, int what, void *aux)
{
  walk const *w = aux;
  (*w->said)(name, what, w->aux);
}

int queue_pickup_clean (queue_sched const *s, queue_dirs const *q, queue_walk_fn *said, void *aux)
{
  genalloc sorted = GENALLOC_ZERO;  /* uint32_t */
  walk w = { (queue_sched *)s, said, aux, 0, &sorted };
  int r;
  if (!queue_sched_sorted(s, &sorted)) return (errno = ENOMEM, 0);
  r = queue_clean_state(q, &queued, &state_failed, &w) < 0 ? -1 : 1;
  genalloc_free(uint32_t, &sorted);
  return r;
}
