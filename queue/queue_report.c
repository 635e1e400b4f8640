/* What smarthost-send tells people, and when: queue_report.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "queue_report.h"

void queue_report_attempt (queue_report *r, char const *id, char const *verdict, char const *code, char const *text, time_t t)
{
  queue_status *s = &r->s;
  stralloc *sa = &s->last_failure_text;
  if (!strcmp(verdict, "delivered"))
  {
    s->deliveries++;
    s->last_delivery = t;
    size_t n = strlen(id);
    if (n >= QUEUE_ID_SIZE) n = QUEUE_ID_SIZE - 1;
    memcpy(s->last_delivery_id, id, n);
    s->last_delivery_id[n] = 0;
    return;
  }
  if (!strcmp(verdict, "failed")) s->failures++; else s->deferrals++;
  s->last_failure = t;
  sa->len = 0;
  /* text is printable already (lib/printable.h) */
  if (!stralloc_cats(sa, id) || !stralloc_cats(sa, " ") || !stralloc_cats(sa, verdict) || !stralloc_cats(sa, ": ")
   || !stralloc_cats(sa, code) || !stralloc_cats(sa, " ") || !stralloc_cats(sa, text) || !stralloc_0(sa)) sa->len = 0;
}

/* Never a secret: the advice is ours, the text the worker's. */
static void reason_set (stralloc *sa, char const *advice, char const *code, char const *text)
{
  sa->len = 0;
  if (!stralloc_cats(sa, advice) || !stralloc_cats(sa, " (upstream said: ") || !stralloc_cats(sa, code)
   || !stralloc_cats(sa, " ") || !stralloc_cats(sa, text) || !stralloc_cats(sa, ")") || !stralloc_0(sa))
    sa->len = 0;
}

/* Room for route i's reason; 0 when memory is short (the route's line
   then shows no reason, the pause itself is still shown). */
static stralloc *route_reason (queue_report *r, unsigned int i)
{
  if (i >= r->nreason)
  {
    stralloc *n = realloc(r->route_reason, (i + 1) * sizeof *n);
    if (!n) return 0;
    memset(n + r->nreason, 0, (i + 1 - r->nreason) * sizeof *n);
    r->route_reason = n;
    r->nreason = i + 1;
  }
  return r->route_reason + i;
}

void queue_report_paused (queue_report *r, unsigned int ri, char const *advice, char const *code, char const *text)
{
  stralloc *sa = route_reason(r, ri);
  reason_set(&r->pause_reason, advice, code, text);
  if (sa) reason_set(sa, advice, code, text);
}

/* The route lines of the status: one per route some sender takes. */
void queue_report_routes (queue_report *r, route_gates const *rg, routes const *rt, route_conc const *rc, time_t t)
{
  queue_status *s = &r->s;
  unsigned int j, k = 0;
  if (!rg->n) { s->nroutes = 0; return; }
  if (!s->routes)
  {
    s->routes = calloc(rg->n, sizeof *s->routes);
    if (!s->routes) return;
  }
  /* the routes in the file's order, conf/'s last */
  for (j = 1; j <= rg->n; j++)
  {
    unsigned int i = j % rg->n;
    queue_status_route *q = s->routes + k;
    gate const *g = rg->g + i;
    if (!routes_used(rt, i)) continue;
    q->line = i ? routes_get(rt, i)->line : 0;
    q->upstream = routes_get(rt, i)->upstream;
    q->pause_class = g->pause_class;
    q->pause_reason = i < r->nreason && r->route_reason[i].len ? r->route_reason[i].s : 0;
    q->pause_since = g->pause_since;
    q->next_probe = g->pause_until;
    q->hold_until = g->hold_until > t ? g->hold_until : 0;
    q->session_limit = rc && rc->n ? route_conc_get(rc, i)->limit : s->session_limit;
    k++;
  }
  s->nroutes = k;
}

int queue_report_due (queue_report *r, time_t t, int force)
{
  if (!force && t == r->looked) { r->due = 1; return 0; }
  r->due = 0;
  r->looked = t;
  return 1;
}

void queue_report_gate (queue_report *r, gate const *g, int manual, int scheduled, time_t t)
{
  queue_status *s = &r->s;
  time_t when = gate_when(g, t);
  s->hold_until = g->hold_until > t ? g->hold_until : 0;
  /* the gate says later, and neither pause nor throttle: the pacing */
  s->paced_until = when > t && !g->pause_class && !s->hold_until && scheduled ? when : 0;
  if (manual)
  {
    if (!s->pause_class || strcmp(s->pause_class, "manual")) s->pause_since = t;
    s->pause_class = "manual";
    s->pause_reason = "held by smarthost-control";
    s->next_probe = 0;
  }
  else if (g->pause_class)
  {
    s->pause_class = g->pause_class;
    s->pause_reason = r->pause_reason.len ? r->pause_reason.s : "";
    s->pause_since = g->pause_since;
    s->next_probe = g->pause_until;
  }
  else s->pause_class = 0;
}

void queue_report_take (queue_report *r, queue_sched const *s, upconc const *c, gate const *g, int manual, time_t t)
{
  queue_sched_census(s, &r->s.held, r->s.oldest, &r->s.recipients, &r->s.uncounted);
  r->s.messages = s->n;
  r->s.session_limit = c->limit;
  r->s.concurrency = c->max;
  queue_report_gate(r, g, manual, prioq_len(&s->q) > 0, t);
}

int queue_report_write (queue_report *r, time_t t, int force, char const **failed)
{
  stralloc *sa = &r->text;
  int e = 0;
  sa->len = 0;
  if (!queue_status_text(sa, &r->s)) return 0;
  if (!force && t < r->written + QUEUE_REPORT_EVERY && sa->len == r->last.len && !memcmp(sa->s, r->last.s, sa->len)) return 0;
  if (!stralloc_copy(&r->last, sa)) r->last.len = 0;
  if (!queue_status_stamp(sa, t)) return 0;
  /* the send user's (and root's): ids and the upstream's texts are for the administrator */
  if (queue_status_replace(r->status, sa->s, sa->len, 0600) < 0) { e = errno; *failed = r->status; }
  r->written = t;
  if (!r->metrics) return e ? (errno = e, -1) : 0;
  sa->len = 0;
  if (queue_status_metrics(sa, &r->s, t) && queue_status_replace(r->metrics, sa->s, sa->len, 0644) < 0)
  { e = errno; *failed = r->metrics; }
  return e ? (errno = e, -1) : 0;
}

void queue_report_free (queue_report *r)
{
  stralloc_free(&r->s.last_failure_text);
  stralloc_free(&r->pause_reason);
  while (r->nreason) stralloc_free(r->route_reason + --r->nreason);
  free(r->route_reason);
  r->route_reason = 0;
  free(r->s.routes);
  r->s.routes = 0;
  r->s.nroutes = 0;
  stralloc_free(&r->last);
  stralloc_free(&r->text);
}

void queue_report_alerts (queue_report *r, time_t t, queue_report_alerted *said, void *aux)
{
  stralloc why = STRALLOC_ZERO;
  time_t since;
  int kind, i;
  for (i = 0; i < 3 && (kind = alert_check(&r->alert, &r->s, t, &why, &since)) > 0; i++)
  {
    said(alert_kind(kind), why.s, !!r->alert_cmd, aux);
    if (r->alert_cmd && alert_run(r->alert_cmd, alert_kind(kind), why.s, since) < 0)
      said(alert_kind(kind), why.s, -1, aux);
  }
  stralloc_free(&why);
}
