/* queue/queue_dispatch with a session limit per route (route_conc): a
   route whose upstream refuses sessions as too many is held to fewer
   sessions, while another route still gets CONCURRENCY; a refusal counts
   the route's own other sessions, not the other routes'. */
#include "dispatch_fake.h"
#include "tap.h"

#define TOOMANY "421 Too many concurrent SMTP connections from this IP address"

int main (void)
{
  fake f;
  route_conc rc = ROUTE_CONC_ZERO;
  pool_worker *wa1, *w, *wb[4];
  uint32_t s;
  gate_event ev;
  time_t t = 10000;
  unsigned int i, refused = 0;
  tap_plan(11);
  fake_init(&f, 3, 4);
  route_conc_init(&rc, 3, 4);
  f.d.rconc = &rc;
  for (i = 0; i < 3; i++) fake_msg(&f, 1000 + i, 1, t);
  tap_is(fake_next(&f, t, &wa1, &s), QUEUE_DISPATCH_GO, "route 1's first message goes");
  /* its upstream takes one session: each second one is refused as too many */
  for (i = 0; i < 3; i++)
  {
    if (fake_next(&f, t, &w, &s) != QUEUE_DISPATCH_GO) break;
    if (fake_result(&f, w, "throttle", 421, TOOMANY, t, &ev) == UPCONC_REFUSED) refused++;
    queue_sched_push(&f.sched, s, t);
  }
  tap_is(refused, 3, "three sessions refused beside the working one: absorbed, the gate not told");
  tap_ok(route_conc_get(&rc, 1)->limit == 1 && ev.what == GATE_NONE, "route 1 is down to one session");
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_NONE, "its next message waits for its one session");
  tap_is(pool_live(&f.pool), 1, "no worker started for it");
  fake_result(&f, wa1, "smtp", 250, "ok", t, &ev);
  tap_ok(fake_next(&f, t, &w, &s) == QUEUE_DISPATCH_GO && w == wa1, "once free, that session takes it");
  fake_result(&f, wa1, "smtp", 250, "ok", t, &ev);
  fake_next(&f, t, &w, &s);
  fake_result(&f, w, "smtp", 250, "ok", t, &ev);
  /* route 2: four messages, four sessions */
  for (i = 0; i < 4; i++) fake_msg(&f, 2000 + i, 2, t + 1);
  for (i = 0; i < 4; i++) if (fake_next(&f, t + 1, &wb[i], &s) != QUEUE_DISPATCH_GO) break;
  tap_is(fake_busy_route(&f, 2), 4, "route 2 still gets CONCURRENCY sessions");
  tap_ok(route_conc_get(&rc, 2)->limit == 4, "its limit untouched by route 1's refusals");
  /* route 1 refused with none of its own open: a throttle, not absorbed,
     though route 2 has four open */
  fake_msg(&f, 3000, 1, t + 2);
  fake_result(&f, wb[3], "smtp", 250, "ok", t + 2, &ev);
  tap_ok(fake_next(&f, t + 2, &w, &s) == QUEUE_DISPATCH_GO && queue_dispatch_task(w)->route == 1, "route 1's next gets a session");
  tap_is(fake_result(&f, w, "throttle", 421, TOOMANY, t + 2, &ev), UPCONC_NONE,
    "refused with none of route 1's own besides: not absorbed (route 2's sessions do not count)");
  tap_ok(ev.what == GATE_HELD && route_conc_get(&rc, 1)->limit == 1 && route_conc_get(&rc, 2)->limit == 4,
    "route 1's gate holds it; the limits stay");
  route_conc_free(&rc);
  return tap_done();
}
