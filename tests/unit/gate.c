/* lib/gate: the policy of pause, hold and pacing, with a clock of our own. */
#include <errno.h>
#include <stdlib.h>
#include "gate.h"
#include "tap.h"

static unsigned int const retry[3] = { 60, 240, 540 };

static void hold_then_success (void)
{
  gate g;
  gate_event ev;
  time_t t = 1000;
  gate_init(&g, retry, 3, 0, 0);
  tap_is(gate_when(&g, t), 0, "open at first");
  gate_send(&g, t);
  gate_result(&g, "throttle", 0, t, &ev);
  tap_ok(ev.what == GATE_HELD && ev.delay == 60, "421: the queue is held for the first RETRY delay");
  tap_is(gate_when(&g, t + 1), t + 60, "nothing goes until then");
  t += 60;
  tap_is(gate_when(&g, t), 0, "then it opens");
  gate_send(&g, t);
  gate_result(&g, "throttle", 0, t, &ev);
  tap_ok(ev.what == GATE_HELD && ev.delay == 240, "454 next: held longer (the second delay)");
  tap_is(gate_when(&g, t), t + 240, "until then");
  t += 240;
  gate_send(&g, t);
  gate_result(&g, "smtp", 0, t, &ev);
  tap_ok(ev.what == GATE_NONE && gate_when(&g, t) == 0, "success: open, nothing to say");
  gate_send(&g, t);
  gate_result(&g, "throttle", 0, t, &ev);
  tap_is(ev.delay, 60, "and the next hold starts again from the first delay");
  gate_open(&g);
  tap_is(gate_when(&g, t), 0, "retry now (SIGALRM) opens a hold");
  gate_free(&g);
}

static void pause_and_probe (void)
{
  gate g;
  gate_event ev;
  time_t t = 5000;
  int probe;
  static unsigned int const slow[1] = { 1000 };
  gate_init(&g, retry, 3, 0, 0);
  gate_set_probe(&g, slow, 1);   /* here RETRY's steps are the shorter */
  gate_send(&g, t);
  gate_send(&g, t);
  gate_result(&g, "auth", 0, t, &ev);
  tap_ok(ev.what == GATE_PAUSED && ev.delay == 60 && g.pause_class && !strcmp(g.pause_class, "auth"), "535: paused, probe in 60 s");
  gate_result(&g, "auth", 0, t + 1, &ev);
  tap_is(ev.what, GATE_NONE, "a second job of the same time only confirms it");
  tap_is(gate_when(&g, t + 10), t + 60, "no message before the probe");
  t += 60;
  probe = gate_send(&g, t);
  tap_ok(probe, "the next message is the probe");
  tap_is(gate_when(&g, t), -1, "and nothing else goes while it is out");
  gate_result(&g, "auth", probe, t, &ev);
  tap_ok(ev.what == GATE_STILL_PAUSED && ev.delay == 240, "the probe fails: next in 240 s");
  t += 240;
  probe = gate_send(&g, t);
  gate_result(&g, "smtp", probe, t + 5, &ev);
  tap_ok(ev.what == GATE_RESUMED && ev.paused == 305, "the probe reaches SMTP: resumed, after 305 s");
  tap_ok(!g.pause_class && gate_when(&g, t + 5) == 0, "open again");
  tap_is(gate_send(&g, t + 5), 0, "and messages are no probes");
  gate_free(&g);
}

/* The upstream is down from t0 for 61 s, RETRY as shipped: the pause's
   probes follow their own short schedule and the first one after the
   upstream's return releases the queue, within one probe step. */
static void pause_recovers_promptly (void)
{
  static unsigned int const shipped[8] = { 60, 240, 540, 960, 1500, 2160, 2940, 3600 };
  gate g;
  gate_event ev;
  time_t const t0 = 100000, up = t0 + 61;
  time_t t = t0, released = 0;
  unsigned int i, steps = 0, maxstep = 0;
  gate_init(&g, shipped, 8, 0, 0);
  for (i = 0; i < GATE_NETFAIL_MAX; i++) gate_result(&g, "network", 0, t, &ev);
  tap_ok(ev.what == GATE_PAUSED && ev.delay == 30, "paused: the first probe in 30 s, not RETRY's 60");
  for (i = 0; i < 20 && !released; i++)
  {
    time_t w = gate_when(&g, t);
    int probe;
    if (w > t) t = w;
    probe = gate_send(&g, t);
    gate_result(&g, t >= up ? "smtp" : "network", probe, t, &ev);
    if (ev.what == GATE_STILL_PAUSED && ev.delay > maxstep) maxstep = ev.delay;
    if (ev.what == GATE_RESUMED) released = t;
    steps++;
  }
  tap_ok(released && released - up <= 60, "down for 61 s: released within one probe step of its return");
  tap_is(steps, 2, "by the second probe (at 30 s it fails, at 90 s it passes)");
  tap_ok(!g.pause_class && gate_when(&g, released) == 0, "and everything goes at once");
  gate_free(&g);

  /* a long pause: the probe steps grow to the last one and stay there */
  gate_init(&g, shipped, 8, 0, 0);
  t = t0;
  for (i = 0; i < GATE_NETFAIL_MAX; i++) gate_result(&g, "network", 0, t, &ev);
  for (i = 0; i < 50; i++)
  {
    t = gate_when(&g, t);
    gate_result(&g, "network", gate_send(&g, t), t, &ev);
  }
  tap_is(ev.delay, 300, "an upstream down for hours is probed every 300 s, not every 3600");
  tap_is(gate_probe_delay(&g, 1), 60, "the probe step is the shorter of both schedules (60 vs 240)");
  gate_free(&g);
}

static void schedule_parse (void)
{
  unsigned int n = 0, *v;
  static char const *const bad[] = { "", ",", "30,", ",30", "30,,60", "3x", "-1", "1234567890", " 30" };
  unsigned int i, refused = 0;
  v = gate_schedule_parse("30,60,0,300", &n);
  tap_ok(v && n == 4 && v[0] == 30 && v[1] == 60 && v[2] == 1 && v[3] == 300, "a schedule parses; a 0 counts as 1");
  free(v);
  for (i = 0; i < sizeof bad / sizeof *bad; i++)
  {
    v = gate_schedule_parse(bad[i], &n);
    if (!v && errno == EINVAL) refused++;
    free(v);
  }
  tap_is(refused, sizeof bad / sizeof *bad, "malformed schedules are refused");
}

static void network (void)
{
  gate g;
  gate_event ev;
  unsigned int i;
  gate_init(&g, retry, 3, 0, 0);
  for (i = 0; i < GATE_NETFAIL_MAX - 1; i++)
  {
    gate_result(&g, "network", 0, 100, &ev);
    if (ev.what != GATE_NONE) break;
  }
  tap_is(i, GATE_NETFAIL_MAX - 1, "network failures below the run's length: no pause");
  gate_result(&g, "smtp", 0, 100, &ev);
  for (i = 0; i < GATE_NETFAIL_MAX; i++) gate_result(&g, "network", 0, 100, &ev);
  tap_ok(ev.what == GATE_PAUSED && !strcmp(g.pause_class, "network"), "an SMTP answer resets the count; a full run pauses");
  gate_free(&g);
}

static void pacing (void)
{
  gate g;
  time_t t = 10000;
  unsigned int i, sent = 0;
  gate_init(&g, retry, 3, 5, 0);
  /* one second at a time for two minutes, sending whenever the gate lets */
  for (i = 0; i < 120; i++, t++)
    while (!gate_when(&g, t)) { gate_send(&g, t); sent++; if (sent > 1000) break; }
  tap_is(sent, 10, "RATE_MINUTE=5: ten messages in two minutes");
  tap_is(gate_when(&g, t - 1), 10060 + 60, "the next one waits for the oldest in the window to age out");
  gate_free(&g);
  gate_init(&g, retry, 3, 0, 0);
  for (i = 0, sent = 0; i < 100000; i++) if (!gate_when(&g, 1)) { gate_send(&g, 1); sent++; }
  tap_is(sent, 100000, "without limits nothing waits");
  gate_free(&g);
}

int main (void)
{
  tap_plan(33);
  hold_then_success();
  pause_and_probe();
  pause_recovers_promptly();
  schedule_parse();
  network();
  pacing();
  tap_ok(gate_class_broken("tls") && gate_class_broken("config") && !gate_class_broken("network") && !gate_class_broken("throttle"), "the broken classes");
  tap_ok(strstr(gate_advice("auth"), "UPSTREAM_PASSFILE") != 0, "advice names what to check");
  return tap_done();
}
