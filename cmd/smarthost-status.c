/* smarthost-status: the queue's state for people, from the status file
   smarthost-send keeps (queue/status, queue/queue_status.h) and the SIZE
   smarthost-remote recorded (queue/upstream-size). Reads files only: it
   works while the scheduler runs, and says when the file is stale. Root
   or the send user: the file is the send user's, 0600. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "queue_status.h"
#include "queue_upsize.h"

#define USAGE "smarthost-status DIR"
#define dieusage() strerr_dieusage(100, USAGE)

static stralloc file = STRALLOC_ZERO;

/* The value of key in the status file ("" when absent). */
static char const *get (char const *key)
{
  static stralloc v = STRALLOC_ZERO;
  char const *s = queue_status_value(&file, key, &v);
  if (!s) strerr_diefu(111, "allocate");
  return s;
}

static uint64_t num (char const *key)
{
  uint64_t n = 0;
  uint64_scan(get(key), &n);
  return n;
}

static void out (char const *s) { if (buffer_puts(buffer_1, s) < 0) strerr_diefusys(111, "write to stdout"); }

static void out_num (uint64_t n)
{
  char fmt[UINT64_FMT];
  fmt[uint64_fmt(fmt, n)] = 0;
  out(fmt);
}

/* "2026-11-30 12:00:00 UTC (300 s ago)" */
static void out_time (time_t t, time_t now)
{
  char buf[64];
  struct tm tm;
  if (!t) { out("never"); return; }
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  out(buf);
  if (now >= t) { out(" ("); out_num((uint64_t)(now - t)); out(" s ago)"); }
  else { out(" (in "); out_num((uint64_t)(t - now)); out(" s)"); }
}

static void print_pause (time_t t)
{
  if (!num("paused")) { out("queue:        running\n"); return; }
  out("queue:        PAUSED ("); out(get("pause_class")); out(") since ");
  out_time((time_t)num("pause_since"), t); out("\n");
  out("why:          "); out(get("pause_reason")); out("\n");
  if (num("next_probe")) { out("next probe:   "); out_time((time_t)num("next_probe"), t); out("\n"); }
}

/* "route.J.key" of the status file */
static char const *rget (unsigned int j, char const *key)
{
  char k[40];
  char fmt[UINT_FMT];
  fmt[uint_fmt(fmt, j)] = 0;
  strcpy(k, "route.");
  strcat(k, fmt);
  if (*key) { strcat(k, "."); strcat(k, key); }
  return get(k);
}

static uint64_t rnum (unsigned int j, char const *key)
{
  uint64_t n = 0;
  uint64_scan(rget(j, key), &n);
  return n;
}

/* With ROUTES: a few lines per route, every paused one with its reason. */
static void print_routes (char const *q, time_t t)
{
  unsigned int j, n = (unsigned int)num("routes");
  if (n > 1000) n = 1000;  /* ROUTE_MAX: the file is trusted no further */
  if (n) { out("routes:       "); out_num(num("paused_routes")); out(" of "); out_num(n); out(" paused\n"); }
  for (j = 1; j <= n; j++)
  {
    stralloc up = STRALLOC_ZERO;
    uint64_t size;
    if (!stralloc_cats(&up, rget(j, "upstream")) || !stralloc_0(&up)) strerr_diefu(111, "allocate");
    out("route "); out(rget(j, "")); out(" ("); out(up.len > 1 ? up.s : "UPSTREAM"); out("): ");
    if (rnum(j, "paused"))
    {
      out("PAUSED ("); out(rget(j, "pause_class")); out(") since "); out_time((time_t)rnum(j, "pause_since"), t); out("\n");
      out("  why:        "); out(rget(j, "pause_reason")); out("\n");
      if (rnum(j, "next_probe")) { out("  next probe: "); out_time((time_t)rnum(j, "next_probe"), t); out("\n"); }
    }
    else out("running\n");
    if (rnum(j, "throttled_until") > (uint64_t)t) { out("  throttled:  until "); out_time((time_t)rnum(j, "throttled_until"), t); out("\n"); }
    out("  sessions:   at most "); out_num(rnum(j, "session_limit")); out(" at once");
    if (rnum(j, "session_limit") < num("concurrency")) out(": the upstream refused more as too many connections");
    out("\n  SIZE:       ");
    if (queue_upsize_read_route(q, up.len > 1 ? up.s : 0, &size) > 0) { out_num(size); out(" octets\n"); }
    else out("not known yet\n");
    stralloc_free(&up);
  }
}

static void print_queue (char const *q, time_t t)
{
  char oldest[QUEUE_ID_SIZE];
  uint64_t size;
  strncpy(oldest, get("oldest"), sizeof oldest - 1);
  oldest[sizeof oldest - 1] = 0;
  if (num("throttled_until") > (uint64_t)t) { out("throttled:    the upstream asked us to wait until "); out_time((time_t)num("throttled_until"), t); out("\n"); }
  if (*get("session_limit") && num("session_limit") < num("concurrency"))
  {
    out("sessions:     at most "); out_num(num("session_limit")); out(" at once (CONCURRENCY ");
    out_num(num("concurrency")); out("): the upstream refused more as too many connections\n");
  }
  else if (*get("session_limit")) { out("sessions:     at most "); out_num(num("session_limit")); out(" at once (CONCURRENCY)\n"); }
  out("messages:     "); out_num(num("messages")); out(" ("); out_num(num("held")); out(" held)\n");
  out("recipients:   ");
  if (num("uncounted")) out("at least ");
  out_num(num("recipients")); out(" not yet delivered");
  if (num("uncounted")) { out(" ("); out_num(num("uncounted")); out(" messages not read since the scheduler started count one each)"); }
  out("\n");
  out("oldest:       ");
  if (*oldest) { out(oldest); out(", arrived "); out_time(queue_status_id_time(oldest), t); } else out("none");
  out("\n");
  out("upstream SIZE: ");
  /* with ROUTES each route's own (above): the plain record is conf/'s
     route's, which a * route leaves unused and stale */
  if (num("routes")) out("per route, above");
  else if (queue_upsize_read(q, &size) > 0) { out_num(size); out(" octets"); }
  else out("not known yet");
  out("\n");
}

int main (int argc, char const *const *argv)
{
  stralloc q = STRALLOC_ZERO;
  time_t t = time(0);
  int r;
  PROG = "smarthost-status";
  if (argc != 2) dieusage();
  if (!queue_spool_of(&q, argv[1])) strerr_diefu(111, "allocate");
  r = queue_status_load(q.s, &file);
  if (!r) strerr_dief(111, "no ", q.s, "/status: smarthost-send has not run on this spool yet");
  if (r < 0) strerr_diefusys(111, "read ", q.s, "/status");
  out("scheduler:    started "); out_time((time_t)num("started"), t); out(", status written ");
  out_time((time_t)num("updated"), t); out("\n");
  print_pause(t);
  print_routes(q.s, t);
  print_queue(q.s, t);
  out("last delivery: "); out_time((time_t)num("last_delivery"), t);
  if (*get("last_delivery_id")) { out(", "); out(get("last_delivery_id")); }
  out("\nlast failure: "); out_time((time_t)num("last_failure"), t);
  if (*get("last_failure_text")) { out(", "); out(get("last_failure_text")); }
  out("\nsince start:  "); out_num(num("deliveries")); out(" delivered, "); out_num(num("failures"));
  out(" failed, "); out_num(num("deferrals")); out(" deferred, "); out_num(num("bounces")); out(" bounces\n");
  if (!buffer_flush(buffer_1)) strerr_diefusys(111, "write to stdout");
  return 0;
}
