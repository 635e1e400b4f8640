/* sendconf.h: smarthost-send's settings, read once at its start from the
   environment (conf/ through s6-envdir; smarthost-conf(5) says what each
   means), with their defaults. A bad value stops the start before
   anything is touched: the reader names it and the caller dies. Nothing
   here prints or exits. */
#ifndef SMARTHOST_SENDCONF_H
#define SMARTHOST_SENDCONF_H

#include <skalibs/stralloc.h>
#include "bounce.h"
#include "route.h"

#define SENDCONF_CONCURRENCY_MAX 1000  /* each worker is a process and an upstream session */
#define SENDCONF_RATE_MAX 1000000
#define SENDCONF_RETRY "60,240,540,960,1500,2160,2940,3600"

typedef struct sendconf_s sendconf;
struct sendconf_s
{
  char const *qdir;            /* QUEUE: required */
  char const *remote;          /* REMOTE: the worker program; smarthost-remote */
  char const *upstream;        /* UPSTREAM, UPSTREAM_TLS, the mechanism: for log lines */
  char const *tls;             /* without a worker's S line; 0, starttls, none */
  char const *mech;            /* "any" with UPSTREAM_USER, UPSTREAM_MECH over it */
  unsigned int concurrency;    /* CONCURRENCY: 4; 0 is 1; at most SENDCONF_CONCURRENCY_MAX */
  unsigned int *retry;         /* RETRY: nretry >= 1 delays */
  unsigned int nretry;
  unsigned int *probe;         /* PAUSE_PROBE: nprobe >= 1 delays (lib/gate.h) */
  unsigned int nprobe;
  unsigned int rescan;         /* RESCAN: 600; 0 is 600 */
  unsigned int rate_minute;    /* RATE_MINUTE, RATE_HOUR: 0 none, at most SENDCONF_RATE_MAX */
  unsigned int rate_hour;
  int verbose;                 /* -v: the caller's, left as it is */
  int token;                   /* UPSTREAM_TOKENCMD is set: OAuth2 */
  bounce bounce;               /* HELONAME, POSTMASTER, UPSTREAM, LIFETIME, DELAYWARN */
  char const *metrics;         /* METRICS_FILE, or 0 */
  char const *mailq_file;      /* MAILQ_FILE, or 0 */
  char const *alert_cmd;       /* ALERT_CMD, or 0 */
  unsigned int alert_age;      /* ALERT_AGE: 0, none */
  routes routes;               /* ROUTES, or the one route of conf/ */
  char const **route_env[ROUTE_MAX + 1];  /* a worker's environment, by route; [0] 0: ours */
  stralloc route_modifs[ROUTE_MAX + 1];   /* what route_env[i] points into: kept as long */
};
#define SENDCONF_ZERO { .remote = "smarthost-remote", .tls = "starttls", .mech = "none", .concurrency = 4, \
  .rescan = 600, .bounce = BOUNCE_ZERO, .routes = ROUTES_ZERO }

/* Fills c from the environment (c->verbose is left alone). Returns 1;
   0 when a setting is missing or bad, with err the one line that says
   which ("QUEUE not set", "invalid $RETRY", "ROUTES-FILE line 3: ...");
   -1 with errno when the system failed (err names what, or is empty:
   allocation). */
int sendconf_read (sendconf *c, stralloc *err);

#endif
