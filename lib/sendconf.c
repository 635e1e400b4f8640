/* sendconf.c: smarthost-send's settings (sendconf.h). */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "envnum.h"
#include "gate.h"
#include "heloname.h"
#include "sendconf.h"

extern char **environ;

static char const *env (char const *name)
{
  char const *s = getenv(name);
  return s && *s ? s : 0;
}

/* 0 with err set to line, then s */
static int bad (stralloc *err, char const *line, char const *s)
{
  err->len = 0;
  if (!stralloc_cats(err, line) || !stralloc_cats(err, s) || !stralloc_0(err)) return -1;
  return 0;
}

static void strings (sendconf *c)
{
  char const *s;
  c->remote = (s = env("REMOTE")) ? s : "smarthost-remote";
  c->bounce.postmaster = env("POSTMASTER");
  c->bounce.upstream = c->upstream = env("UPSTREAM");
  c->tls = (s = env("UPSTREAM_TLS")) ? s : "starttls";
  c->mech = env("UPSTREAM_USER") ? "any" : "none";
  c->token = !!env("UPSTREAM_TOKENCMD");
  if ((s = env("UPSTREAM_MECH")) && strcmp(c->mech, "none")) c->mech = s;
  c->bounce.me = heloname_get();
  c->metrics = env("METRICS_FILE");
  c->mailq_file = env("MAILQ_FILE");
  c->alert_cmd = env("ALERT_CMD");
}

/* The numbers, all read; the first bad one named. */
static int numbers (sendconf *c, stralloc *err)
{
  char const *b = 0;
  c->concurrency = envnum_get("CONCURRENCY", 4, SENDCONF_CONCURRENCY_MAX, &b);
  if (!c->concurrency) c->concurrency = 1;
  c->bounce.lifetime = envnum_get("LIFETIME", 432000, ENVNUM_SECONDS_MAX, &b);
  c->bounce.delaywarn = envnum_get("DELAYWARN", 14400, ENVNUM_SECONDS_MAX, &b);
  c->rescan = envnum_get("RESCAN", 600, ENVNUM_SECONDS_MAX, &b);
  if (!c->rescan) c->rescan = 600;
  c->rate_minute = envnum_get("RATE_MINUTE", 0, UINT_MAX, &b);
  c->rate_hour = envnum_get("RATE_HOUR", 0, UINT_MAX, &b);
  if (c->rate_minute > SENDCONF_RATE_MAX || c->rate_hour > SENDCONF_RATE_MAX)
    return bad(err, "RATE_MINUTE and RATE_HOUR are at most 1000000", "");
  c->alert_age = envnum_get("ALERT_AGE", 0, ENVNUM_SECONDS_MAX, &b);
  return b ? bad(err, "invalid $", b) : 1;
}

/* A list of delays (RETRY, PAUSE_PROBE), dflt when unset. */
static int schedule (char const *name, char const *dflt, unsigned int **v, unsigned int *n, stralloc *err)
{
  char const *s = env(name);
  *v = gate_schedule_parse(s ? s : dflt, n);
  if (*v) return 1;
  return errno == EINVAL ? bad(err, "invalid $", name) : -1;
}

/* ROUTES: read and checked once, naming a bad line. Each route's worker
   environment is made here, once, for the whole run. */
static int routes_read (sendconf *c, char const *file, stralloc *err)
{
  unsigned int i;
  int r = routes_load(&c->routes, file, err);
  if (r <= 0) return r;
  for (i = 1; i < routes_n(&c->routes); i++)
  {
    if (!routes_envp(&c->routes, i, (char const *const *)environ, c->route_modifs + i, c->route_env + i))
      return (err->len = 0, -1);
  }
  return 1;
}

int sendconf_read (sendconf *c, stralloc *err)
{
  char const *s;
  int r;
  err->len = 0;
  c->qdir = env("QUEUE");
  if (!c->qdir) return bad(err, "QUEUE not set", "");
  strings(c);
  if ((r = numbers(c, err)) <= 0) return r;
  if ((r = schedule("RETRY", SENDCONF_RETRY, &c->retry, &c->nretry, err)) <= 0) return r;
  if ((r = schedule("PAUSE_PROBE", GATE_PROBE_DEFAULT, &c->probe, &c->nprobe, err)) <= 0) return r;
  s = env("ROUTES");
  return s ? routes_read(c, s, err) : 1;
}
