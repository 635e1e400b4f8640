/* lib/sendconf: smarthost-send's settings. Unset, each has its default;
   set, its value; a bad one is refused with its name in the one line
   the caller dies with (the first bad number wins, as it did); ROUTES
   gives each route a worker environment, and a bad or missing file is
   named, the system failure told apart from the bad setting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include "sendconf.h"
#include "tap.h"

static char const *const vars[] = { "QUEUE", "REMOTE", "POSTMASTER", "UPSTREAM", "UPSTREAM_TLS", "UPSTREAM_USER",
  "UPSTREAM_TOKENCMD", "UPSTREAM_MECH", "HELONAME", "CONCURRENCY", "LIFETIME", "DELAYWARN", "RESCAN", "RATE_MINUTE",
  "RATE_HOUR", "METRICS_FILE", "MAILQ_FILE", "ALERT_CMD", "ALERT_AGE", "RETRY", "PAUSE_PROBE", "ROUTES", 0 };

static void clean (void)
{
  unsigned int i = 0;
  for (; vars[i]; i++) unsetenv(vars[i]);
  setenv("QUEUE", "/q", 1);
}

/* Reads a fresh sendconf; its result, err holding the line. */
static int readc (sendconf *c, stralloc *err)
{
  sendconf z = SENDCONF_ZERO;
  *c = z;
  return sendconf_read(c, err);
}

static void defaults (void)
{
  sendconf c;
  stralloc err = STRALLOC_ZERO;
  clean();
  setenv("HELONAME", "relay.example", 1);
  tap_is(readc(&c, &err), 1, "only QUEUE set: read");
  tap_ok(!strcmp(c.qdir, "/q") && !strcmp(c.remote, "smarthost-remote") && !c.upstream && !strcmp(c.tls, "starttls")
    && !strcmp(c.mech, "none") && !c.token, "... the strings' defaults: smarthost-remote, no upstream, starttls, no AUTH");
  tap_ok(c.concurrency == 4 && c.rescan == 600 && !c.rate_minute && !c.rate_hour && !c.alert_age, "... CONCURRENCY 4, RESCAN 600, no pacing, no ALERT_AGE");
  tap_ok(c.bounce.lifetime == 432000 && c.bounce.delaywarn == 14400 && !c.bounce.postmaster && !strcmp(c.bounce.me, "relay.example"),
    "... LIFETIME 5 days, DELAYWARN 4 hours, no POSTMASTER, HELONAME for bounces");
  tap_ok(c.nretry == 8 && c.retry[0] == 60 && c.retry[7] == 3600, "... RETRY 60,240,...,3600");
  tap_ok(c.nprobe == 4 && c.probe[0] == 30 && c.probe[3] == 300, "... PAUSE_PROBE 30,60,120,300");
  tap_ok(!c.metrics && !c.mailq_file && !c.alert_cmd && routes_n(&c.routes) == 1 && !c.route_env[0], "... no METRICS_FILE, MAILQ_FILE, ALERT_CMD, ROUTES");
  stralloc_free(&err);
}

static void values (void)
{
  sendconf c;
  stralloc err = STRALLOC_ZERO;
  clean();
  setenv("CONCURRENCY", "0", 1); setenv("RESCAN", "0", 1); setenv("UPSTREAM", "mx.example:587", 1);
  setenv("UPSTREAM_USER", "u", 1); setenv("UPSTREAM_MECH", "LOGIN", 1); setenv("RETRY", "5,10", 1);
  setenv("RATE_MINUTE", "1000000", 1); setenv("MAILQ_FILE", "/m", 1); setenv("ALERT_AGE", "3600", 1);
  c.verbose = 0;
  tap_is(readc(&c, &err), 1, "values set: read");
  tap_ok(c.concurrency == 1 && c.rescan == 600, "... CONCURRENCY 0 is 1, RESCAN 0 is 600");
  tap_ok(!strcmp(c.upstream, "mx.example:587") && !strcmp(c.bounce.upstream, "mx.example:587") && !strcmp(c.mech, "LOGIN"),
    "... UPSTREAM for the log and the bounces, UPSTREAM_MECH with a user");
  tap_ok(c.nretry == 2 && c.retry[1] == 10 && c.rate_minute == 1000000 && !strcmp(c.mailq_file, "/m") && c.alert_age == 3600,
    "... RETRY, RATE_MINUTE at its maximum, MAILQ_FILE, ALERT_AGE");
  unsetenv("UPSTREAM_USER");
  tap_ok(readc(&c, &err) == 1 && !strcmp(c.mech, "none"), "UPSTREAM_MECH without a user: no AUTH");
  stralloc_free(&err);
}

/* One bad setting: refused, named. */
static void one_bad (char const *name, char const *value, char const *line)
{
  sendconf c;
  stralloc err = STRALLOC_ZERO;
  char desc[200];
  clean();
  setenv(name, value, 1);
  snprintf(desc, sizeof desc, "%s=%s: refused, \"%s\"", name, value, line);
  tap_ok(readc(&c, &err) == 0 && !strcmp(err.s, line), desc);
  stralloc_free(&err);
}

static void bad_values (void)
{
  sendconf c;
  stralloc err = STRALLOC_ZERO;
  clean();
  unsetenv("QUEUE");
  tap_ok(readc(&c, &err) == 0 && !strcmp(err.s, "QUEUE not set"), "QUEUE unset: \"QUEUE not set\"");
  setenv("QUEUE", "", 1);
  tap_ok(readc(&c, &err) == 0 && !strcmp(err.s, "QUEUE not set"), "QUEUE empty: the same");
  one_bad("CONCURRENCY", "four", "invalid $CONCURRENCY");
  one_bad("CONCURRENCY", "1001", "invalid $CONCURRENCY");
  one_bad("LIFETIME", "-1", "invalid $LIFETIME");
  one_bad("DELAYWARN", "1h", "invalid $DELAYWARN");
  one_bad("RESCAN", "100000001", "invalid $RESCAN");
  one_bad("RATE_MINUTE", "x", "invalid $RATE_MINUTE");
  one_bad("RATE_HOUR", "2000000", "RATE_MINUTE and RATE_HOUR are at most 1000000");
  one_bad("ALERT_AGE", "soon", "invalid $ALERT_AGE");
  one_bad("RETRY", "60,x", "invalid $RETRY");
  one_bad("PAUSE_PROBE", "30,,60", "invalid $PAUSE_PROBE");
  clean();
  setenv("CONCURRENCY", "x", 1); setenv("RESCAN", "y", 1);
  tap_ok(readc(&c, &err) == 0 && !strcmp(err.s, "invalid $CONCURRENCY"), "two bad numbers: the first named");
  stralloc_free(&err);
}

static void routes_file (void)
{
  sendconf c;
  stralloc err = STRALLOC_ZERO;
  char file[] = "/tmp/unit-sendconf.XXXXXX";
  int fd = mkstemp(file);
  char const *good = "alice@example.org smtp.isp-a.net:587 tls=tls\n* default\n";
  char const *badf = "alice@example.org\n";
  unsigned int i;
  int up = 0;
  clean();
  if (fd < 0 || write(fd, good, strlen(good)) != (ssize_t)strlen(good)) { tap_ok(0, "temporary file"); return; }
  setenv("ROUTES", file, 1);
  tap_is(readc(&c, &err), 1, "ROUTES: read");
  tap_is(routes_n(&c.routes), 2, "... conf/'s route and one more");
  for (i = 0; c.route_env[1] && c.route_env[1][i]; i++) if (!strcmp(c.route_env[1][i], "UPSTREAM=smtp.isp-a.net:587")) up = 1;
  tap_ok(up && !c.route_env[0], "... the route's worker environment made, with its UPSTREAM; conf/'s is ours");
  if (ftruncate(fd, 0) < 0 || pwrite(fd, badf, strlen(badf), 0) != (ssize_t)strlen(badf)) { tap_ok(0, "rewrite"); return; }
  tap_ok(readc(&c, &err) == 0 && strstr(err.s, file) && strstr(err.s, "line 1"), "a bad ROUTES line: refused, the file and line named");
  unlink(file);
  tap_ok(readc(&c, &err) == -1 && !strncmp(err.s, "unable to read ", 15) && strstr(err.s, file), "a missing ROUTES file: a system failure, named");
  close(fd);
  stralloc_free(&err);
}

int main (void)
{
  tap_plan(30);
  defaults();
  values();
  bad_values();
  routes_file();
  return tap_done();
}
