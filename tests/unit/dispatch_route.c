/* queue/queue_dispatch with ROUTES: a message's route is asked once; a
   paused route's messages wait (parked for its probe's time) while
   another route's go; the probe goes alone; when the probe reaches the
   upstream the route's parked messages are due at once. */
#include "dispatch_fake.h"
#include "tap.h"

static void paused_route_waits (void)
{
  fake f;
  pool_worker *w, *wa;
  uint32_t s, a1, a2, b1, b2;
  gate_event ev;
  time_t t = 10000;
  prioq_elt e;
  fake_init(&f, 3, 4);
  a1 = fake_msg(&f, 1000, 1, t);
  a2 = fake_msg(&f, 1001, 1, t);
  b1 = fake_msg(&f, 1002, 2, t);
  b2 = fake_msg(&f, 1003, 2, t + 5);
  tap_is(fake_next(&f, t, &wa, &s), QUEUE_DISPATCH_GO, "the first message goes");
  tap_ok(s == a1 && queue_dispatch_task(wa)->route == 1, "route 1's, to a worker of route 1");
  tap_is(f.asked, 1, "its route asked once");
  fake_result(&f, wa, "auth", 535, "5.7.8 bad credentials", t, &ev);
  tap_is(ev.what, GATE_PAUSED, "route 1's password is refused: route 1 pauses");
  tap_ok(queue_dispatch_gate(&f.d, 2)->pause_class == 0 && !gate_when(&f.gate, t), "route 2 and the relay's gate are open");
  queue_sched_push(&f.sched, a1, t);  /* the round: tried again */
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_PARKED, "route 1's first message is parked");
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_PARKED, "and its second");
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_GO, "route 2's goes meanwhile");
  tap_ok(s == b1 && w != wa && queue_dispatch_task(w)->route == 2, "to a worker of route 2");
  fake_result(&f, w, "smtp", 250, "ok", t, &ev);
  tap_ok(prioq_min(&f.sched.q, &e) && e.key == t + 5 && e.item == b2, "route 2's next is first, at its own time");
  tap_is(fake_next(&f, t + 5, &w, &s), QUEUE_DISPATCH_GO, "and goes then");
  tap_ok(s == b2 && queue_dispatch_task(w)->route == 2, "route 2's worker again");
  tap_ok(f.asked == 4, "each message's route asked once, parking and all");
  tap_is(fake_next(&f, t + 29, &w, &s), QUEUE_DISPATCH_NONE, "route 1 waits for its probe time");
  tap_is(fake_next(&f, t + 30, &w, &s), QUEUE_DISPATCH_GO, "at the probe time one goes");
  tap_ok(queue_dispatch_task(w)->probe && queue_dispatch_task(w)->route == 1, "as route 1's probe");
  tap_is(fake_next(&f, t + 30, &wa, &s), QUEUE_DISPATCH_PARKED, "the other waits while the probe is out");
  tap_ok(prioq_min(&f.sched.q, &e) && e.key == t + 30 + QUEUE_DISPATCH_PARK, "parked for a few seconds, not for ever");
  fake_result(&f, w, "smtp", 250, "ok", t + 31, &ev);
  tap_is(ev.what, GATE_RESUMED, "the probe gets through: route 1 resumes");
  tap_ok(prioq_min(&f.sched.q, &e) && e.key == t + 31 && (e.item == a1 || e.item == a2), "its parked message is due at once");
  tap_is(fake_next(&f, t + 31, &w, &s), QUEUE_DISPATCH_GO, "and goes");
}

static void without_routes (void)
{
  fake f;
  pool_worker *w;
  uint32_t s;
  fake_init(&f, 0, 2);
  fake_msg(&f, 1000, 3, 500);
  tap_is(fake_next(&f, 500, &w, &s), QUEUE_DISPATCH_GO, "without ROUTES a message goes");
  tap_ok(f.asked == 0 && queue_dispatch_task(w)->route == 0, "as route 0, its file never read for a route");
}

int main (void)
{
  tap_plan(23);
  paused_route_waits();
  without_routes();
  return tap_done();
}
