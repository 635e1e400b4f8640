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

#define USAGE "smarthost-status DIR"
#define dieusage() strerr_dieusage(100, USAGE)

static stralloc file = STRALLOC_ZERO;

/* The value of key in the status file ("" when absent). */
static char const *get (char const *key)
{
  static stralloc v = STRALLOC_ZERO;
  size_t k = strlen(key), i = 0;
  v.len = 0;
  while (i < file.len)
  {
    char const *line = file.s + i;
    char const *nl = memchr(line, '\n', file.len - i);
    size_t len = nl ? (size_t)(nl - line) : file.len - i;
    if (len > k && !memcmp(line, key, k) && line[k] == '\t')
    {
      if (!stralloc_catb(&v, line + k + 1, len - k - 1)) break;
      break;
    }
    i += len + 1;
  }
  if (!stralloc_0(&v)) return "";
  return v.s;
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

static void spool_of (char const *dir, stralloc *q)
{
  stralloc t = STRALLOC_ZERO;
  if (!stralloc_cats(&t, dir) || !stralloc_cats(&t, "/queue/cur") || !stralloc_0(&t)) strerr_diefu(111, "allocate");
  if (!stralloc_cats(q, dir) || (access(t.s, F_OK) == 0 && !stralloc_cats(q, "/queue"))) strerr_diefu(111, "allocate");
  stralloc_free(&t);
}

static void print_pause (time_t t)
{
  if (!num("paused")) { out("queue:        running\n"); return; }
  out("queue:        PAUSED ("); out(get("pause_class")); out(") since ");
  out_time((time_t)num("pause_since"), t); out("\n");
  out("why:          "); out(get("pause_reason")); out("\n");
  if (num("next_probe")) { out("next probe:   "); out_time((time_t)num("next_probe"), t); out("\n"); }
}

static void print_queue (char const *q, time_t t)
{
  char oldest[QUEUE_ID_SIZE];
  char size[32];
  ssize_t r;
  stralloc p = STRALLOC_ZERO;
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
  if (!stralloc_cats(&p, q) || !stralloc_cats(&p, "/upstream-size") || !stralloc_0(&p)) strerr_diefu(111, "allocate");
  r = openreadnclose(p.s, size, sizeof size - 1);
  if (r > 0) { while (r && (size[r-1] == '\n')) r--; size[r] = 0; out(size); out(" octets"); }
  else out("not known yet");
  out("\n");
  stralloc_free(&p);
}

int main (int argc, char const *const *argv)
{
  stralloc q = STRALLOC_ZERO, path = STRALLOC_ZERO;
  time_t t = time(0);
  PROG = "smarthost-status";
  if (argc != 2) dieusage();
  spool_of(argv[1], &q);
  if (!stralloc_copy(&path, &q) || !stralloc_cats(&path, "/status") || !stralloc_0(&path) || !stralloc_0(&q)) strerr_diefu(111, "allocate");
  if (!openslurpclose(&file, path.s))
  {
    if (errno == ENOENT) strerr_dief(111, "no ", path.s, ": smarthost-send has not run on this spool yet");
    strerr_diefusys(111, "read ", path.s);
  }
  out("scheduler:    started "); out_time((time_t)num("started"), t); out(", status written ");
  out_time((time_t)num("updated"), t); out("\n");
  print_pause(t);
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
