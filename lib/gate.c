/* The gate's policy, in the order smarthost-send meets it: gate_when
   before a dispatch, gate_send at it, gate_result after. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "gate.h"

static unsigned int const probe_default[4] = { 30, 60, 120, 300 };

static int ring_init (gate_ring *r, unsigned int n, unsigned int window)
{
  memset(r, 0, sizeof *r);
  r->n = n;
  r->window = window;
  if (!n) return 1;
  r->t = calloc(n, sizeof(time_t));
  return !!r->t;
}

/* 0 if a message may go at t, else the time it may. */
static time_t ring_wait (gate_ring const *r, time_t t)
{
  time_t oldest;
  if (!r->n || r->len < r->n) return 0;
  oldest = r->t[r->head];
  return oldest + (time_t)r->window > t ? oldest + (time_t)r->window : 0;
}

static void ring_add (gate_ring *r, time_t t)
{
  if (!r->n) return;
  r->t[r->head] = t;
  r->head = (r->head + 1) % r->n;
  if (r->len < r->n) r->len++;
}

int gate_init (gate *g, unsigned int const *retry, unsigned int nretry, unsigned int per_minute, unsigned int per_hour)
{
  memset(g, 0, sizeof *g);
  g->retry = retry;
  g->nretry = nretry;
  gate_set_probe(g, probe_default, 4);
  if (!ring_init(&g->rate_m, per_minute, 60) || !ring_init(&g->rate_h, per_hour, 3600))
  {
    gate_free(g);
    return 0;
  }
  return 1;
}

void gate_free (gate *g)
{
  free(g->rate_m.t);
  free(g->rate_h.t);
  g->rate_m.t = g->rate_h.t = 0;
}

unsigned int gate_retry_delay (gate const *g, unsigned int n)
{
  return g->retry[n < g->nretry ? n : g->nretry - 1];
}

void gate_set_probe (gate *g, unsigned int const *probe, unsigned int n)
{
  g->probe = probe;
  g->nprobe = n;
}

unsigned int gate_probe_delay (gate const *g, unsigned int n)
{
  unsigned int p = g->probe[n < g->nprobe ? n : g->nprobe - 1];
  unsigned int r = gate_retry_delay(g, n);
  return p < r ? p : r;
}

unsigned int *gate_schedule_parse (char const *s, unsigned int *n)
{
  unsigned int count = 1, i;
  unsigned int *v;
  char const *p;
  for (p = s; *p; p++) if (*p == ',') count++;
  v = calloc(count, sizeof(unsigned int));
  if (!v) { errno = ENOMEM; return 0; }
  for (i = 0; i < count; i++)
  {
    unsigned long x = 0;
    size_t len = 0;
    while (s[len] >= '0' && s[len] <= '9' && len < 10)
      x = x * 10 + (unsigned long)(s[len++] - '0');
    /* nine digits are years: more is a typo */
    if (!len || len > 9 || (s[len] && s[len] != ','))
    {
      free(v);
      errno = EINVAL;
      return 0;
    }
    v[i] = x ? (unsigned int)x : 1;
    s += len + (s[len] == ',');
  }
  *n = count;
  return v;
}

time_t gate_when (gate const *g, time_t t)
{
  time_t w = 0, r;
  if (g->hold_until > t) w = g->hold_until;
  if (g->pause_class)
  {
    if (g->probe_inflight) return -1;
    if (g->pause_until > t && g->pause_until > w) w = g->pause_until;
  }
  r = ring_wait(&g->rate_m, t); if (r > w) w = r;
  r = ring_wait(&g->rate_h, t); if (r > w) w = r;
  return w;
}

int gate_send (gate *g, time_t t)
{
  ring_add(&g->rate_m, t);
  ring_add(&g->rate_h, t);
  if (!g->pause_class) return 0;
  g->probe_inflight = 1;
  return 1;
}

int gate_class_broken (char const *class)
{
  return !strcmp(class, "auth") || !strcmp(class, "tls") || !strcmp(class, "config");
}

/* The class as a string of our own: the caller's may not live long. */
static char const *class_static (char const *class)
{
  static char const *const names[4] = { "auth", "tls", "config", "network" };
  unsigned int i = 0;
  for (; i < 4; i++) if (!strcmp(class, names[i])) return names[i];
  return "network";
}

/* A probe's failure counts; other jobs in flight when the pause began
   only confirm it. */
static void pause_enter (gate *g, char const *class, int probe, time_t t, gate_event *ev)
{
  class = class_static(class);
  if (g->pause_class == class && !probe) return;
  if (g->pause_class == class)
  {
    g->pause_n++;
    ev->what = GATE_STILL_PAUSED;
  }
  else
  {
    if (!g->pause_class) { g->pause_since = t; g->pause_n = 0; }
    ev->what = GATE_PAUSED;
  }
  g->pause_class = class;
  g->pause_until = t + gate_probe_delay(g, g->pause_n);
  ev->delay = gate_probe_delay(g, g->pause_n);
}

void gate_result (gate *g, char const *class, int probe, time_t t, gate_event *ev)
{
  ev->what = GATE_NONE;
  ev->delay = 0;
  ev->paused = 0;
  if (probe) g->probe_inflight = 0;
  if (gate_class_broken(class)) { pause_enter(g, class, probe, t, ev); return; }
  if (!strcmp(class, "throttle"))
  {
    ev->what = GATE_HELD;
    ev->delay = gate_retry_delay(g, g->hold_n++);
    g->hold_until = t + ev->delay;
    return;
  }
  if (!strcmp(class, "network"))
  {
    if (++g->netfails >= GATE_NETFAIL_MAX) pause_enter(g, "network", probe, t, ev);
  }
  else if (!strcmp(class, "smtp"))
  {
    g->netfails = 0;
    /* the upstream works: a hold ends, and the next one starts again
       from RETRY's first step */
    g->hold_n = 0;
    g->hold_until = 0;
    if (probe && g->pause_class)
    {
      ev->what = GATE_RESUMED;
      ev->paused = t - g->pause_since;
      g->pause_class = 0;
      g->pause_n = 0;
    }
  }
  /* a probe that failed otherwise (a refused message, a dead worker):
     the next one waits its turn */
  if (probe && g->pause_class && g->pause_until <= t)
    g->pause_until = t + gate_probe_delay(g, g->pause_n);
}

void gate_open (gate *g)
{
  g->hold_until = 0;
  g->pause_until = 0;
}

void gate_hold_min (gate *g, time_t until)
{
  if (g->hold_until < until) g->hold_until = until;
}

char const *gate_advice (char const *class)
{
  if (!strcmp(class, "auth"))
    return "the upstream refused our authentication: check UPSTREAM_USER and the password in UPSTREAM_PASSFILE (or UPSTREAM_TOKENCMD, UPSTREAM_MECH)";
  if (!strcmp(class, "tls"))
    return "TLS with the upstream failed: check UPSTREAM_TLS, UPSTREAM_CAFILE, the client certificate (UPSTREAM_CERTFILE, UPSTREAM_KEYFILE) and the upstream's certificate";
  if (!strcmp(class, "config"))
    return "the configuration is unusable: check UPSTREAM and the files UPSTREAM_* name";
  return "no upstream is reachable: check UPSTREAM, the network and the upstream's state";
}

char const *gate_advice_cause (char const *class, char const *text, int token)
{
  if (strcmp(class, "auth") || !text) return gate_advice(class);
  /* smarthost-remote's own words for a token it could not get */
  if (strstr(text, "UPSTREAM_TOKENCMD"))
    return "the OAuth2 token command failed: check UPSTREAM_TOKENCMD (run it by hand as the send user), its refresh token and the token endpoint";
  if (token)
    return "the upstream refused our OAuth2 token: check UPSTREAM_USER, UPSTREAM_MECH and the token UPSTREAM_TOKENCMD prints (its scope, the mailbox's SMTP AUTH setting)";
  return gate_advice(class);
}
