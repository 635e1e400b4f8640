/* queue/queue_dispatch over 200 random set-ups: 1 to 8 routes,
   CONCURRENCY 1 to 4, with or without a session limit per route (some
   routes' upstreams refusing sessions as too many), 150 messages at
   random times, jobs ending at random. In every one: every message goes
   out, once, to a worker of its route; never more than CONCURRENCY
   workers live, nor more than a route's limit on it; no worker started
   while an idle one of the route was there; no worker closed while its
   route had due mail before it carried QUEUE_DISPATCH_RUN messages; and
   when nothing can go, the loop is told so and to sleep (no busy loop). */
#include "dispatch_fake.h"
#include "tap.h"

#define NMSG 150
#define TOOMANY "421 Too many concurrent SMTP connections from this IP address"

typedef struct tally_s tally;
struct tally_s
{
  unsigned int runs, unsent, wrong, over, needless, early, spin, starts, msgs;
};

/* The live workers before a decision, to see which it closed. */
typedef struct seen_s seen;
struct seen_s
{
  pool_worker *w;
  unsigned int route, run;
};

static void one (unsigned int seed, tally *y)
{
  fake f;
  route_conc rc = ROUTE_CONC_ZERO;
  pool_worker *busy[8];
  unsigned int nroutes, conc, nbusy = 0, sent = 0, i, step;
  int per;
  static unsigned char out[NMSG];
  uint32_t slot0 = 0;
  time_t t = 1000;
  srandom(seed);
  nroutes = 1 + (unsigned int)random() % 8;
  conc = 1 + (unsigned int)random() % 4;
  per = nroutes > 1 && random() % 2;
  fake_init(&f, nroutes, conc);
  if (per) { route_conc_init(&rc, nroutes, conc); f.d.rconc = &rc; }
  memset(out, 0, sizeof out);
  for (i = 0; i < NMSG; i++)
  {
    uint32_t s = fake_msg(&f, 5000 + i, (unsigned int)random() % nroutes, t + (time_t)(random() % 100));
    if (!i) slot0 = s;
  }
  for (step = 0; step < 20000 && sent < NMSG; step++)
  {
    pool_worker *w;
    uint32_t s;
    unsigned int k, nlive = 0, ndue = 0, before = f.started;
    unsigned char idle_of[8], due_of[8];
    seen live[8];
    t++;
    if (nbusy && random() % 2)
    {
      gate_event ev;
      int refuse;
      k = (unsigned int)random() % nbusy;
      /* with per-route limits, route 1's upstream takes one session */
      refuse = per && queue_dispatch_task(busy[k])->route == 1 && fake_busy_route(&f, 1) > 1 && random() % 2;
      if (fake_result(&f, busy[k], refuse ? "throttle" : "smtp", refuse ? 421 : 250, refuse ? TOOMANY : "ok", t, &ev) == UPCONC_REFUSED)
      {
        queue_sched_push(&f.sched, queue_dispatch_task(busy[k])->slot, t);
        sent--;
        out[queue_dispatch_task(busy[k])->slot - slot0]--;
      }
      busy[k] = busy[--nbusy];
    }
    memset(idle_of, 0, sizeof idle_of);
    memset(due_of, 0, sizeof due_of);
    for (k = 0; k < pool_n(&f.pool); k++)
    {
      pool_worker *x = pool_at(&f.pool, k);
      if (!pool_worker_live(x)) continue;
      if (!x->busy) idle_of[queue_dispatch_task(x)->route] = 1;
      live[nlive].w = x;
      live[nlive].route = queue_dispatch_task(x)->route;
      live[nlive++].run = queue_dispatch_task(x)->run;
    }
    for (k = 0; k < prioq_len(&f.sched.q); k++)
      if (prioq_at(&f.sched.q, k)->key <= t) { due_of[queue_dispatch_route(&f.d, prioq_at(&f.sched.q, k)->item)] = 1; ndue++; }
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO)
    {
      /* nothing can go: the loop is told so, and to sleep */
      if (queue_dispatch_progress(&f.d, t, 0) || queue_dispatch_wake(&f.d, t, 0, t + 600) <= t) y->spin++;
      continue;
    }
    for (k = 0; k < nlive && ndue <= QUEUE_DISPATCH_LOOK; k++)
    {
      int closed = !pool_worker_live(live[k].w) || (live[k].w == w && f.started != before);
      if (closed && due_of[live[k].route] && live[k].run < QUEUE_DISPATCH_RUN) y->early++;
    }
    if (out[s - slot0]++) y->wrong++;
    if (queue_dispatch_task(w)->route != queue_dispatch_route(&f.d, s)) y->wrong++;
    if (idle_of[queue_dispatch_task(w)->route] && f.started != before) y->needless++;
    if (pool_live(&f.pool) > conc) y->over++;
    if (per)
      for (k = 0; k < nroutes; k++)
        if (fake_busy_route(&f, k) > route_conc_get(&rc, k)->limit) y->over++;
    busy[nbusy++] = w;
    sent++;
  }
  y->runs++;
  y->unsent += NMSG - sent;
  y->starts += f.started;
  y->msgs += NMSG;
  if (per) route_conc_free(&rc);
}

int main (void)
{
  tally y;
  unsigned int seed;
  memset(&y, 0, sizeof y);
  tap_plan(7);
  for (seed = 1; seed <= 200; seed++) one(seed, &y);
  tap_is(y.unsent, 0, "every message went out in every set-up");
  tap_is(y.wrong, 0, "each once, to a worker of its route");
  tap_is(y.over, 0, "never more than CONCURRENCY live, nor more busy on a route than its limit");
  tap_is(y.needless, 0, "no worker started while an idle one of the route was there");
  tap_is(y.early, 0, "no worker closed while its route had due mail, before its run");
  tap_is(y.spin, 0, "when nothing can go, progress says so and the wake is later (no busy loop)");
  tap_ok(y.starts * 4 < y.msgs, "fewer than one worker start per 4 messages over all");
  printf("# %u worker starts for %u messages in %u set-ups\n", y.starts, y.msgs, y.runs);
  return tap_done();
}
