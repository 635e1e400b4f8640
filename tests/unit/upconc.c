/* lib/upconc: the session limit of an upstream that caps connections,
   with lib/gate beside it as smarthost-send uses them. */
#include <string.h>
#include "gate.h"
#include "upconc.h"
#include "tap.h"

static unsigned int const retry[3] = { 60, 240, 540 };

/* What real servers say, and what merely looks close. */
static void texts (void)
{
  static char const *const yes[] = {
    "the upstream refused the connection: 421 Too many concurrent SMTP connections from this IP address; please try again later.",
    "421 Too many concurrent SMTP connections; please try again later.",
    "too many connections from that IP address",
    "4.7.0 mx.example.net Error: too many connections from 192.0.2.7",
    "4.3.2 The maximum number of concurrent server connections has exceeded a limit, closing transmission channel",
    "too many sessions from 192.0.2.7",
    "4.3.2 Too many open connections",
    "TOO MANY CONNECTIONS",
    0 };
  static char const *const no[] = {
    "4.7.0 Try again later, closing connection.",
    "4.3.2 Connection rate limit exceeded.",
    "too many messages in this connection",
    "too many recipients",
    "4.7.1 too many errors on this connection",
    "",
    0 };
  unsigned int i;
  int good = 1;
  for (i = 0; yes[i]; i++) if (!upconc_toomany(421, yes[i])) { good = 0; printf("# missed: %s\n", yes[i]); }
  tap_ok(good, "421 texts that name too many connections are recognised");
  good = 1;
  for (i = 0; no[i]; i++) if (upconc_toomany(421, no[i])) { good = 0; printf("# wrongly matched: %s\n", no[i]); }
  tap_ok(good, "421 texts about rates, messages, errors or nothing are not");
  tap_ok(upconc_toomany(454, "4.7.0 Too many connections"), "454 counts too");
  tap_ok(!upconc_toomany(550, "too many connections") && !upconc_toomany(452, "too many connections"), "other codes do not");
  tap_ok(!upconc_toomany(421, 0), "no text: no");
}

/* Four sessions; the upstream allows two: the two beyond are refused. */
static void four_sessions_cap_two (void)
{
  upconc u;
  gate g;
  time_t t = 1000;
  unsigned int i, grew = 0;
  char const *toomany = "the upstream refused the connection: 421 4.7.0 Error: too many connections from 127.0.0.1";
  upconc_init(&u, 4);
  gate_init(&g, retry, 3, 0, 0);
  tap_is(u.limit, 4, "the limit starts at CONCURRENCY");
  tap_is(upconc_job(&u, "throttle", 421, toomany, 3, t), UPCONC_REFUSED, "a too-many refusal with three other sessions open is absorbed");
  tap_is(upconc_job(&u, "throttle", 421, toomany, 2, t), UPCONC_REFUSED, "and the second one");
  tap_is(u.limit, 2, "two refusals: limit 2");
  tap_is(gate_when(&g, t), 0, "the gate is not held: the working sessions go on");
  tap_is(upconc_job(&u, "smtp", 250, "ok", 1, t), UPCONC_NONE, "a success right after does not grow the limit yet");
  for (i = 0; i < 200 && u.limit < 4; i++)
  {
    t += 5;
    if (upconc_job(&u, "smtp", 250, "ok", 1, t) == UPCONC_GREW) grew++;
  }
  tap_is(u.limit, 4, "successes bring the limit back to CONCURRENCY");
  tap_is(grew, 2, "one session at a time");
  tap_ok(i + 1 >= 2 * UPCONC_GROW_OK && t - 1000 >= 2 * UPCONC_GROW_SECS, "and slowly");
  for (i = 0; i < 100; i++) upconc_job(&u, "smtp", 250, "ok", 1, t += 100);
  tap_is(u.limit, 4, "never above CONCURRENCY");
  upconc_job(&u, "throttle", 421, toomany, 3, t);
  upconc_job(&u, "throttle", 421, toomany, 2, t);
  upconc_job(&u, "throttle", 421, toomany, 1, t);
  tap_is(upconc_job(&u, "throttle", 421, toomany, 1, t), UPCONC_REFUSED, "a refusal at limit 1 with another session open is still absorbed");
  tap_is(u.limit, 1, "and the limit stays at 1, never 0");
  tap_is(u.refused, 6, "refusals are counted");
  gate_free(&g);
}

/* Nothing works, or the 421 says something else: the gate's hold, as before. */
static void hold_as_before (void)
{
  upconc u;
  gate g;
  gate_event ev;
  time_t t = 5000;
  upconc_init(&u, 4);
  gate_init(&g, retry, 3, 0, 0);
  tap_is(upconc_job(&u, "throttle", 421, "the upstream refused the connection: 421 4.7.0 Try again later", 3, t), UPCONC_NONE,
    "a 421 without that text is not absorbed");
  gate_result(&g, "throttle", 0, t, &ev);
  tap_ok(ev.what == GATE_HELD && ev.delay == 60 && gate_when(&g, t) == t + 60, "so the gate holds the queue, as before");
  tap_is(u.limit, 4, "and the limit is untouched");
  tap_is(upconc_job(&u, "throttle", 421, "421 too many connections", 0, t), UPCONC_NONE, "too many, but no other session open: not absorbed");
  tap_is(u.limit, 4, "limit untouched");
  gate_result(&g, "throttle", 0, t, &ev);
  tap_is(ev.delay, 240, "a second throttle in a row holds longer");
  gate_result(&g, "smtp", 0, t + 1, &ev);
  tap_is(gate_when(&g, t + 1), 0, "a success lifts the hold");
  gate_result(&g, "throttle", 0, t + 2, &ev);
  gate_result(&g, "smtp", 0, t + 3, &ev);
  gate_result(&g, "throttle", 0, t + 4, &ev);
  tap_is(ev.delay, 60, "holds do not escalate while deliveries succeed");
  gate_free(&g);
}

int main (void)
{
  tap_plan(26);
  texts();
  four_sessions_cap_two();
  hold_as_before();
  return tap_done();
}
