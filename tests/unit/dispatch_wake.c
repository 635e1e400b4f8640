/* queue/queue_dispatch and lib/bounce: when the loop wakes for the
   schedule. A kept message is tried next at the earliest of its RETRY
   delay, its expiry and its delay warning (bounce_next), and the loop
   wakes at that time, or when the gate reopens if that is later (a
   hold, pacing), never for a shut gate with no reopening time (a
   probe out, the queue held) nor while every session is busy. */
#include "dispatch_fake.h"
#include "bounce.h"
#include "tap.h"

static void next_attempt (void)
{
  bounce b = BOUNCE_ZERO;
  time_t arrival = 100000, t;
  b.lifetime = 7200;
  b.delaywarn = 3600;
  t = arrival + 60;
  tap_is(bounce_next(&b, arrival, t, 0, t + 540), t + 540, "young message: the RETRY delay");
  t = arrival + 3500;
  tap_is(bounce_next(&b, arrival, t, 0, t + 3600), arrival + 3600, "the delay warning falls first: then");
  tap_is(bounce_next(&b, arrival, t, 1, t + 5000), arrival + 7200, "warned already: the expiry");
  tap_is(bounce_next(&b, arrival, t, 1, t + 60), t + 60, "the RETRY delay when it comes first");
  t = arrival + 7000;
  tap_is(bounce_next(&b, arrival, t, 0, t + 3600), arrival + 7200, "the warning's moment is past (it failed to queue): the expiry");
  t = arrival + 9000;
  tap_is(bounce_next(&b, arrival, t, 0, t + 3600), t + 3600, "expired during a pause: the RETRY delay, never a time past");
  b.delaywarn = 0;
  t = arrival + 3500;
  tap_is(bounce_next(&b, arrival, t, 0, t + 5000), arrival + 7200, "no DELAYWARN: only the expiry");
}

static void wake (void)
{
  fake f;
  pool_worker *w;
  uint32_t s;
  gate_event ev;
  time_t t = 50000, latest = t + 600;
  fake_init(&f, 0, 2);
  tap_is(queue_dispatch_wake(&f.d, t, 0, latest), latest, "nothing queued: the latest (RESCAN)");
  fake_msg(&f, 1000, 0, t + 100);
  tap_is(queue_dispatch_wake(&f.d, t, 0, latest), t + 100, "the first message's time");
  tap_is(queue_dispatch_wake(&f.d, t, 0, t + 50), t + 50, "at most the latest");
  tap_is(queue_dispatch_wake(&f.d, t, 1, latest), latest, "held or stopping: the latest");
  fake_msg(&f, 1001, 0, t);
  tap_is(queue_dispatch_wake(&f.d, t, 0, latest), t, "a message due: now");
  fake_next(&f, t, &w, &s);
  fake_result(&f, w, "throttle", 421, "4.7.0 try later", t, &ev);
  tap_is(queue_dispatch_wake(&f.d, t, 0, latest), t + 100, "a hold until t+60 ends before the next message's time: that time");
  fake_msg(&f, 1002, 0, t + 10);
  tap_is(queue_dispatch_wake(&f.d, t, 0, latest), t + 60, "a message due before the hold ends: when the gate reopens");
  tap_is(queue_dispatch_wake(&f.d, t, 0, t + 30), t + 30, "at most the latest");
  fake_next(&f, t + 60, &w, &s);
  fake_result(&f, w, "auth", 535, "5.7.8 bad credentials", t + 60, &ev);
  tap_is(ev.what, GATE_PAUSED, "a refused password pauses the queue");
  queue_sched_push(&f.sched, s, t + 60);  /* the round: tried again */
  tap_is(queue_dispatch_wake(&f.d, t + 60, 0, latest), t + 90, "the wake is the probe's time");
  fake_next(&f, t + 90, &w, &s);
  tap_ok(w && queue_dispatch_task(w)->probe, "the probe goes");
  tap_is(queue_dispatch_wake(&f.d, t + 90, 0, latest), latest, "while it is out, nothing wakes the loop but the latest");
}

int main (void)
{
  tap_plan(19);
  next_attempt();
  wake();
  return tap_done();
}
