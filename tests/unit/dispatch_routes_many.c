/* queue/queue_dispatch with more routes than CONCURRENCY: a worker
   serves one route, so a message of a route without an idle worker
   closes an idle worker of another route when all are started. Over
   many random arrivals and job ends: never more than CONCURRENCY
   workers live, each message goes once to a worker of its own route,
   a worker is started only when no idle one of the route exists, a
   worker is closed while its route has due mail only after a run of
   QUEUE_DISPATCH_RUN messages, every message goes out in the end, and
   with far fewer worker starts than messages. */
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
  int over = 0, wrong = 0, needless = 0, early = 0, looked = 0;
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
    unsigned int k, before = f.started;
    unsigned char idle_of[NROUTES], due_of[NROUTES];
    pool_worker *live[CONC];
    unsigned int live_route[CONC], live_run[CONC];
    unsigned int nlive = 0, ndue = 0;
    t++;
    /* a job ends now and then */
    if (nbusy && random() % 2)
    {
      gate_event ev;
      k = (unsigned int)random() % nbusy;
      fake_result(&f, busy[k], "smtp", 250, "ok", t, &ev);
      busy[k] = busy[--nbusy];
    }
    /* the routes an idle worker serves */
    memset(idle_of, 0, sizeof idle_of);
    for (k = 0; k < pool_n(&f.pool); k++)
      if (pool_worker_live(pool_at(&f.pool, k)) && !pool_at(&f.pool, k)->busy) idle_of[queue_dispatch_task(pool_at(&f.pool, k))->route] = 1;
    /* the routes with due mail, when a decision looks at all of it */
    memset(due_of, 0, sizeof due_of);
    for (k = 0; k < prioq_len(&f.sched.q); k++)
      if (prioq_at(&f.sched.q, k)->key <= t) { due_of[queue_dispatch_route(&f.d, prioq_at(&f.sched.q, k)->item)] = 1; ndue++; }
    for (k = 0; k < pool_n(&f.pool) && nlive < CONC; k++)
      if (pool_worker_live(pool_at(&f.pool, k)))
      {
        live[nlive] = pool_at(&f.pool, k);
        live_route[nlive] = queue_dispatch_task(live[nlive])->route;
        live_run[nlive] = queue_dispatch_task(live[nlive])->run;
        nlive++;
      }
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO) continue;
    /* a worker closed for another route's message (its slot perhaps
       reused at once by the new one) while its own had due mail: only
       after its run */
    for (k = 0; k < nlive && ndue <= QUEUE_DISPATCH_LOOK; k++)
    {
      int closed = !pool_worker_live(live[k]) || (live[k] == w && f.started != before);
      if (closed && due_of[live_route[k]] && live_run[k] < QUEUE_DISPATCH_RUN) early++;
      looked++;
    }
    if (out[s - slot0]++) wrong++;
    if (queue_dispatch_task(w)->route != queue_dispatch_route(&f.d, s)) wrong++;
    if (idle_of[queue_dispatch_task(w)->route] && f.started != before) needless++;
    if (pool_live(&f.pool) > CONC) over++;
    busy[nbusy++] = w;
    sent++;
  }
  tap_is(sent, NMSG, "every message went out");
  tap_is(over, 0, "never more than CONCURRENCY workers live");
  tap_is(wrong, 0, "each message once, to a worker of its route");
  tap_is(needless, 0, "no worker started while an idle one of the route was there");
  tap_ok(looked > 100 && !early, "no worker closed while its route had due mail, before its run");
  /* each worker carries a run of its route's due mail: a start per
     QUEUE_DISPATCH_RUN messages at most while routes compete, and one
     per change of route (239 starts when every message could close an
     idle worker of another route) */
  tap_ok(f.started <= NMSG / 10, "at most one worker start per 10 messages");
  printf("# %u workers started for %u messages over %u routes, CONCURRENCY %u\n", f.started, NMSG, NROUTES, CONC);
}

int main (void)
{
  tap_plan(11);
  example();
  invariants();
  return tap_done();
}
