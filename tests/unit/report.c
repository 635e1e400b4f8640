/* queue/queue_report: when smarthost-send writes queue/status and the
   metrics (a change at most once a second, at least every 30 s), what
   the gate and a control hold put into them, and the counters of
   attempts. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "queue_report.h"
#include "tap.h"

static unsigned int const retry[2] = { 60, 240 };

static time_t mtime_of (char const *path)
{
  struct stat st;
  return stat(path, &st) < 0 ? 0 : st.st_mtime;
}

static int contains (char const *path, char const *what)
{
  char buf[4096];
  ssize_t n;
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) return 0;
  buf[n] = 0;
  return strstr(buf, what) != 0;
}

int main (void)
{
  char dir[] = "/tmp/smarthost-report.XXXXXX";
  char status[64], metrics[64];
  queue_report r = QUEUE_REPORT_ZERO;
  gate g;
  gate_event ev;
  char const *failed = 0;
  time_t t = 1700000000;
  if (!mkdtemp(dir)) return 111;
  strcpy(status, dir); strcat(status, "/status");
  strcpy(metrics, dir); strcat(metrics, "/metrics.prom");
  r.status = status;
  r.metrics = metrics;
  gate_init(&g, retry, 2, 0, 0);

  tap_ok(queue_report_due(&r, t, 0), "the first look is due");
  queue_report_gate(&r, &g, 0, 0, t);
  tap_is(queue_report_write(&r, t, 0, &failed), 0, "written");
  tap_ok(contains(status, "updated") && contains(metrics, "queue_paused 0"), "both files, running");
  tap_ok(!queue_report_due(&r, t, 0) && r.due, "a second look in the same second waits, and says so");
  tap_ok(queue_report_due(&r, t, 1), "unless forced (a control request)");

  queue_report_attempt(&r, "1700000000.000000001.1", "delivered", "250", "ok", t);
  queue_report_attempt(&r, "1700000000.000000001.1", "failed", "550", "5.1.1 no", t);
  queue_report_attempt(&r, "1700000000.000000001.1", "deferred", "451", "later", t);
  tap_ok(r.s.deliveries == 1 && r.s.failures == 1 && r.s.deferrals == 1, "attempts counted by verdict");
  tap_ok(!strcmp(r.s.last_failure_text.s, "1700000000.000000001.1 deferred: 451 later"), "the last failure, said whole");

  gate_send(&g, t);
  gate_result(&g, "auth", 0, t, &ev);
  queue_report_paused(&r, 0, "check the password", "535", "5.7.8 no");
  queue_report_due(&r, t + 1, 0);
  queue_report_gate(&r, &g, 0, 1, t + 1);
  tap_ok(r.s.pause_class && !strcmp(r.s.pause_class, "auth") && r.s.next_probe == g.pause_until, "paused: the class and the next probe");
  tap_ok(!strcmp(r.s.pause_reason, "check the password (upstream said: 535 5.7.8 no)"), "with the advice and the upstream's words");
  queue_report_write(&r, t + 1, 0, &failed);
  tap_ok(contains(metrics, "queue_paused 1"), "the metrics say paused");
  queue_report_gate(&r, &g, 1, 1, t + 2);
  tap_ok(!strcmp(r.s.pause_class, "manual") && r.s.pause_since == t + 2, "a control hold comes first, from when it began");

  /* unchanged: not rewritten before 30 s */
  queue_report_gate(&r, &g, 0, 1, t + 3);
  queue_report_write(&r, t + 3, 0, &failed);
  {
    time_t before;
    struct timeval tv[2] = { { 1000, 0 }, { 1000, 0 } };
    utimes(status, tv);
    before = mtime_of(status);
    queue_report_write(&r, t + 4, 0, &failed);
    tap_is(mtime_of(status), before, "nothing changed: not rewritten");
    queue_report_write(&r, t + 3 + QUEUE_REPORT_EVERY, 0, &failed);
    tap_ok(mtime_of(status) != before, "but rewritten after QUEUE_REPORT_EVERY seconds");
  }
  r.metrics = "/nonexistent/dir/metrics.prom";
  tap_is(queue_report_write(&r, t + 100, 1, &failed), -1, "a file that cannot be written: -1");
  tap_ok(failed && !strcmp(failed, "/nonexistent/dir/metrics.prom"), "naming it");
  unlink(status);
  unlink(metrics);
  rmdir(dir);
  gate_free(&g);
  queue_report_free(&r);
  tap_plan(tap_n);
  return tap_done();
}
