/* queue/queue_report with ROUTES: every route senders take has its
   block in queue/status (route.J.*, the file's order, conf/'s last) with
   its own pause and reason, every route a labelled sample in the
   metrics, each with its own session limit; not only the first paused
   route. A route no sender takes is not listed; without routes there
   are no route lines. */
#include <stdlib.h>
#include <string.h>
#include "queue_report.h"
#include "route.h"
#include "route_gate.h"
#include "upconc.h"
#include "tap.h"

static unsigned int const retry[2] = { 60, 240 };
static unsigned int const probe[1] = { 30 };

static int has (stralloc const *sa, char const *line)
{
  size_t n = strlen(line), i = 0;
  while (i < sa->len)
  {
    char const *nl = memchr(sa->s + i, '\n', sa->len - i);
    size_t len = nl ? (size_t)(nl - sa->s - i) : sa->len - i;
    if (len == n && !memcmp(sa->s + i, line, n)) return 1;
    i += len + 1;
  }
  return 0;
}

static int count (stralloc const *sa, char const *what)
{
  int k = 0;
  char const *p = sa->s;
  while ((p = strstr(p, what))) { k++; p++; }
  return k;
}

int main (void)
{
  char const text[] = "a@x.test  a.test:25\n@y.test  b.test:25\nc@x.test  c.test:25\n";
  routes rt = ROUTES_ZERO;
  route_gates rg = ROUTE_GATES_ZERO;
  route_conc rc = ROUTE_CONC_ZERO;
  queue_report r = QUEUE_REPORT_ZERO;
  stralloc err = STRALLOC_ZERO, sa = STRALLOC_ZERO, m = STRALLOC_ZERO;
  gate_event ev;
  time_t t = 100000;
  tap_plan(16);
  routes_parse(&rt, text, sizeof text - 1, &err);
  route_gates_init(&rg, routes_n(&rt), retry, 2, probe, 1);
  route_conc_init(&rc, routes_n(&rt), 4);
  stralloc_0(&sa);  /* sa->s not 0 for has() */
  gate_result(route_gates_get(&rg, 1, 0), "auth", 0, t, &ev);
  queue_report_paused(&r, 1, "route of line 1: check the password", "535", "5.7.8 no");
  gate_result(route_gates_get(&rg, 3, 0), "tls", 0, t, &ev);
  queue_report_paused(&r, 3, "route of line 3: the upstream is unreachable", "000", "connection refused");
  route_conc_job(&rc, 2, "throttle", 421, "Too many connections", 2, t);
  queue_report_routes(&r, &rg, &rt, &rc, t);
  sa.len = 0;
  tap_ok(queue_status_text(&sa, &r.s), "the status text is made");
  tap_ok(has(&sa, "routes\t4") && has(&sa, "paused_routes\t2"), "four routes (conf/'s with them: no * line), two paused");
  tap_ok(has(&sa, "route.1\tline 1") && has(&sa, "route.1.upstream\ta.test:25") && has(&sa, "route.1.paused\t1")
    && has(&sa, "route.1.pause_class\tauth"), "route 1: line 1, paused (auth)");
  tap_ok(has(&sa, "route.1.pause_reason\troute of line 1: check the password (upstream said: 535 5.7.8 no)"), "with its own reason");
  tap_ok(has(&sa, "route.2\tline 2") && has(&sa, "route.2.paused\t0") && has(&sa, "route.2.pause_reason\t"), "route 2 runs, no reason");
  tap_ok(has(&sa, "route.3\tline 3") && has(&sa, "route.3.paused\t1") && has(&sa, "route.3.pause_class\ttls")
    && has(&sa, "route.3.pause_reason\troute of line 3: the upstream is unreachable (upstream said: 000 connection refused)"),
    "route 3 paused too, with its reason: not only the first");
  tap_ok(has(&sa, "route.3.next_probe\t100030") && has(&sa, "route.3.pause_since\t100000"), "its pause's times");
  tap_ok(has(&sa, "route.4\tconf/") && has(&sa, "route.4.upstream\t"), "conf/'s route is last");
  tap_ok(has(&sa, "route.2.session_limit\t3") && has(&sa, "route.1.session_limit\t4") && has(&sa, "route.4.session_limit\t4"),
    "each route's own session limit: route 2's lowered, the others' not");
  m.len = 0;
  tap_ok(queue_status_metrics(&m, &r.s, t) && stralloc_0(&m), "the metrics are made");
  tap_ok(has(&m, "smarthost_route_paused{route=\"line 1\",upstream=\"a.test:25\"} 1")
    && has(&m, "smarthost_route_paused{route=\"line 3\",upstream=\"c.test:25\"} 1")
    && has(&m, "smarthost_route_paused{route=\"line 2\",upstream=\"b.test:25\"} 0")
    && has(&m, "smarthost_route_paused{route=\"conf/\",upstream=\"\"} 0"), "a paused sample per route");
  tap_ok(has(&m, "smarthost_route_upstream_session_limit{route=\"line 2\",upstream=\"b.test:25\"} 3"), "a session limit per route");
  tap_ok(count(&m, "# TYPE smarthost_route_paused ") == 1 && has(&m, "smarthost_queue_paused_routes 2"), "one family, the count beside");

  /* a * line: conf/'s route takes no sender, it is not listed */
  {
    char const star[] = "a@x.test  a.test:25\n*  b.test:25\n";
    routes rt2 = ROUTES_ZERO;
    route_gates rg2 = ROUTE_GATES_ZERO;
    queue_report r2 = QUEUE_REPORT_ZERO;
    routes_parse(&rt2, star, sizeof star - 1, &err);
    route_gates_init(&rg2, routes_n(&rt2), retry, 2, probe, 1);
    r2.s.session_limit = 4;
    queue_report_routes(&r2, &rg2, &rt2, 0, t);
    sa.len = 0;
    queue_status_text(&sa, &r2.s);
    stralloc_0(&sa);
    tap_ok(has(&sa, "routes\t2") && !strstr(sa.s, "conf/") && has(&sa, "route.2.session_limit\t4"),
      "with *: two routes, conf/'s not listed; no per-route limits: the relay's");
    queue_report_free(&r2);
    routes_free(&rt2);
  }
  /* without routes: no route lines at all */
  {
    route_gates none = ROUTE_GATES_ZERO;
    queue_report r3 = QUEUE_REPORT_ZERO;
    routes rt3 = ROUTES_ZERO;
    queue_report_routes(&r3, &none, &rt3, 0, t);
    sa.len = 0;
    queue_status_text(&sa, &r3.s);
    stralloc_0(&sa);
    m.len = 0;
    queue_status_metrics(&m, &r3.s, t);
    stralloc_0(&m);
    tap_ok(has(&sa, "routes\t0") && !strstr(sa.s, "route.1"), "without routes: routes 0, no route lines");
    tap_ok(!strstr(m.s, "smarthost_route_"), "and no route samples");
    queue_report_free(&r3);
  }
  queue_report_free(&r);
  route_conc_free(&rc);
  routes_free(&rt);
  stralloc_free(&sa);
  stralloc_free(&m);
  stralloc_free(&err);
  return tap_done();
}
