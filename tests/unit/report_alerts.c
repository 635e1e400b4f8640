/* queue/queue_report: queue_report_alerts, the alert loop smarthost-send
   runs with each status update: a new pause and an old message are each
   told once, in order, before ALERT_CMD runs, and ALERT_CMD really runs
   (it leaves a file naming the kind); nothing is told again while
   nothing changes; without ALERT_CMD the alert is told as not run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "queue_report.h"
#include "tap.h"

static char told[512];
static int nrun, nfail, ntold;

static void said (char const *kind, char const *why, int run, void *aux)
{
  (void)aux;
  if (run < 0) { nfail++; return; }
  ntold++;
  nrun += run;
  strncat(told, kind, sizeof told - strlen(told) - 1);
  strncat(told, why ? ";" : "?", sizeof told - strlen(told) - 1);
}

static void reset (void)
{
  told[0] = 0;
  nrun = nfail = ntold = 0;
}

int main (void)
{
  static queue_report const z = QUEUE_REPORT_ZERO;
  queue_report r = z;
  char dir[] = "/tmp/report-alerts.XXXXXX", cmd[200], path[120];
  struct stat st;
  time_t t = 1700000000;
  unsigned int i;
  tap_plan(9);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
  snprintf(cmd, sizeof cmd, "touch %s/\"$SMARTHOST_ALERT_KIND\"", dir);
  r.alert_cmd = cmd;
  r.alert.maxage = 50;
  r.s.pause_class = "auth";
  r.s.pause_reason = "check UPSTREAM_PASSFILE";
  r.s.pause_since = t - 5;
  memcpy(r.s.oldest, "1699999000.000000001.1", 23);
  reset();
  queue_report_alerts(&r, t, &said, 0);
  tap_ok(!strcmp(told, "paused;age;"), "a pause and an old message: two alerts, in order");
  tap_is(nrun, 2, "each handed to ALERT_CMD");
  snprintf(path, sizeof path, "%s/paused", dir);
  for (i = 0; i < 100 && stat(path, &st) < 0; i++) usleep(50000);
  tap_ok(!stat(path, &st), "ALERT_CMD ran for the pause");
  snprintf(path, sizeof path, "%s/age", dir);
  for (i = 0; i < 100 && stat(path, &st) < 0; i++) usleep(50000);
  tap_ok(!stat(path, &st), "and for the age");
  reset();
  queue_report_alerts(&r, t + 10, &said, 0);
  tap_is(ntold, 0, "nothing changed: nothing told");
  r.s.pause_class = 0;
  r.alert_cmd = 0;
  reset();
  queue_report_alerts(&r, t + 20, &said, 0);
  tap_ok(!strcmp(told, "resumed;") && !nrun, "resumed, without ALERT_CMD: told as not run");
  r.alert_cmd = "true";
  r.s.pause_class = "tls";
  reset();
  queue_report_alerts(&r, t + 30, &said, 0);
  tap_ok(!strcmp(told, "paused;") && !nfail, "a new pause, with a command that starts");
  tap_is(nrun, 1, "run once");
  reset();
  queue_report_alerts(&r, t + 40, &said, 0);
  tap_is(ntold, 0, "still paused: not again");
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) printf("# could not remove %s\n", dir);
  return tap_done();
}
