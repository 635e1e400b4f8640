/* dispatch_fake.h: the scheduler's state for the unit tests of
   queue/queue_dispatch (tests/unit/dispatch_*.c): a schedule, gates, a
   session limit, and a pool of pretend workers (their pipes /dev/null,
   no process), with the caller's part (start a worker, end a job) done
   here as smarthost-send does it. A message's route is its id's
   nanoseconds field modulo 10, so each test chooses it. */
#ifndef SMARTHOST_DISPATCH_FAKE_H
#define SMARTHOST_DISPATCH_FAKE_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/types.h>
#include "queue_dispatch.h"

static unsigned int const fake_retry[3] = { 60, 240, 540 };
static unsigned int const fake_probe[1] = { 30 };

typedef struct fake_s fake;
struct fake_s
{
  queue_sched sched;
  gate gate;
  route_gates rg;
  pool pool;
  upconc conc;
  queue_dispatch d;
  unsigned int started;     /* workers started, ever */
  unsigned int asked;       /* route_of calls */
};

static unsigned int fake_route_of (char const *id, void *aux)
{
  fake *f = aux;
  char const *dot = strchr(id, '.');
  unsigned int ns = 0;
  f->asked++;
  uint_scan(dot + 1, &ns);
  return ns % 10 + 1;
}

/* nroutes routes (<= 1: none), concurrency workers at most. */
static void fake_init (fake *f, unsigned int nroutes, unsigned int concurrency)
{
  static queue_sched const s0 = QUEUE_SCHED_ZERO;
  static pool const p0 = POOL_ZERO;
  static route_gates const rg0 = ROUTE_GATES_ZERO;
  memset(f, 0, sizeof *f);
  f->sched = s0;
  f->pool = p0;
  f->rg = rg0;
  f->pool.max = concurrency;
  /* room for every worker a test starts: the tests keep pointers to them */
  genalloc_ready(pool_worker, &f->pool.workers, 32);
  gate_init(&f->gate, fake_retry, 3, 0, 0);
  gate_set_probe(&f->gate, fake_probe, 1);
  route_gates_init(&f->rg, nroutes, fake_retry, 3, fake_probe, 1);
  upconc_init(&f->conc, concurrency);
  f->d.sched = &f->sched;
  f->d.gate = &f->gate;
  f->d.rg = &f->rg;
  f->d.pool = &f->pool;
  f->d.conc = &f->conc;
  f->d.nroutes = nroutes;
  f->d.route_of = &fake_route_of;
  f->d.aux = f;
}

/* A message arrived at sec (its id's time) of route, scheduled at key. */
static uint32_t fake_msg (fake *f, unsigned int sec, unsigned int route, time_t key)
{
  char id[QUEUE_ID_SIZE];
  uint32_t slot;
  static unsigned int seq;
  size_t n = uint_fmt(id, sec);
  id[n++] = '.';
  n += uint0_fmt(id + n, ++seq * 10 + route, 9);
  memcpy(id + n, ".42", 4);
  queue_sched_new(&f->sched, id, 0, &slot);
  queue_sched_push(&f->sched, slot, key);
  return slot;
}

/* What smarthost-send's worker_start does, without a process: pool_new's
   slot reuse, then the route the worker serves. */
static pool_worker *fake_start (fake *f, unsigned int route)
{
  pool_worker *w = 0;
  unsigned int i;
  if (pool_live(&f->pool) >= f->pool.max) return 0;
  for (i = 0; i < pool_n(&f->pool); i++)
    if (!pool_worker_live(pool_at(&f->pool, i)) && pool_at(&f->pool, i)->user) { w = pool_at(&f->pool, i); break; }
  if (!w)
  {
    pool_worker z;
    memset(&z, 0, sizeof z);
    if (pool_n(&f->pool) >= 32 || !genalloc_append(pool_worker, &f->pool.workers, &z)) return 0;
    w = pool_at(&f->pool, pool_n(&f->pool) - 1);
  }
  w->in = open("/dev/null", O_WRONLY);
  w->out = open("/dev/null", O_RDONLY);
  w->pid = 1;
  w->busy = 0;
  if (!queue_dispatch_start(w, route)) { pool_close(w); return 0; }
  f->started++;
  return w;
}

/* One decision carried out as dispatch_due does: the worker it names
   (or one started), now busy with the message. Returns the decision. */
static int fake_next (fake *f, time_t t, pool_worker **wp, uint32_t *slot)
{
  queue_dispatch_pick p;
  pool_worker *w;
  int r = queue_dispatch_next(&f->d, t, 0, &p);
  *wp = 0;
  if (r != QUEUE_DISPATCH_GO) return r;
  w = p.w ? p.w : fake_start(f, p.route);
  if (!w) { queue_sched_push(&f->sched, p.slot, p.key); return QUEUE_DISPATCH_NONE; }
  queue_dispatch_task(w)->slot = p.slot;
  queue_dispatch_sent(&f->d, queue_dispatch_task(w), t);
  w->busy = 1;
  *wp = w;
  if (slot) *slot = p.slot;
  return r;
}

/* The job of w ends at t with class, code and text. */
static unsigned int fake_result (fake *f, pool_worker *w, char const *class, unsigned int code, char const *text, time_t t, gate_event *ev)
{
  job_result m;
  memset(&m, 0, sizeof m);
  m.type = 'M';
  m.class = class;
  m.code = code;
  m.text = text;
  w->busy = 0;
  return queue_dispatch_result(&f->d, w, &m, t, ev);
}

static inline unsigned int fake_busy_route (fake *f, unsigned int route)
{
  unsigned int i, n = 0;
  for (i = 0; i < pool_n(&f->pool); i++)
    if (pool_at(&f->pool, i)->busy && queue_dispatch_task(pool_at(&f->pool, i))->route == route) n++;
  return n;
}

#endif
