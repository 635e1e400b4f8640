/* queue/queue_dispatch: which message goes to which worker when, without
   routes: the first due message to an idle worker, else to a new one
   while fewer than CONCURRENCY are live; nothing before its time, while
   the gate is shut or the queue held; and the upstream's session limit
   (lib/upconc) caps how many go at once; after a restart a message not
   due yet goes back by its state file, and a held one waits. */
#include "dispatch_fake.h"
#include "tap.h"

static void who_when (void)
{
  fake f;
  pool_worker *w1, *w2, *w3, *w;
  uint32_t a, b, c, s;
  time_t t = 1000;
  fake_init(&f, 0, 2);
  a = fake_msg(&f, 900, 0, t);
  b = fake_msg(&f, 800, 0, t);
  c = fake_msg(&f, 700, 0, t + 60);
  tap_ok(queue_dispatch_due(&f.d, t, 0), "a message is due");
  tap_ok(!queue_dispatch_due(&f.d, t, 1), "not while the queue is held or stopping");
  tap_is(fake_next(&f, t, &w1, &s), QUEUE_DISPATCH_GO, "the first goes");
  tap_ok(s == b && f.started == 1, "the older of the two due at the same second, to a worker started for it");
  tap_is(fake_next(&f, t, &w2, &s), QUEUE_DISPATCH_GO, "the second goes too");
  tap_ok(s == a && w2 != w1 && f.started == 2, "to a second worker: the first is busy");
  tap_is(fake_next(&f, t + 60, &w3, &s), QUEUE_DISPATCH_NONE, "the third, due, waits: both workers busy (CONCURRENCY 2)");
  tap_ok(!queue_dispatch_progress(&f.d, t + 60, 0), "and the loop has nothing to do now");
  tap_is(queue_sched_msg(&f.sched, c)->id[0] != 0 && prioq_len(&f.sched.q), 1, "it is still in the schedule");
  w1->busy = 0;
  tap_is(fake_next(&f, t + 59, &w, &s), QUEUE_DISPATCH_NONE, "a worker is idle, but nothing is due before its time");
  tap_ok(queue_dispatch_progress(&f.d, t + 60, 0), "at its time the loop can go on");
  tap_is(fake_next(&f, t + 60, &w, &s), QUEUE_DISPATCH_GO, "then it goes");
  tap_ok(s == c && w == w1 && f.started == 2, "to the idle worker: none started");
  tap_is(fake_next(&f, t + 60, &w, &s), QUEUE_DISPATCH_NONE, "the schedule is empty");
}

static void gate_shut (void)
{
  fake f;
  pool_worker *w;
  uint32_t s;
  gate_event ev;
  time_t t = 2000;
  fake_init(&f, 0, 4);
  fake_msg(&f, 1000, 0, t);
  fake_msg(&f, 1001, 0, t);
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_GO, "the first goes");
  fake_result(&f, w, "throttle", 421, "4.7.0 slow down", t, &ev);
  tap_is(ev.what, GATE_HELD, "the upstream throttles: the gate holds");
  tap_is(fake_next(&f, t, &w, &s), QUEUE_DISPATCH_NONE, "the other message waits, workers idle or not");
  tap_is(queue_dispatch_gate_at(&f.d, t, 0), t + 60, "until the hold ends");
  tap_is(fake_next(&f, t + 60, &w, &s), QUEUE_DISPATCH_GO, "then it goes");
}

static void session_limit (void)
{
  fake f;
  pool_worker *w[4], *x;
  uint32_t s;
  gate_event ev;
  unsigned int i;
  time_t t = 3000;
  char const *toomany = "421 4.7.0 Error: too many connections from 127.0.0.1";
  fake_init(&f, 0, 4);
  for (i = 0; i < 8; i++) fake_msg(&f, 1000 + i, 0, t);
  for (i = 0; i < 4; i++) fake_next(&f, t, &w[i], &s);
  tap_ok(w[0] && w[1] && w[2] && w[3] && pool_busy(&f.pool) == 4, "four at once: CONCURRENCY 4");
  tap_is(fake_result(&f, w[3], "throttle", 421, toomany, t, &ev), UPCONC_REFUSED, "the fourth session is refused as too many");
  tap_ok(ev.what == GATE_NONE && !queue_dispatch_gate_at(&f.d, t, 0), "the gate is not told: the others go on");
  tap_ok(!pool_worker_live(w[3]) && f.conc.limit == 3 && f.pool.max == 3, "its worker ends, the limit is 3");
  queue_sched_push(&f.sched, queue_dispatch_task(w[3])->slot, t);  /* what the round does: tried again */
  tap_is(fake_next(&f, t, &x, &s), QUEUE_DISPATCH_NONE, "three busy: the limit caps dispatch");
  tap_ok(!queue_dispatch_progress(&f.d, t, 0), "and the loop does not spin on it");
  tap_is(queue_dispatch_wake(&f.d, t, 0, t + 600), t + 600, "nor wakes for the schedule while every session is busy");
  fake_result(&f, w[2], "throttle", 421, toomany, t, &ev);
  fake_result(&f, w[1], "smtp", 250, "ok", t, &ev);
  tap_ok(f.conc.limit == 2 && pool_live(&f.pool) == 2, "a second refusal: 2 sessions, and no idle worker beyond them");
  tap_is(fake_next(&f, t, &x, &s), QUEUE_DISPATCH_GO, "an idle one of the two takes the next message");
  tap_ok(x == w[1] && pool_live(&f.pool) == 2, "without starting a third");
  tap_is(fake_next(&f, t, &x, &s), QUEUE_DISPATCH_NONE, "then the limit caps dispatch again");
}

static void look (void)
{
  fake f;
  uint32_t a, b;
  char id[QUEUE_ID_SIZE];
  time_t t = 4000;
  fake_init(&f, 0, 2);
  a = fake_msg(&f, 1000, 0, t);
  memcpy(id, queue_sched_msg(&f.sched, a)->id, QUEUE_ID_SIZE);
  queue_sched_free(&f.sched, a);
  queue_sched_new(&f.sched, id, QUEUE_SCHED_UNKNOWN, &a);
  b = fake_msg(&f, 1001, 0, t);
  queue_sched_msg(&f.sched, b)->flags |= QUEUE_SCHED_HELD;
  tap_is(queue_dispatch_look(&f.d, a, 1, t + 300, t), QUEUE_DISPATCH_LATER, "after a restart, a message whose state says later goes back to the schedule");
  tap_is(queue_dispatch_look(&f.d, a, 1, t + 300, t), QUEUE_DISPATCH_TRY, "only once: when it comes out again it is tried");
  tap_is(queue_dispatch_look(&f.d, b, 1, t - 10, t), QUEUE_DISPATCH_HELD, "a held message is not tried");
  tap_ok(queue_sched_msg(&f.sched, b)->flags & QUEUE_SCHED_PARKED, "and is out of the schedule until released");
}

int main (void)
{
  tap_plan(34);
  who_when();
  look();
  gate_shut();
  session_limit();
  return tap_done();
}
