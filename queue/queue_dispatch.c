/* queue_dispatch.c: see queue_dispatch.h */
#include <stdlib.h>
#include <string.h>
#include "queue_dispatch.h"

gate *queue_dispatch_gate (queue_dispatch const *d, unsigned int route)
{
  return route_gates_get(d->rg, route, d->gate);
}

/* Whether each route has its own session limit. */
static int per_route (queue_dispatch const *d)
{
  return d->rconc && d->rconc->n > 1;
}

upconc *queue_dispatch_conc (queue_dispatch const *d, unsigned int route)
{
  return per_route(d) ? route_conc_get(d->rconc, route) : d->conc;
}

queue_task *queue_dispatch_task (pool_worker *w)
{
  if (!w->user) w->user = calloc(1, sizeof(queue_task));
  return w->user;
}

/* A worker's route; a worker without a task has served none yet. */
static unsigned int worker_route (pool_worker const *w)
{
  return w->user ? ((queue_task const *)w->user)->route : 0;
}

/* The live workers of route ri: its sessions (every live worker
   without per-route limits). */
static unsigned int route_live (queue_dispatch const *d, unsigned int ri)
{
  unsigned int i, n = 0;
  if (!per_route(d)) return pool_live(d->pool);
  for (i = 0; i < pool_n(d->pool); i++)
    if (pool_worker_live(pool_at(d->pool, i)) && worker_route(pool_at(d->pool, i)) == ri) n++;
  return n;
}

unsigned int queue_dispatch_route (queue_dispatch *d, uint32_t slot)
{
  queue_sched_msg *m = queue_sched_msg(d->sched, slot);
  if (d->nroutes <= 1) return 0;
  if (!m->route) m->route = d->route_of(m->id, d->aux);
  return m->route ? m->route - 1 : 0;
}

time_t queue_dispatch_gate_at (queue_dispatch const *d, time_t t, int stop)
{
  return stop ? -1 : gate_when(d->gate, t);
}

int queue_dispatch_due (queue_dispatch const *d, time_t t, int stop)
{
  prioq_elt e;
  return prioq_min(&d->sched->q, &e) && e.key <= t && !queue_dispatch_gate_at(d, t, stop);
}

/* When the first message's route lets it go: 0 now, else as gate_when. */
static time_t first_route_when (queue_dispatch *d, time_t t)
{
  prioq_elt e;
  if (!d->rg->n || !prioq_min(&d->sched->q, &e)) return 0;
  return gate_when(queue_dispatch_gate(d, queue_dispatch_route(d, e.item)), t);
}

int queue_dispatch_park (queue_dispatch *d, time_t t)
{
  prioq_elt e;
  time_t g = first_route_when(d, t);
  if (!g) return 0;
  prioq_pop(&d->sched->q, &e);
  /* on allocation failure it stays out of the schedule: never busy-loops */
  queue_sched_push(d->sched, e.item, g > 0 ? g : t + QUEUE_DISPATCH_PARK);
  return 1;
}

void queue_dispatch_release (queue_dispatch *d, unsigned int route, time_t t)
{
  size_t i = 0;
  for (; i < prioq_len(&d->sched->q); i++)
  {
    prioq_elt *e = prioq_at(&d->sched->q, i);
    if (e->key > t && queue_sched_msg(d->sched, e->item)->route == route + 1) e->key = t;
  }
  prioq_order(&d->sched->q);
}

void queue_dispatch_trim (queue_dispatch *d)
{
  unsigned int i = 0;
  for (; i < pool_n(d->pool); i++)
  {
    pool_worker *w = pool_at(d->pool, i);
    unsigned int ri = worker_route(w);
    if (pool_worker_live(w) && !w->busy && route_live(d, ri) > queue_dispatch_conc(d, ri)->limit) pool_close(w);
  }
}

/* A worker for route ri: 1 and *w an idle one of the route (or 0: start
   one), or 0 when none can be had. A worker serves one route (its
   session, its credentials, its environment): when all are started, an
   idle one of another route is closed to make room. */
static int worker_for (queue_dispatch *d, unsigned int ri, pool_worker **w)
{
  pool_worker *other = 0;
  unsigned int i;
  queue_dispatch_trim(d);
  for (i = 0; i < pool_n(d->pool); i++)
  {
    pool_worker *x = pool_at(d->pool, i);
    if (!pool_worker_live(x) || x->busy) continue;
    if (worker_route(x) == ri) { *w = x; return 1; }
    if (!other) other = x;
  }
  *w = 0;
  /* the route's own limit: its upstream caps our sessions to it */
  if (per_route(d) && route_live(d, ri) >= queue_dispatch_conc(d, ri)->limit) return 0;
  if (other && pool_live(d->pool) >= d->pool->max) pool_close(other);
  return pool_live(d->pool) < d->pool->max;
}

int queue_dispatch_next (queue_dispatch *d, time_t t, int stop, queue_dispatch_pick *p)
{
  prioq_elt e;
  if (!queue_dispatch_due(d, t, stop)) return QUEUE_DISPATCH_NONE;
  if (queue_dispatch_park(d, t)) return QUEUE_DISPATCH_PARKED;
  prioq_min(&d->sched->q, &e);
  p->route = queue_dispatch_route(d, e.item);
  if (!worker_for(d, p->route, &p->w)) return QUEUE_DISPATCH_NONE;
  prioq_pop(&d->sched->q, &e);
  p->slot = e.item;
  p->key = e.key;
  return QUEUE_DISPATCH_GO;
}

int queue_dispatch_look (queue_dispatch *d, uint32_t slot, int hadstate, time_t next, time_t t)
{
  queue_sched_msg *m = queue_sched_msg(d->sched, slot);
  if (m->flags & QUEUE_SCHED_HELD) { m->flags |= QUEUE_SCHED_PARKED; return QUEUE_DISPATCH_HELD; }
  if (hadstate && (m->flags & QUEUE_SCHED_UNKNOWN) && next > t)
  {
    m->flags &= ~QUEUE_SCHED_UNKNOWN;
    return QUEUE_DISPATCH_LATER;
  }
  return QUEUE_DISPATCH_TRY;
}

int queue_dispatch_progress (queue_dispatch *d, time_t t, int stop)
{
  prioq_elt e;
  pool_worker *w;
  if (!queue_dispatch_due(d, t, stop)) return 0;
  if (first_route_when(d, t)) return 1;
  prioq_min(&d->sched->q, &e);
  return worker_for(d, queue_dispatch_route(d, e.item), &w);
}

time_t queue_dispatch_wake (queue_dispatch const *d, time_t t, int stop, time_t latest)
{
  prioq_elt e;
  time_t g, k;
  if (!prioq_min(&d->sched->q, &e) || stop || pool_busy(d->pool) >= d->conc->limit) return latest;
  g = queue_dispatch_gate_at(d, t, stop);
  if (g < 0) return latest;
  k = e.key < g ? g : e.key;
  return k < latest ? k : latest;
}

void queue_dispatch_sent (queue_dispatch *d, queue_task *k, time_t t)
{
  k->probe = gate_send(queue_dispatch_gate(d, k->route), t);
  if (d->rg->n) gate_send(d->gate, t);  /* the pacing counts every route */
}

unsigned int queue_dispatch_result (queue_dispatch *d, pool_worker *w, job_result const *m, time_t t, gate_event *ev)
{
  queue_task *k = w->user;
  upconc *u = queue_dispatch_conc(d, k->route);
  /* the other sessions to the same upstream: the route's */
  unsigned int others = route_live(d, k->route) - pool_worker_live(w);
  unsigned int r = upconc_job(u, m->class, m->code, m->text, k->probe ? 0 : others, t);
  if (!per_route(d)) d->pool->max = u->limit;  /* with routes, CONCURRENCY stays the pool's */
  if (r == UPCONC_REFUSED)
  {
    memset(ev, 0, sizeof *ev);  /* GATE_NONE: the gate is not told */
    pool_close(w);
    queue_dispatch_trim(d);
    return r;
  }
  gate_result(queue_dispatch_gate(d, k->route), m->class, k->probe, t, ev);
  if (d->rg->n && ev->what == GATE_RESUMED) queue_dispatch_release(d, k->route, t);
  return r;
}
