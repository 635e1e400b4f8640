/* alert.c: ALERT_CMD's events and runner (alert.h) */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <skalibs/types.h>
#include <skalibs/sig.h>

#include "alert.h"

char const *alert_kind (int kind)
{
  return kind == ALERT_PAUSED ? "paused" : kind == ALERT_RESUMED ? "resumed" : kind == ALERT_AGE ? "age" : "none";
}

static int why_pause (stralloc *why, queue_status const *s)
{
  why->len = 0;
  return stralloc_cats(why, s->pause_class) && stralloc_cats(why, ": ")
    && stralloc_cats(why, s->pause_reason ? s->pause_reason : "") && stralloc_0(why);
}

static int why_age (stralloc *why, queue_status const *s, time_t age, unsigned int maxage)
{
  char a[UINT64_FMT], m[UINT_FMT];
  a[uint64_fmt(a, (uint64_t)age)] = 0;
  m[uint_fmt(m, maxage)] = 0;
  why->len = 0;
  return stralloc_cats(why, "message ") && stralloc_cats(why, s->oldest) && stralloc_cats(why, " has waited ")
    && stralloc_cats(why, a) && stralloc_cats(why, " s, more than ALERT_AGE (") && stralloc_cats(why, m)
    && stralloc_cats(why, " s)") && stralloc_0(why);
}

int alert_check (alert *a, queue_status const *s, time_t now, stralloc *why, time_t *since)
{
  char const *cls = s->pause_class ? s->pause_class : "";
  if (strncmp(a->paused, cls, sizeof a->paused - 1))
  {
    int kind = *cls ? ALERT_PAUSED : ALERT_RESUMED;
    if (kind == ALERT_PAUSED ? !why_pause(why, s) : !(why->len = 0, stralloc_cats(why, "the queue runs again") && stralloc_0(why))) return -1;
    *since = *cls ? s->pause_since : now;
    strncpy(a->paused, cls, sizeof a->paused - 1);
    a->paused[sizeof a->paused - 1] = 0;
    return kind;
  }
  if (a->maxage)
  {
    time_t age = s->oldest[0] ? now - queue_status_id_time(s->oldest) : 0;
    /* once per stretch: again only after the oldest came back under the limit */
    if (age < (time_t)a->maxage) a->aged = 0;
    else if (!a->aged)
    {
      if (!why_age(why, s, age, a->maxage)) return -1;
      *since = queue_status_id_time(s->oldest);
      a->aged = 1;
      return ALERT_AGE;
    }
  }
  return ALERT_NONE;
}

static void alert_child (char const *cmd, char const *kind, char const *reason, time_t since)
{
  char fmt[UINT64_FMT];
  int fd = open("/dev/null", O_RDONLY);
  fmt[uint64_fmt(fmt, (uint64_t)since)] = 0;
  if (fd < 0 || dup2(fd, 0) < 0) _exit(111);
  if (setenv("SMARTHOST_ALERT_KIND", kind, 1) < 0 || setenv("SMARTHOST_ALERT_REASON", reason, 1) < 0
   || setenv("SMARTHOST_ALERT_SINCE", fmt, 1) < 0) _exit(111);
  execl("/bin/sh", "sh", "-c", cmd, (char *)0);
  _exit(127);
}

int alert_run (char const *cmd, char const *kind, char const *reason, time_t since)
{
  int wstat;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (!pid)
  {
    /* a grandchild, adopted by init: the scheduler waits only for its own workers */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, 0);
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGALRM, &sa, 0);
    sigaction(SIGCHLD, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    /* nor blocked (smarthost-send's selfpipe blocks what it traps) */
    sig_blocknone();
    pid = fork();
    if (pid < 0) _exit(111);
    if (!pid) alert_child(cmd, kind, reason, since);
    _exit(0);
  }
  while (waitpid(pid, &wstat, 0) < 0)
    if (errno != EINTR) return -1;
  if (!WIFEXITED(wstat) || WEXITSTATUS(wstat)) return (errno = EAGAIN, -1);
  return 0;
}
