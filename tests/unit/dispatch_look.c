/* queue/queue_dispatch looks past the first due message: a route at its
   own session limit holds back no other route's due mail; an idle
   worker takes its route's due mail before another route's message
   closes it, for a run of QUEUE_DISPATCH_RUN messages while another
   route waits, and then yields; when due mail cannot go the loop does
   not spin (the wake); and the workers counted in the struct match the
   pool after every decision of a random run with per-route limits. */
#include "dispatch_fake.h"
#include "tap.h"

#define TOOMANY "421 Too many concurrent SMTP connections from this IP address"

/* Route 1's upstream takes one session: its other messages wait at the
   front of the schedule while route 2's go. */
static void head_of_line (void)
{
  fake f;
  route_conc rc = ROUTE_CONC_ZERO;
  pool_worker *wa, *w;
  uint32_t s, b1, b2;
  time_t t = 5000;
  unsigned int i;
  fake_init(&f, 3, 4);
  route_conc_init(&rc, 3, 4);
  f.d.rconc = &rc;
  route_conc_get(&rc, 1)->limit = 1;
  for (i = 0; i < 5; i++) fake_msg(&f, 100 + i, 1, t);
  b1 = fake_msg(&f, 200, 2, t + 1);
  b2 = fake_msg(&f, 201, 2, t + 1);
  tap_is(fake_next(&f, t + 1, &wa, &s), QUEUE_DISPATCH_GO, "route 1's first message goes");
  tap_ok(fake_next(&f, t + 1, &w, &s) == QUEUE_DISPATCH_GO && s == b1 && queue_dispatch_task(w)->route == 2,
    "route 1 at its limit of one: route 2's message behind its four goes");
  tap_ok(fake_next(&f, t + 1, &w, &s) == QUEUE_DISPATCH_GO && s == b2, "and route 2's second");
  tap_is(fake_next(&f, t + 1, &w, &s), QUEUE_DISPATCH_NONE, "then nothing: route 1's four wait for its session");
  tap_ok(queue_dispatch_wake(&f.d, t + 1, 0, t + 600) == t + 600, "the loop sleeps until a result (no busy loop)");
  fake_msg(&f, 300, 2, t + 30);
  tap_ok(queue_dispatch_wake(&f.d, t + 1, 0, t + 600) == t + 30, "or until route 2's next message is due");
  tap_is(pool_live(&f.pool), 3, "no worker started for route 1");
  route_conc_free(&rc);
}

/* CONCURRENCY 1, two routes with plenty due: route 1's worker carries a
   run, then yields to route 2 (whose messages are older), and back. */
static void runs (void)
{
  fake f;
  pool_worker *w;
  uint32_t s;
  gate_event ev;
  time_t t = 7000;
  unsigned int i, carried = 0, first = 1, changes = 0, last = 9;
  fake_init(&f, 3, 1);
  for (i = 0; i < 3 * QUEUE_DISPATCH_RUN; i++) fake_msg(&f, 100 + i, 1, t);
  for (i = 0; i < 3 * QUEUE_DISPATCH_RUN; i++) fake_msg(&f, 500 + i, 2, t);
  /* route 1's worker is there first, with route 2's mail older */
  fake_next(&f, t, &w, &s);
  fake_result(&f, w, "smtp", 250, "ok", t, &ev);
  for (i = 0; i < 6 * QUEUE_DISPATCH_RUN - 1; i++)
  {
    unsigned int ri;
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO) break;
    ri = queue_dispatch_task(w)->route;
    if (ri != last) { changes++; last = ri; }
    if (first && ri == 1) carried++;
    else first = 0;
    fake_result(&f, w, "smtp", 250, "ok", t, &ev);
  }
  tap_is(i, 6 * QUEUE_DISPATCH_RUN - 1, "every message went out");
  tap_is(carried + 1, QUEUE_DISPATCH_RUN, "route 1's worker carried a run of QUEUE_DISPATCH_RUN, though route 2's mail was older");
  tap_is(f.started, 6, "then the routes took turns: one start per run");
  tap_is(changes, 6, "six runs");
}

/* A route with no due mail left yields its idle worker at once; one
   with due mail and no one waiting keeps it past its run. */
static void yields (void)
{
  fake f;
  pool_worker *wa, *w;
  uint32_t s;
  gate_event ev;
  time_t t = 9000;
  unsigned int i;
  fake_init(&f, 3, 1);
  for (i = 0; i < QUEUE_DISPATCH_RUN + 5; i++) fake_msg(&f, 100 + i, 1, t);
  for (i = 0; i < QUEUE_DISPATCH_RUN + 5; i++)
  {
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO) break;
    if (!i) wa = w;
    fake_result(&f, w, "smtp", 250, "ok", t, &ev);
  }
  tap_ok(i == QUEUE_DISPATCH_RUN + 5 && f.started == 1, "alone, a route's worker carries past its run");
  fake_msg(&f, 900, 2, t + 1);
  tap_ok(fake_next(&f, t + 1, &w, &s) == QUEUE_DISPATCH_GO && queue_dispatch_task(w)->route == 2 && f.started == 2,
    "route 1 without due mail: its idle worker closed for route 2");
  (void)wa;
}

/* The counts in the struct against a rescan of the pool, over random
   arrivals, results and session refusals on 4 routes, CONCURRENCY 3. */
static void counts (void)
{
  fake f;
  route_conc rc = ROUTE_CONC_ZERO;
  pool_worker *busy[8];
  unsigned int nbusy = 0, step, i, bad = 0, goes = 0;
  time_t t = 20000;
  srandom(154);
  fake_init(&f, 4, 3);
  route_conc_init(&rc, 4, 3);
  f.d.rconc = &rc;
  for (i = 0; i < 400; i++) fake_msg(&f, 3000 + i, (unsigned int)random() % 4, t + (time_t)(random() % 300));
  for (step = 0; step < 3000; step++)
  {
    pool_worker *w;
    uint32_t s;
    unsigned int live[4] = { 0, 0, 0, 0 }, nlive = 0, nidle = 0;
    t++;
    if (nbusy && random() % 2)
    {
      gate_event ev;
      unsigned int k = (unsigned int)random() % nbusy;
      int refuse = random() % 8 == 0;
      fake_result(&f, busy[k], refuse ? "throttle" : "smtp", refuse ? 421 : 250, refuse ? TOOMANY : "ok", t, &ev);
      busy[k] = busy[--nbusy];
    }
    if (fake_next(&f, t, &w, &s) == QUEUE_DISPATCH_GO) { busy[nbusy++] = w; goes++; }
    queue_dispatch_trim(&f.d);
    for (i = 0; i < pool_n(&f.pool); i++)
    {
      pool_worker *x = pool_at(&f.pool, i);
      if (!pool_worker_live(x)) continue;
      nlive++;
      live[queue_dispatch_task(x)->route]++;
      if (!x->busy) nidle++;
    }
    if (nlive != f.d.n.live || nidle != f.d.n.idle) bad++;
    for (i = 0; i < 4; i++)
    {
      pool_worker const *x = f.d.n.route_idle[i];
      if (live[i] != f.d.n.route_live[i]) bad++;
      if (x && (!pool_worker_live(x) || x->busy || queue_dispatch_task((pool_worker *)x)->route != i)) bad++;
      if (live[i] > route_conc_get(&rc, i)->limit) bad++;
    }
  }
  tap_ok(goes > 300, "messages went out");
  tap_is(bad, 0, "the counts match the pool after every decision, and no route is over its limit");
  route_conc_free(&rc);
}

int main (void)
{
  tap_plan(15);
  head_of_line();
  runs();
  yields();
  counts();
  return tap_done();
}
