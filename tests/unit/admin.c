/* Unit tests of the admin pieces: control requests (queue_control_parse,
   and the scheduler's end: the pending requests in order, withdrawn and
   malformed ones, the answer, the markers),
   alerts (alert_check), the status and metrics text (queue_status_*), and
   the pause advice fitted to its cause (gate_advice_cause). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "alert.h"
#include "gate.h"
#include "queue_control.h"
#include "queue_status.h"
#include "tap.h"

#define ID "1795816346.549471893.0005904000"

static int parses (char const *s)
{
  queue_control c;
  return queue_control_parse(s, strlen(s), &c);
}

static void test_parse (void)
{
  queue_control c;
  char const *ok = "bounce\t" ID "\t5.7.1 withdrawn\n";
  tap_ok(queue_control_parse(ok, strlen(ok), &c) && !strcmp(c.verb, "bounce") && !strcmp(c.id, ID)
    && !strcmp(c.reason, "5.7.1 withdrawn"), "a bounce request parses into its fields");
  tap_ok(parses("hold\t\t\n"), "hold of the whole queue");
  tap_ok(!parses("hold\t\t"), "no final newline: refused");
  tap_ok(!parses("erase\t" ID "\t\n"), "an unknown verb: refused");
  tap_ok(!parses("remove\t../../etc/passwd\t\n"), "a path instead of an id: refused");
  tap_ok(!parses("bounce\t" ID "\ta\tb\n"), "a fourth field: refused");
  tap_ok(!parses("bounce\t" ID "\tline\rbreak\n"), "a control byte in the reason: refused");
  {
    char big[400 + sizeof ID + 16];
    memset(big, 0, sizeof big);
    strcpy(big, "bounce\t" ID "\t");
    memset(big + strlen(big), 'x', 301);
    strcat(big, "\n");
    tap_ok(!parses(big), "a reason over 300 octets: refused");
  }
}

/* Random bytes: whatever parses has fields without TAB, LF or control
   bytes, a known verb and an empty or valid id. */
static void test_parse_random (void)
{
  unsigned int i, bad = 0, accepted = 0;
  char const alphabet[] = "hodlrelasmvbunc\t\n\r.0123456789 x";
  srand(14);
  for (i = 0; i < 200000; i++)
  {
    char buf[64];
    size_t n = 1 + rand() % (sizeof buf - 1), j;
    queue_control c;
    if (i % 3 == 0)
    {
      /* start from a valid one and damage a byte */
      static char const *base[] = { "hold\t\t\n", "release\t" ID "\t\n", "bounce\t" ID "\tx y\n" };
      char const *b = base[i / 3 % 3];
      n = strlen(b);
      memcpy(buf, b, n);
      buf[rand() % n] = alphabet[rand() % (sizeof alphabet - 1)];
    }
    else for (j = 0; j < n; j++) buf[j] = alphabet[rand() % (sizeof alphabet - 1)];
    if (!queue_control_parse(buf, n, &c)) continue;
    accepted++;
    if (strcmp(c.verb, "hold") && strcmp(c.verb, "release") && strcmp(c.verb, "remove") && strcmp(c.verb, "bounce")) bad++;
    if (c.id[0] && !queue_id_valid(c.id)) bad++;
    for (j = 0; c.reason[j]; j++) if ((unsigned char)c.reason[j] < 32) bad++;
  }
  tap_ok(accepted > 0, "some damaged requests still parse (the test reaches the checks)");
  tap_is(bad, 0, "no accepted request has a bad verb, id or reason");
}

static void test_alerts (void)
{
  alert a = ALERT_ZERO;
  queue_status s = QUEUE_STATUS_ZERO;
  stralloc why = STRALLOC_ZERO;
  time_t since = 0, t = 1795816346 + 100;
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_NONE, "running: no alert");
  s.pause_class = "auth"; s.pause_reason = "check UPSTREAM_PASSFILE"; s.pause_since = t - 5;
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_PAUSED, "paused: an alert");
  tap_ok(strstr(why.s, "auth: check UPSTREAM_PASSFILE") && since == t - 5, "with the class, the reason and since");
  tap_is(alert_check(&a, &s, t + 60, &why, &since), ALERT_NONE, "still paused: no second alert");
  s.pause_class = "tls";
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_PAUSED, "the cause changed: a new alert");
  s.pause_class = 0;
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_RESUMED, "resumed: an alert");
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_NONE, "then nothing");
  a.maxage = 50;
  memcpy(s.oldest, ID, sizeof ID);
  tap_is(alert_check(&a, &s, t, &why, &since), ALERT_AGE, "the oldest waited 100 s > 50: an age alert");
  tap_ok(strstr(why.s, ID) != 0, "naming the message");
  tap_is(alert_check(&a, &s, t + 10, &why, &since), ALERT_NONE, "not again for the same stretch");
  s.oldest[0] = 0;
  tap_is(alert_check(&a, &s, t + 10, &why, &since), ALERT_NONE, "queue empty: nothing");
  memcpy(s.oldest, ID, sizeof ID);
  tap_is(alert_check(&a, &s, t + 20, &why, &since), ALERT_AGE, "an old message again: a new age alert");
  stralloc_free(&why);
}

static void test_status_text (void)
{
  queue_status s = QUEUE_STATUS_ZERO;
  stralloc sa = STRALLOC_ZERO;
  size_t i, start = 0;
  int bad = 0;
  s.messages = 3; s.deliveries = 7;
  memcpy(s.oldest, ID, sizeof ID);
  tap_ok(queue_status_metrics(&sa, &s, 1795816346 + 42), "metrics text");
  /* each line: a comment (# HELP/# TYPE) or "name value" */
  for (i = 0; i < sa.len; i++)
    if (sa.s[i] == '\n')
    {
      char line[256];
      size_t n = i - start < sizeof line - 1 ? i - start : sizeof line - 1;
      memcpy(line, sa.s + start, n); line[n] = 0;
      if (strncmp(line, "# HELP smarthost_", 17) && strncmp(line, "# TYPE smarthost_", 17)
       && (strncmp(line, "smarthost_", 10) || !strchr(line, ' ') || strchr(strchr(line, ' ') + 1, ' '))) bad++;
      start = i + 1;
    }
  tap_is(bad, 0, "every metrics line is a comment or a sample");
  tap_ok(strstr(sa.s, "\nsmarthost_queue_oldest_age_seconds 42\n") != 0, "the oldest's age from its id");
  tap_ok(strstr(sa.s, "\nsmarthost_deliveries_total 7\n") != 0, "counters end in _total");
  sa.len = 0;
  tap_ok(queue_status_text(&sa, &s) && stralloc_0(&sa) && strstr(sa.s, "messages\t3\n") && strstr(sa.s, "oldest\t" ID "\n"), "status text: key TAB value");
  stralloc_free(&sa);
}

static void test_advice (void)
{
  char const *a = gate_advice_cause("auth", "535 5.7.8 bad credentials", 0);
  tap_ok(strstr(a, "UPSTREAM_PASSFILE") != 0, "a refused password: check the password file");
  a = gate_advice_cause("auth", "000 UPSTREAM_TOKENCMD failed or printed no token: invalid_grant", 1);
  tap_ok(strstr(a, "UPSTREAM_TOKENCMD") && !strstr(a, "PASSFILE"), "a token command that failed: check it, not the password file");
  a = gate_advice_cause("auth", "535 5.7.3 Authentication unsuccessful", 1);
  tap_ok(strstr(a, "OAuth2 token") && !strstr(a, "PASSFILE"), "a token refused: the token, not the password file");
  tap_ok(!strcmp(gate_advice_cause("tls", "x", 1), gate_advice("tls")), "other classes: the usual advice");
}

/* The scheduler's end over a spool directory with three requests made out
   of order, a reply and a marker lying about, and one withdrawn. */
static void ctl_put (int ctl, char const *name, char const *text)
{
  int fd = openat(ctl, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) exit(2);
  close(fd);
}

static void test_scheduler_end (void)
{
  char dir[] = "/tmp/unit-admin-XXXXXX";
  char buf[64];
  genalloc names = GENALLOC_ZERO;
  char const *what = 0;
  queue_control c;
  int ctl, fd;
  ssize_t r;
  if (!mkdtemp(dir)) exit(2);
  ctl = queue_control_open(dir);
  tap_ok(ctl >= 0, "control/ is made when missing and opened");
  ctl_put(ctl, "1700000000.000000003.0000000003", "hold\t\t\n");
  ctl_put(ctl, "1700000000.000000001.0000000001", "release\t" ID "\t\n");
  ctl_put(ctl, "1700000000.000000002.0000000002", "garbage");
  ctl_put(ctl, "1700000000.000000009.0000000009.reply", "ok\n");
  ctl_put(ctl, "hold-all", "");
  tap_ok(queue_control_pending(ctl, &names) == 0 && genalloc_len(char *, &names) == 3
    && !strcmp(genalloc_s(char *, &names)[0], "1700000000.000000001.0000000001")
    && !strcmp(genalloc_s(char *, &names)[2], "1700000000.000000003.0000000003"),
    "the pending requests, only they, in the order of their names");
  tap_ok(queue_control_read(ctl, genalloc_s(char *, &names)[0], &c) == 1 && !strcmp(c.verb, "release") && !strcmp(c.id, ID),
    "a request is read and parsed");
  tap_is(queue_control_read(ctl, genalloc_s(char *, &names)[1], &c), 0, "a malformed request reads as such");
  unlinkat(ctl, genalloc_s(char *, &names)[2], 0);
  tap_ok(queue_control_read(ctl, genalloc_s(char *, &names)[2], &c) < 0 && errno == ENOENT, "a withdrawn request is ENOENT");
  tap_ok(queue_control_answer(ctl, genalloc_s(char *, &names)[0], "ok: released", &what) == 0
    && faccessat(ctl, genalloc_s(char *, &names)[0], F_OK, 0) < 0, "the answer removes the request");
  fd = openat(ctl, "1700000000.000000001.0000000001.reply", O_RDONLY);
  r = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  tap_ok(r == 13 && !memcmp(buf, "ok: released\n", 13), "the reply holds the answer and a newline");
  queue_control_names_free(&names);
  tap_ok(queue_control_mark(ctl, "held.", ID, 1) == 0 && faccessat(ctl, "held." ID, F_OK, AT_SYMLINK_NOFOLLOW) == 0
    && queue_control_mark(ctl, "held.", ID, 0) == 0 && faccessat(ctl, "held." ID, F_OK, AT_SYMLINK_NOFOLLOW) < 0
    && queue_control_mark(ctl, "held.", ID, 0) == 0, "a marker is made, removed, and removing it twice is no error");
  close(ctl);
  snprintf(buf, sizeof buf, "rm -rf %s", dir);
  if (system(buf) != 0) exit(2);
}

int main (void)
{
  tap_plan(39);
  test_parse();
  test_parse_random();
  test_scheduler_end();
  test_alerts();
  test_status_text();
  test_advice();
  return tap_done();
}
