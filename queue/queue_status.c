/* queue_status.c: the status file and the metrics (queue_status.h) */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/types.h>

#include "queue_status.h"

time_t queue_status_id_time (char const *id)
{
  uint64_t t = 0;
  uint64_scan(id, &t);
  return (time_t)t;
}

uint32_t queue_status_pending (queue_state const *st)
{
  size_t i, n = queue_state_n(st);
  uint32_t k = 0;
  for (i = 0; i < n; i++) if (queue_state_rcpt(st, i)->status == QUEUE_RCPT_DEFER) k++;
  return k;
}

static int cat_u64 (stralloc *sa, uint64_t n)
{
  char fmt[UINT64_FMT];
  return stralloc_catb(sa, fmt, uint64_fmt(fmt, n));
}

/* key TAB value LF, the value a number */
static int line_num (stralloc *sa, char const *key, uint64_t n)
{
  return stralloc_cats(sa, key) && stralloc_catb(sa, "\t", 1) && cat_u64(sa, n) && stralloc_catb(sa, "\n", 1);
}

/* key TAB value LF, the value text without TAB or LF (printable already) */
static int line_str (stralloc *sa, char const *key, char const *s)
{
  return stralloc_cats(sa, key) && stralloc_catb(sa, "\t", 1) && stralloc_cats(sa, s) && stralloc_catb(sa, "\n", 1);
}

int queue_status_stamp (stralloc *sa, time_t now)
{
  return line_num(sa, "updated", (uint64_t)now);
}

static unsigned int routes_paused (queue_status const *s)
{
  unsigned int i, k = 0;
  for (i = 0; i < s->nroutes; i++) k += !!s->routes[i].pause_class;
  return k;
}

/* "route.J.key" (J from 1) TAB value: one block per route */
static int route_key (stralloc *sa, unsigned int j, char const *key)
{
  char fmt[UINT_FMT];
  return stralloc_cats(sa, "route.") && stralloc_catb(sa, fmt, uint_fmt(fmt, j))
    && (!*key || (stralloc_catb(sa, ".", 1) && stralloc_cats(sa, key)));
}

static int route_num (stralloc *sa, unsigned int j, char const *key, uint64_t n)
{
  return route_key(sa, j, key) && stralloc_catb(sa, "\t", 1) && cat_u64(sa, n) && stralloc_catb(sa, "\n", 1);
}

static int route_str (stralloc *sa, unsigned int j, char const *key, char const *v)
{
  return route_key(sa, j, key) && stralloc_catb(sa, "\t", 1) && stralloc_cats(sa, v ? v : "") && stralloc_catb(sa, "\n", 1);
}

/* "line N" or "conf/", as the log lines name a route */
static int route_name (stralloc *sa, queue_status_route const *r)
{
  if (!r->line) return stralloc_cats(sa, "conf/");
  return stralloc_cats(sa, "line ") && cat_u64(sa, r->line);
}

static int status_routes (stralloc *sa, queue_status const *s)
{
  unsigned int i;
  if (!line_num(sa, "routes", s->nroutes) || !line_num(sa, "paused_routes", routes_paused(s))) return 0;
  for (i = 0; i < s->nroutes; i++)
  {
    queue_status_route const *r = s->routes + i;
    unsigned int j = i + 1;
    if (!(route_key(sa, j, "") && stralloc_catb(sa, "\t", 1) && route_name(sa, r) && stralloc_catb(sa, "\n", 1)
     && route_str(sa, j, "upstream", r->upstream) && route_num(sa, j, "paused", !!r->pause_class)
     && route_str(sa, j, "pause_class", r->pause_class) && route_str(sa, j, "pause_reason", r->pause_reason)
     && route_num(sa, j, "pause_since", r->pause_class ? (uint64_t)r->pause_since : 0)
     && route_num(sa, j, "next_probe", r->pause_class ? (uint64_t)r->next_probe : 0)
     && route_num(sa, j, "throttled_until", (uint64_t)r->hold_until)
     && route_num(sa, j, "session_limit", r->session_limit))) return 0;
  }
  return 1;
}

int queue_status_text (stralloc *sa, queue_status const *s)
{
  char const *fail = s->last_failure_text.len ? s->last_failure_text.s : "";
  return line_num(sa, "started", (uint64_t)s->started)
    && line_num(sa, "paused", !!s->pause_class)
    && line_str(sa, "pause_class", s->pause_class ? s->pause_class : "")
    && line_str(sa, "pause_reason", s->pause_reason ? s->pause_reason : "")
    && line_num(sa, "pause_since", s->pause_class ? (uint64_t)s->pause_since : 0)
    && line_num(sa, "next_probe", s->pause_class ? (uint64_t)s->next_probe : 0)
    && line_num(sa, "throttled_until", (uint64_t)s->hold_until)
    && line_num(sa, "paced_until", (uint64_t)s->paced_until)
    && line_num(sa, "messages", s->messages)
    && line_num(sa, "held", s->held)
    && line_num(sa, "recipients", s->recipients)
    && line_num(sa, "uncounted", s->uncounted)
    && line_str(sa, "oldest", s->oldest)
    && line_num(sa, "deliveries", s->deliveries)
    && line_num(sa, "failures", s->failures)
    && line_num(sa, "deferrals", s->deferrals)
    && line_num(sa, "bounces", s->bounces)
    && line_num(sa, "last_delivery", (uint64_t)s->last_delivery)
    && line_str(sa, "last_delivery_id", s->last_delivery_id)
    && line_num(sa, "last_failure", (uint64_t)s->last_failure)
    && line_str(sa, "last_failure_text", fail)
    && line_num(sa, "session_limit", s->session_limit)
    && line_num(sa, "concurrency", s->concurrency)
    && status_routes(sa, s);
}

/* # HELP, # TYPE and one sample without labels */
static int metric (stralloc *sa, char const *name, char const *type, char const *help, uint64_t v)
{
  return stralloc_cats(sa, "# HELP smarthost_") && stralloc_cats(sa, name) && stralloc_catb(sa, " ", 1)
    && stralloc_cats(sa, help) && stralloc_cats(sa, "\n# TYPE smarthost_") && stralloc_cats(sa, name)
    && stralloc_catb(sa, " ", 1) && stralloc_cats(sa, type) && stralloc_cats(sa, "\nsmarthost_")
    && stralloc_cats(sa, name) && stralloc_catb(sa, " ", 1) && cat_u64(sa, v) && stralloc_catb(sa, "\n", 1);
}

/* One family with a sample per route, labelled route="line N" (or
   "conf/") and upstream (label values need no escaping: the routes
   file allows neither quotes, backslashes nor LF in them). */
static int metric_routes (stralloc *sa, char const *name, char const *type, char const *help, queue_status const *s, int paused)
{
  unsigned int i;
  if (!(stralloc_cats(sa, "# HELP smarthost_") && stralloc_cats(sa, name) && stralloc_catb(sa, " ", 1)
     && stralloc_cats(sa, help) && stralloc_cats(sa, "\n# TYPE smarthost_") && stralloc_cats(sa, name)
     && stralloc_catb(sa, " ", 1) && stralloc_cats(sa, type) && stralloc_catb(sa, "\n", 1))) return 0;
  for (i = 0; i < s->nroutes; i++)
  {
    queue_status_route const *r = s->routes + i;
    if (!(stralloc_cats(sa, "smarthost_") && stralloc_cats(sa, name) && stralloc_cats(sa, "{route=\"")
       && route_name(sa, r) && stralloc_cats(sa, "\",upstream=\"") && stralloc_cats(sa, r->upstream ? r->upstream : "")
       && stralloc_cats(sa, "\"} ") && cat_u64(sa, paused ? !!r->pause_class : r->session_limit)
       && stralloc_catb(sa, "\n", 1))) return 0;
  }
  return 1;
}

static int metrics_routes (stralloc *sa, queue_status const *s)
{
  if (!s->nroutes) return 1;
  return metric(sa, "queue_paused_routes", "gauge", "Routes (ROUTES) paused now: their mail waits, the others' goes.", routes_paused(s))
    && metric_routes(sa, "route_paused", "gauge", "1 while the route is paused (its upstream broken or refusing its account).", s, 1)
    && metric_routes(sa, "route_upstream_session_limit", "gauge", "Sessions the route's upstream is allowed at once now.", s, 0);
}

int queue_status_metrics (stralloc *sa, queue_status const *s, time_t now)
{
  time_t oldest = s->oldest[0] ? queue_status_id_time(s->oldest) : now;
  uint64_t age = now > oldest ? (uint64_t)(now - oldest) : 0;
  return metric(sa, "queue_messages", "gauge", "Messages queued, held ones included.", s->messages)
    && metric(sa, "queue_recipients", "gauge", "Recipients of the queued messages not yet delivered or failed (one for each uncounted message).", s->recipients)
    && metric(sa, "queue_uncounted_messages", "gauge", "Queued messages not read since start, counted as one recipient each.", s->uncounted)
    && metric(sa, "queue_held_messages", "gauge", "Messages held one by one.", s->held)
    && metric(sa, "queue_oldest_age_seconds", "gauge", "Age of the oldest queued message (0 when empty).", age)
    && metric(sa, "queue_paused", "gauge", "1 while the queue is paused (broken upstream or held by hand).", !!s->pause_class)
    && metric(sa, "deliveries_total", "counter", "Recipients the upstream accepted since start.", s->deliveries)
    && metric(sa, "failures_total", "counter", "Recipients refused for good since start.", s->failures)
    && metric(sa, "deferrals_total", "counter", "Recipient attempts deferred since start.", s->deferrals)
    && metric(sa, "bounces_total", "counter", "Bounces queued since start.", s->bounces)
    && metric(sa, "upstream_session_limit", "gauge", "Upstream sessions allowed at once now: CONCURRENCY, or fewer after the upstream refused sessions as too many.", s->session_limit)
    && metric(sa, "start_time_seconds", "gauge", "When smarthost-send started, in seconds since the epoch.", (uint64_t)s->started)
    && metrics_routes(sa, s);
}

int queue_status_replace (char const *path, char const *data, size_t len, unsigned int mode)
{
  char tmp[4096];
  int fd, e;
  size_t n = strlen(path);
  if (n + 5 > sizeof tmp) return (errno = ENAMETOOLONG, -1);
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp", 5);
  /* A new file, never one found there: MAILQ_FILE or METRICS_FILE may
     be in a directory others can write (queue_file_fresh). */
  fd = queue_file_fresh(AT_FDCWD, tmp, mode);
  if (fd < 0) return -1;
  /* the mode asked for, whatever the umask took away */
  if (fchmod(fd, mode) < 0 || allwrite(fd, data, len) != len) goto err;
  if (close(fd) < 0) { fd = -1; goto err; }
  if (rename(tmp, path) < 0) { fd = -1; goto err; }
  return 0;
 err:
  e = errno;
  if (fd >= 0) close(fd);
  unlink(tmp);
  errno = e;
  return -1;
}
