/* queue_dispatch.c: see queue_dispatch.h */
#include <stdlib.h>
#include <string.h>
#include "queue_dispatch.h"
#include "route.h"

/* the counts have room for every route */
typedef char queue_dispatch_routes_fit[QUEUE_DISPATCH_ROUTES >= ROUTE_MAX + 1 ? 1 : -1];

gate *queue_dispatch_gate (queue_dispatch const *d, unsigned int ri)
{
  return route_gates_get(d->rg, ri, d->gate);
}

/* Whether each route has its own session limit. */
static int per_route (queue_dispatch const *d)
{
  return d->rconc && d->rconc->n > 1;
}

upconc *queue_dispatch_conc (queue_dispatch const *d, unsigned int ri)
{
  return per_route(d) ? route_conc_get(d->rconc, ri) : d->conc;
}

queue_task *queue_dispatch_task (pool_worker *w)
{
  if (!w->user) w->user = calloc(1, sizeof(queue_task));
  return w->user;
}

queue_task *queue_dispatch_start (pool_worker *w, unsigned int ri)
{
  queue_task *k = queue_dispatch_task(w);
  if (!k) return 0;
  k->route = ri;
  k->run = 0;
  return k;
}

/* The routes the counts cover: nroutes, at least 1. */
static unsigned int nroutes (queue_dispatch const *d)
{
  unsigned int n = d->nroutes ? d->nroutes : 1;
  return n < QUEUE_DISPATCH_ROUTES ? n : QUEUE_DISPATCH_ROUTES;
}

/* A worker's route; a worker without a task has served none yet. */
static unsigned int worker_route (queue_dispatch const *d, pool_worker const *w)
{
  unsigned int ri = w->user ? ((queue_task const *)w->user)->route : 0;
  return ri < nroutes(d) ? ri : 0;
}

static unsigned int worker_run (pool_worker const *w)
{
  return w->user ? ((queue_task const *)w->user)->run : 0;
}

/* One pass over the pool: the live workers, by route too, and each
   route's idle worker that has carried the fewest messages. */
static void count (queue_dispatch *d)
{
  queue_dispatch_count *c = &d->n;
  unsigned int i;
  memset(c->route_live, 0, nroutes(d) * sizeof *c->route_live);
  memset(c->route_idle, 0, nroutes(d) * sizeof *c->route_idle);
  c->live = c->idle = 0;
  for (i = 0; i < pool_n(d->pool); i++)
  {
    pool_worker *w = pool_at(d->pool, i);
    unsigned int ri = worker_route(d, w);
    if (!pool_worker_live(w)) continue;
    c->live++;
    c->route_live[ri]++;
    if (w->busy) continue;
    c->idle++;
    if (!c->route_idle[ri] || worker_run(w) < worker_run(c->route_idle[ri])) c->route_idle[ri] = w;
  }
}

/* The live workers of route ri as counted: its sessions (every live
   worker without per-route limits). */
static unsigned int route_live (queue_dispatch const *d, unsigned int ri)
{
  return per_route(d) ? d->n.route_live[ri] : d->n.live;
}

/* Whether route ri may have one more session (always, without
   per-route limits: CONCURRENCY is the pool's). */
static int route_room (queue_dispatch const *d, unsigned int ri)
{
  return !per_route(d) || route_live(d, ri) < queue_dispatch_conc(d, ri)->limit;
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

void queue_dispatch_release (queue_dispatch *d, unsigned int ri, time_t t)
{
  size_t i = 0;
  for (; i < prioq_len(&d->sched->q); i++)
  {
    prioq_elt *e = prioq_at(&d->sched->q, i);
    if (e->key > t && queue_sched_msg(d->sched, e->item)->route == ri + 1) e->key = t;
  }
  prioq_order(&d->sched->q);
}

void queue_dispatch_trim (queue_dispatch *d)
{
  unsigned int i, closed = 0;
  count(d);
  for (i = 0; i < pool_n(d->pool); i++)
  {
    pool_worker *w = pool_at(d->pool, i);
    unsigned int ri = worker_route(d, w);
    if (!pool_worker_live(w) || w->busy || route_live(d, ri) <= queue_dispatch_conc(d, ri)->limit) continue;
    pool_close(w);
    d->n.live--;
    d->n.route_live[ri]--;
    closed = 1;
  }
  if (closed) count(d);  /* the idle ones */
}

/* What a decision chose (choose): the message at heap place at, of
   route, for w (its route's idle worker) or for a worker to start once
   victim (an idle worker of another route, or 0) is closed. */
typedef struct choice_s choice;
struct choice_s
{
  size_t at;
  unsigned int route;
  pool_worker *w;
  pool_worker *victim;
  time_t next;          /* nothing chosen: when one may be (-1: a worker's result) */
};

static int chosen (choice *c, size_t at, unsigned int ri, pool_worker *w, pool_worker *victim)
{
  c->at = at;
  c->route = ri;
  c->w = w;
  c->victim = victim;
  return 1;
}

/* An idle worker to close for another route's message: one whose route
   has no due mail among those looked at (want), else the one that has
   carried the most. 0 when every worker is busy. */
static pool_worker *victim_for (queue_dispatch const *d, unsigned char const *want)
{
  pool_worker *best = 0;
  unsigned int i;
  for (i = 0; i < pool_n(d->pool); i++)
  {
    pool_worker *w = pool_at(d->pool, i);
    if (!pool_worker_live(w) || w->busy) continue;
    if (!want[worker_route(d, w)]) return w;
    if (!best || worker_run(w) > worker_run(best)) best = w;
  }
  return best;
}

/* The earlier of a and b, -1 being never. */
static time_t earlier (time_t a, time_t b)
{
  return a < 0 || (b >= 0 && b < a) ? b : a;
}

/* Whether the heap's element i comes before j. */
static int before (prioq const *q, size_t i, size_t j)
{
  prioq_elt const *a = prioq_at(q, i), *b = prioq_at(q, j);
  return a->key != b->key ? a->key < b->key : a->tie < b->tie;
}

/* What a message looked at needs (choose): a worker there or room for
   one; another route's idle worker closed; its own worker past its run
   (it goes only when no route waits). */
#define GOES 0
#define WAITS 1
#define TIRED 2

/* The decision at t (see queue_dispatch.h). The due messages are the top
   of the heap (a parent is never later than its children): walked from
   the first, parents before children, up to QUEUE_DISPATCH_LOOK of them;
   of those that can go, the earliest in the schedule's order that needs
   nothing closed, else the earliest that waits for a worker, else the
   earliest whose route's worker is past its run. 1 and c filled, or 0
   with c->next. */
static int choose (queue_dispatch *d, time_t t, choice *c)
{
  prioq *q = &d->sched->q;
  size_t stack[QUEUE_DISPATCH_LOOK + 2], top = 0, seen = 0, n = prioq_len(q);
  size_t best[3] = { 0, 0, 0 };
  unsigned int best_r[3] = { 0, 0, 0 }, k;
  int have[3] = { 0, 0, 0 };
  unsigned char want[QUEUE_DISPATCH_ROUTES];
  c->next = -1;
  queue_dispatch_trim(d);
  /* every worker busy and none may start */
  if (!n || (d->n.live >= d->pool->max && !d->n.idle)) return 0;
  memset(want, 0, nroutes(d));
  stack[top++] = 0;
  while (top)
  {
    size_t i = stack[--top];
    prioq_elt const *e = prioq_at(q, i);
    unsigned int ri;
    time_t g;
    pool_worker *w;
    if (e->key > t) { c->next = earlier(c->next, e->key); continue; }
    if (seen++ == QUEUE_DISPATCH_LOOK) { c->next = t + 1; break; }
    /* one taken, two at most added: the stack stays within LOOK + 2 */
    if (2 * i + 2 < n) stack[top++] = 2 * i + 2;
    if (2 * i + 1 < n) stack[top++] = 2 * i + 1;
    ri = queue_dispatch_route(d, e->item);
    if (ri >= nroutes(d)) ri = 0;
    g = gate_when(queue_dispatch_gate(d, ri), t);
    /* parked when it comes first; meanwhile no one's worker */
    if (g) { if (g > 0) c->next = earlier(c->next, g); continue; }
    want[ri] = 1;
    w = d->n.route_idle[ri];
    if (w) k = worker_run(w) < QUEUE_DISPATCH_RUN ? GOES : TIRED;
    else if (!route_room(d, ri)) continue;  /* at its limit: its mail waits, not the others' */
    else k = d->n.live < d->pool->max ? GOES : WAITS;
    if (k == GOES && !i) return chosen(c, i, ri, w, 0);  /* the first: the common case */
    if (!have[k] || before(q, i, best[k])) { best[k] = i; best_r[k] = ri; have[k] = 1; }
  }
  if (have[GOES]) return chosen(c, best[GOES], best_r[GOES], d->n.route_idle[best_r[GOES]], 0);
  if (have[WAITS] && d->n.idle) return chosen(c, best[WAITS], best_r[WAITS], 0, victim_for(d, want));
  if (have[TIRED]) return chosen(c, best[TIRED], best_r[TIRED], d->n.route_idle[best_r[TIRED]], 0);
  return 0;
}

int queue_dispatch_next (queue_dispatch *d, time_t t, int stop, queue_dispatch_pick *p)
{
  prioq_elt e;
  choice c;
  if (!queue_dispatch_due(d, t, stop)) return QUEUE_DISPATCH_NONE;
  if (queue_dispatch_park(d, t)) return QUEUE_DISPATCH_PARKED;
  if (!choose(d, t, &c)) return QUEUE_DISPATCH_NONE;
  if (c.victim) pool_close(c.victim);
  prioq_remove(&d->sched->q, c.at, &e);
  p->slot = e.item;
  p->key = e.key;
  p->route = c.route;
  p->w = c.w;
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
  choice c;
  if (!queue_dispatch_due(d, t, stop)) return 0;
  if (first_route_when(d, t)) return 1;
  return choose(d, t, &c);
}

time_t queue_dispatch_wake (queue_dispatch *d, time_t t, int stop, time_t latest)
{
  prioq_elt e;
  time_t g, k;
  choice c;
  if (!prioq_min(&d->sched->q, &e) || stop || pool_busy(d->pool) >= d->conc->limit) return latest;
  g = queue_dispatch_gate_at(d, t, stop);
  if (g < 0) return latest;
  k = e.key < g ? g : e.key;
  /* due, but none of it can go now: not a busy loop */
  if (k <= t && !first_route_when(d, t) && !choose(d, t, &c)) k = c.next < 0 ? latest : c.next;
  return k < latest ? k : latest;
}

void queue_dispatch_sent (queue_dispatch *d, queue_task *k, time_t t)
{
  k->probe = gate_send(queue_dispatch_gate(d, k->route), t);
  k->run++;
  if (d->rg->n) gate_send(d->gate, t);  /* the pacing counts every route */
}

unsigned int queue_dispatch_result (queue_dispatch *d, pool_worker *w, job_result const *m, time_t t, gate_event *ev)
{
  queue_task *k = w->user;
  upconc *u;
  unsigned int others, r;
  memset(ev, 0, sizeof *ev);  /* GATE_NONE: the gate is not told */
  if (!k) return UPCONC_NONE;  /* no worker gets a job before its task */
  u = queue_dispatch_conc(d, k->route);
  count(d);
  /* the other sessions to the same upstream: the route's */
  others = route_live(d, worker_route(d, w)) - pool_worker_live(w);
  r = upconc_job(u, m->class, m->code, m->text, k->probe ? 0 : others, t);
  if (!per_route(d)) d->pool->max = u->limit;  /* with routes, CONCURRENCY stays the pool's */
  if (r == UPCONC_REFUSED)
  {
    pool_close(w);
    queue_dispatch_trim(d);
    return r;
  }
  gate_result(queue_dispatch_gate(d, k->route), m->class, k->probe, t, ev);
  if (d->rg->n && ev->what == GATE_RESUMED) queue_dispatch_release(d, k->route, t);
  return r;
}
