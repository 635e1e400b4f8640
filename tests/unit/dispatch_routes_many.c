/* queue/queue_dispatch with more routes than CONCURRENCY: a worker
   serves one route, so a message of a route without an idle worker
   closes an idle worker of another route when all are started. Over
   many random arrivals and job ends: never more than CONCURRENCY
   workers live, each message goes once to a worker of its own route,
   a worker is started only when no idle one of the route exists, and
   every message goes out in the end. */
#include "dispatch_fake.h"
#include "tap.h"

#define NMSG 300
#define NROUTES 5
#define CONC 2

static void example (void)
{
  fake f;
  pool_worker *wa, *wb, *w;
  uint32_t s;
  gate_event ev;
  time_t t = 100;
  fake_init(&f, 3, 2);
  fake_msg(&f, 1, 0, t);
  fake_msg(&f, 2, 1, t);
  fake_msg(&f, 3, 2, t + 1);
  fake_msg(&f, 4, 1, t + 2);
  fake_next(&f, t, &wa, &s);
  fake_next(&f, t, &wb, &s);
  tap_ok(wa && wb && f.started == 2, "routes 0 and 1: a worker each");
  fake_result(&f, wa, "smtp", 250, "ok", t, &ev);
  fake_result(&f, wb, "smtp", 250, "ok", t, &ev);
  tap_is(fake_next(&f, t + 1, &w, &s), QUEUE_DISPATCH_GO, "route 2's message goes with both workers idle");
  tap_ok(f.started == 3 && pool_live(&f.pool) == 2 && pool_worker_live(wb) && queue_dispatch_task(w)->route == 2, "route 0's idle worker was closed for it (CONCURRENCY 2)");
  tap_is(fake_next(&f, t + 2, &w, &s), QUEUE_DISPATCH_GO, "route 1's next message goes");
  tap_ok(w == wb && f.started == 3, "to route 1's idle worker: none closed, none started");
}

static void invariants (void)
{
  fake f;
  pool_worker *busy[CONC + 1];
  unsigned int nbusy = 0, sent = 0, i, step;
  int over = 0, wrong = 0, needless = 0;
  static unsigned char out[NMSG];
  uint32_t slot0 = 0;
  time_t t = 1000;
  srandom(11);
  fake_init(&f, NROUTES, CONC);
  for (i = 0; i < NMSG; i++)
  {
    uint32_t s = fake_msg(&f, 2000 + i, (unsigned int)random() % NROUTES, t + (time_t)(random() % 200));
    if (!i) slot0 = s;
  }
  for (step = 0; step < 10000 && sent < NMSG; step++)
  {
    pool_worker *w;
    uint32_t s;
    unsigned int k, idle_of_route = 0, before = f.started;
    queue_dispatch_pick p;
    t++;
    /* a job ends now and then */
    if (nbusy && random() % 2)
    {
      gate_event ev;
      k = (unsigned int)random() % nbusy;
      fake_result(&f, busy[k], "smtp", 250, "ok", t, &ev);
      busy[k] = busy[--nbusy];
    }
    /* the first due message's route, and whether an idle worker serves it */
    if (queue_dispatch_due(&f.d, t, 0))
    {
      prioq_elt e;
      prioq_min(&f.sched.q, &e);
      p.route = queue_dispatch_route(&f.d, e.item);
      for (k = 0; k < pool_n(&f.pool); k++)
        if (pool_worker_live(pool_at(&f.pool, k)) && !pool_at(&f.pool, k)->busy && queue_dispatch_task(pool_at(&f.pool, k))->route == p.route) idle_of_route = 1;
    }
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO) continue;
    if (out[s - slot0]++) wrong++;
    if (queue_dispatch_task(w)->route != queue_dispatch_route(&f.d, s)) wrong++;
    if (idle_of_route && f.started != before) needless++;
    if (pool_live(&f.pool) > CONC) over++;
    busy[nbusy++] = w;
    sent++;
  }
  tap_is(sent, NMSG, "every message went out");
  tap_is(over, 0, "never more than CONCURRENCY workers live");
  tap_is(wrong, 0, "each message once, to a worker of its route");
  tap_is(needless, 0, "no worker started while an idle one of the route was there");
  printf("# %u workers started for %u messages over %u routes, CONCURRENCY %u\n", f.started, NMSG, NROUTES, CONC);
}

int main (void)
{
  tap_plan(9);
  example();
  invariants();
  return tap_done();
}
