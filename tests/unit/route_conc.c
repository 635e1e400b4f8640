/* lib/upconc's route_conc: one session limit per route. A route whose
   upstream refuses sessions as too many loses sessions; the others keep
   theirs; a refusal while the route has no other session open is not
   absorbed (the gate's throttle decides), whatever other routes have
   open; growth and trimming are per route too. Then the same over many
   random sequences: the invariants hold for every route. */
#include <stdlib.h>
#include <string.h>
#include "upconc.h"
#include "tap.h"

#define TOOMANY "421 Too many concurrent SMTP connections from this IP address"

static void basics (void)
{
  route_conc rc = ROUTE_CONC_ZERO;
  unsigned int i;
  time_t t = 1000;
  tap_ok(route_conc_init(&rc, 3, 4), "three routes, CONCURRENCY 4");
  tap_ok(route_conc_get(&rc, 0)->limit == 4 && route_conc_get(&rc, 2)->limit == 4, "each starts at CONCURRENCY");
  tap_is(route_conc_job(&rc, 1, "throttle", 421, TOOMANY, 3, t), UPCONC_REFUSED, "route 1's upstream refuses a fourth session: absorbed");
  tap_ok(route_conc_get(&rc, 1)->limit == 3, "route 1's limit is 3");
  tap_ok(route_conc_get(&rc, 0)->limit == 4 && route_conc_get(&rc, 2)->limit == 4, "routes 0 and 2 keep 4");
  tap_ok(!route_conc_room(&rc, 1, 3) && route_conc_room(&rc, 2, 3), "route 1 has no room at 3 sessions, route 2 has");
  tap_is(route_conc_excess(&rc, 1, 4), 1, "one of route 1's four sessions is beyond its limit");
  tap_is(route_conc_excess(&rc, 2, 4), 0, "none of route 2's");
  tap_is(route_conc_job(&rc, 2, "throttle", 421, TOOMANY, 0, t), UPCONC_NONE,
    "route 2 refused with none of its own open (others' sessions do not count): not absorbed");
  tap_ok(route_conc_get(&rc, 2)->limit == 4, "and its limit is untouched");
  for (i = 0; i < 10; i++) route_conc_job(&rc, 1, "throttle", 421, TOOMANY, 2, t);
  tap_ok(route_conc_get(&rc, 1)->limit == 1, "refusals never take a route below 1");
  for (i = 0; i < UPCONC_GROW_OK; i++) route_conc_job(&rc, 1, "smtp", 250, "ok", 0, t + UPCONC_GROW_SECS);
  tap_ok(route_conc_get(&rc, 1)->limit == 2, "successes raise route 1 again, by one");
  tap_ok(route_conc_get(&rc, 7) == route_conc_get(&rc, 0), "a route out of range is route 0's");
  route_conc_free(&rc);
  tap_ok(route_conc_init(&rc, 0, 0) && rc.n == 1 && route_conc_get(&rc, 0)->limit == 1, "no routes: one limit, at least 1");
  route_conc_free(&rc);
}

/* Random jobs over 5 routes: limits stay within 1..max; a route's limit
   changes only with its own jobs; refused counts only what was absorbed. */
static void random_jobs (void)
{
  route_conc rc = ROUTE_CONC_ZERO;
  unsigned int before[5], refused[5] = { 0 };
  unsigned int k, i, bad = 0, leak = 0, count = 0;
  time_t t = 0;
  srand(1134);
  route_conc_init(&rc, 5, 6);
  for (k = 0; k < 20000; k++)
  {
    unsigned int r = rand() % 5, others = rand() % 7, what = rand() % 3, res;
    for (i = 0; i < 5; i++) before[i] = route_conc_get(&rc, i)->limit;
    t += rand() % 5;
    res = route_conc_job(&rc, r, what ? "smtp" : "throttle", what ? 250 : 421, what ? "ok" : TOOMANY, others, t);
    if (res == UPCONC_REFUSED) refused[r]++;
    for (i = 0; i < 5; i++)
    {
      unsigned int l = route_conc_get(&rc, i)->limit;
      if (l < 1 || l > 6) bad = 1;
      if (i != r && l != before[i]) leak = 1;
    }
  }
  for (i = 0; i < 5; i++) if (route_conc_get(&rc, i)->refused == refused[i]) count++;
  tap_ok(!bad, "20000 random jobs: every limit stays within 1..CONCURRENCY");
  tap_ok(!leak, "a route's limit moves only with its own jobs");
  tap_is(count, 5, "each route counts its own absorbed refusals");
  route_conc_free(&rc);
}

int main (void)
{
  tap_plan(17);
  basics();
  random_jobs();
  return tap_done();
}
