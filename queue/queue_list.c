/* queue_list.c: the queue listing of mailq (queue_list.h) */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/types.h>

#include "printable.h"
#include "queue.h"
#include "queue_list.h"
#include "queue_status.h"

#define cats(sa, s) stralloc_cats(sa, s)

/* q/sub/name into l->path, NUL-terminated. 1, or 0. */
static int path_set (queue_list *l, char const *sub, char const *name)
{
  l->path.len = 0;
  return cats(&l->path, l->q) && stralloc_catb(&l->path, "/", 1) && cats(&l->path, sub)
    && (!name || (stralloc_catb(&l->path, "/", 1) && cats(&l->path, name))) && stralloc_0(&l->path);
}

/* ---- the state file (queue_state_read, the scheduler's own reader) ---- */

/* code and text of recipient i as "CODE TEXT" (either may be absent)
   into l->reply. 1, or 0 on allocation failure. */
static int reply_set (queue_list *l, size_t i)
{
  char num[UINT_FMT];
  unsigned int code = queue_state_rcpt(&l->state, i)->code;
  char const *text = queue_state_text(&l->state, i);
  l->reply.len = 0;
  if (code && !stralloc_catb(&l->reply, num, uint_fmt(num, code))) return 0;
  if (code && *text && !stralloc_catb(&l->reply, " ", 1)) return 0;
  /* queue_state_set_at made the text printable; the code is digits */
  return stralloc_cats(&l->reply, text);
}

/* Reads state/ID into l->state and sets l->reply: the last deferral's
   reply, else the last recipient's. No state file, or one that cannot be
   read, is no reply; a malformed one (EPROTO) sets l->malformed too.
   1, or 0 on allocation failure. */
static int state_read (queue_list *l, char const *id)
{
  size_t i, n, last = (size_t)-1, lastdefer = (size_t)-1;
  /* a table grown for one huge message is given back, so that the
     thousands of small ones after it do not each clear it */
  if (l->state.hashcap > 4096) queue_state_free(&l->state);
  l->reply.len = 0;
  if (l->statefd == -1)
  {
    l->statefd = queue_state_open(l->q);
    if (l->statefd < 0) l->statefd = -2;
  }
  if (l->statefd < 0) { queue_state_clear(&l->state); return 1; }
  /* no link followed (root's mailq would show lines of another file),
     no FIFO read: queue_state_read calls either malformed */
  if (queue_state_read(l->statefd, id, &l->state) < 0)
  {
    if (errno == ENOMEM) return 0;
    if (errno == EPROTO) l->malformed = 1;
    queue_state_clear(&l->state);
    return 1;
  }
  n = queue_state_n(&l->state);
  for (i = 0; i < n; i++)
  {
    queue_rcpt const *r = queue_state_rcpt(&l->state, i);
    if (!r->code && !*queue_state_text(&l->state, i)) continue;
    last = i;
    if (r->status == QUEUE_RCPT_DEFER) lastdefer = i;
  }
  if (lastdefer != (size_t)-1) return reply_set(l, lastdefer);
  return last == (size_t)-1 || reply_set(l, last);
}

/* ---- the pieces of a line ---- */

static int age_cat (stralloc *out, char const *id, time_t now)
{
  char buf[64];
  uint64_t then = queue_status_id_time(id);
  uint64_t age = (uint64_t)now > then ? (uint64_t)now - then : 0;
  size_t n = 0;
  if (age >= 86400) { n += uint64_fmt(buf + n, age / 86400); buf[n++] = 'd'; age %= 86400; n += uint64_fmt(buf + n, age / 3600); buf[n++] = 'h'; }
  else if (age >= 3600) { n += uint64_fmt(buf + n, age / 3600); buf[n++] = 'h'; n += uint64_fmt(buf + n, age % 3600 / 60); buf[n++] = 'm'; }
  else if (age >= 60) { n += uint64_fmt(buf + n, age / 60); buf[n++] = 'm'; n += uint64_fmt(buf + n, age % 60); buf[n++] = 's'; }
  else { n += uint64_fmt(buf + n, age); buf[n++] = 's'; }
  return stralloc_catb(out, buf, n);
}

/* "ID AGE SIZE " */
static int head_cat (queue_list const *l, stralloc *out, char const *id, uint64_t size)
{
  char num[UINT64_FMT];
  return cats(out, id) && stralloc_catb(out, " ", 1) && age_cat(out, id, l->now) && stralloc_catb(out, " ", 1)
    && stralloc_catb(out, num, uint64_fmt(num, size)) && stralloc_catb(out, " ", 1);
}

/* An address from the spool as <addr>: its 8-bit and control bytes (an
   ESC or a CSI 0x9b would drive the terminal) shown as the logs show them. */
static int addr_cat (stralloc *out, char const *addr)
{
  return stralloc_catb(out, "<", 1) && printable_cat(out, addr, strlen(addr)) && stralloc_catb(out, ">", 1);
}

/* 1 when smarthost-control held the message (control/held.ID). */
static int held (queue_list *l, char const *id)
{
  stralloc name = STRALLOC_ZERO;
  int r = stralloc_cats(&name, "held.") && stralloc_cats(&name, id) && stralloc_0(&name)
    && path_set(l, "control", name.s) && access(l->path.s, F_OK) == 0;
  stralloc_free(&name);
  return r;
}

/* The recipients not done, at most l->maxrcpts of them. */
static int rcpts_cat (queue_list *l, stralloc *out, queue_env const *e)
{
  size_t pos, shown = 0, more = 0;
  for (pos = 0; pos < e->rcpts.len; pos += strlen(e->rcpts.s + pos) + 1)
  {
    int i = queue_state_find(&l->state, e->rcpts.s + pos);
    if (i >= 0 && queue_state_rcpt(&l->state, i)->status != QUEUE_RCPT_DEFER) continue;
    if (l->maxrcpts && shown >= l->maxrcpts) { more++; continue; }
    if (!stralloc_catb(out, " ", 1) || !addr_cat(out, e->rcpts.s + pos)) return 0;
    shown++;
  }
  if (more)
  {
    char num[UINT64_FMT];
    if (!cats(out, " (and ") || !stralloc_catb(out, num, uint64_fmt(num, more)) || !cats(out, " more)")) return 0;
  }
  return 1;
}

/* After the recipients: held, then the last reply, or why it waits. */
static int tail_cat (queue_list *l, stralloc *out, char const *sub, char const *id)
{
  if (held(l, id) && !cats(out, " (held)")) return 0;
  if (l->reply.len)
    return stralloc_catb(out, " ", 1) && stralloc_catb(out, l->reply.s, l->reply.len);
  if (!strcmp(sub, "new")) return cats(out, " (new)");
  if (l->wait) return stralloc_catb(out, " ", 1) && cats(out, l->wait);
  return cats(out, " (not tried yet)");
}

/* ---- the listing ---- */

int queue_list_one (queue_list *l, stralloc *out, char const *sub, char const *id)
{
  queue_env e = QUEUE_ENV_ZERO;
  struct stat st;
  int fd, r, ok;
  l->malformed = 0;
  if (!path_set(l, sub, id)) return -1;
  /* The smtpd's user may put anything under an id into new/ (queue/README.md,
     the privilege model): a link is not followed (root's listing would
     show another file's size and lines), a FIFO or a directory is not
     read (it would end the listing); each is named as what it is. */
  fd = queue_msg_openat(AT_FDCWD, l->path.s);
  if (fd < 0 && (errno == ELOOP || errno == EFTYPE_QUEUE))
    return head_cat(l, out, id, 0) && cats(out, "(not a message file: a link, FIFO or directory)\n") ? 1 : -1;
  if (fd < 0)
  {
    if (errno == ENOENT) return 0;
    if (errno != EACCES) return -1;
    /* A member of the queue's group sees names and sizes, not contents. */
    if (lstat(l->path.s, &st) < 0) return 0;
    return head_cat(l, out, id, (uint64_t)st.st_size) && cats(out, "(not readable by you)\n") ? 1 : -1;
  }
  if (fstat(fd, &st) < 0 || (r = queue_env_read(fd, &e)) < 0)
  {
    int err = errno;
    fd_close(fd);
    queue_env_free(&e);
    return (errno = err, -1);
  }
  fd_close(fd);
  if (!head_cat(l, out, id, r ? (uint64_t)(st.st_size - e.body) : (uint64_t)st.st_size)) goto nomem;
  if (!r) ok = cats(out, "(malformed message file)\n");
  else ok = addr_cat(out, e.sender.s) && state_read(l, id) && rcpts_cat(l, out, &e)
    && tail_cat(l, out, sub, id) && stralloc_catb(out, "\n", 1);
  if (!ok) goto nomem;
  queue_env_free(&e);
  return 1;
 nomem:
  queue_env_free(&e);
  return (errno = ENOMEM, -1);
}

/* The number key says in the status file; 0 when absent or no number. */
static uint64_t status_num (stralloc const *status, char const *key, stralloc *v)
{
  uint64_t n = 0;
  if (queue_status_value(status, key, v)) uint640_scan(v->s, &n);
  return n;
}

int queue_list_status (queue_list *l, stralloc *out, stralloc const *status)
{
  stralloc v = STRALLOC_ZERO;
  int ok = 1;
  l->wait = 0;
  if (!status->len) return 1;
  if (status_num(status, "paused", &v) == 1)
  {
    if (!queue_status_value(status, "pause_class", &v)) ok = 0;
    else if (!strcmp(v.s, "manual"))
    {
      ok = cats(out, "queue held by smarthost-control: nothing is sent until it is released\n");
      l->wait = "(queue held)";
    }
    else
    {
      ok = cats(out, "queue paused (") && cats(out, v.s) && cats(out, "): ")
        && queue_status_value(status, "pause_reason", &v) && cats(out, v.s) && cats(out, "\n");
      l->wait = "(queue paused)";
    }
  }
  else if (status_num(status, "throttled_until", &v) > (uint64_t)l->now)
  {
    ok = cats(out, "queue throttled: the upstream asked us to slow down\n");
    l->wait = "(queue throttled)";
  }
  else if (status_num(status, "paced_until", &v) > (uint64_t)l->now)
  {
    ok = cats(out, "queue rate-limited (RATE_MINUTE, RATE_HOUR): the next message goes when the rate allows\n");
    l->wait = "(rate-limited)";
  }
  stralloc_free(&v);
  return ok;
}

/* Appends "IDc\0" (c: the directory's first letter) for each id in sub. */
static int ids_of (queue_list const *l, char const *sub, stralloc *ids, size_t *n)
{
  stralloc path = STRALLOC_ZERO;
  DIR *d;
  struct dirent *de;
  int e = 0;
  if (!cats(&path, l->q) || !stralloc_catb(&path, "/", 1) || !cats(&path, sub) || !stralloc_0(&path)) return -1;
  d = opendir(path.s);
  e = errno;
  stralloc_free(&path);
  if (!d) return (errno = e, -1);
  for (;;)
  {
    errno = 0;
    de = readdir(d);
    if (!de) break;
    if (!queue_id_valid(de->d_name)) continue;
    if (!cats(ids, de->d_name) || !stralloc_catb(ids, sub, 1) || !stralloc_0(ids)) { errno = ENOMEM; break; }
    (*n)++;
  }
  e = errno;
  closedir(d);
  return e ? (errno = e, -1) : 0;
}

static int entry_cmp (void const *a, void const *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_list_ids (queue_list const *l, stralloc *ids, size_t *n)
{
  stralloc sorted = STRALLOC_ZERO;
  char **v;
  size_t i, pos;
  *n = 0;
  ids->len = 0;
  /* new/ first: a message only moves from new/ to cur/, so one taken
     between the two walks is seen in cur/ (and one seen in both is
     listed twice, never missed) */
  if (ids_of(l, "new", ids, n) < 0 || ids_of(l, "cur", ids, n) < 0) return -1;
  if (!*n) return 0;
  v = malloc(*n * sizeof *v);
  if (!v) return -1;
  for (i = 0, pos = 0; i < *n; i++, pos += strlen(ids->s + pos) + 1) v[i] = ids->s + pos;
  qsort(v, *n, sizeof *v, &entry_cmp);
  for (i = 0; i < *n; i++)
    if (!stralloc_catb(&sorted, v[i], strlen(v[i]) + 1)) { free(v); stralloc_free(&sorted); return (errno = ENOMEM, -1); }
  free(v);
  stralloc_free(ids);
  *ids = sorted;
  return 0;
}

int queue_list_next (stralloc *ids, size_t *pos, char const **id, char const **sub)
{
  char *entry = ids->s + *pos;
  size_t len;
  if (*pos >= ids->len) return 0;
  len = strlen(entry);
  *pos += len + 1;
  *sub = entry[len - 1] == 'n' ? "new" : "cur";
  entry[len - 1] = 0;
  *id = entry;
  return 1;
}

int queue_list_total (stralloc *out, size_t listed, size_t total)
{
  char num[UINT64_FMT];
  if (!total) return cats(out, "queue is empty\n");
  if (!cats(out, "-- ") || !stralloc_catb(out, num, uint64_fmt(num, total)) || !cats(out, total == 1 ? " message" : " messages"))
    return 0;
  if (listed < total && (!cats(out, " (the oldest ") || !stralloc_catb(out, num, uint64_fmt(num, listed)) || !cats(out, " listed)")))
    return 0;
  return stralloc_catb(out, "\n", 1);
}

int queue_list_write (char const *q, char const *file, size_t max, unsigned int maxrcpts, unsigned int mode, time_t now)
{
  queue_list l = QUEUE_LIST_ZERO;
  stralloc out = STRALLOC_ZERO, ids = STRALLOC_ZERO, status = STRALLOC_ZERO;
  size_t n, pos = 0, listed = 0, gone = 0;
  char const *id, *sub;
  int r = -1, e;
  l.q = q; l.now = now; l.maxrcpts = maxrcpts;
  /* no status file, or one not readable, says nothing */
  if (queue_status_load(q, &status) < 0) { if (errno == ENOMEM) goto end; status.len = 0; }
  if (!queue_list_status(&l, &out, &status) || queue_list_ids(&l, &ids, &n) < 0) goto end;
  while ((!max || listed < max) && queue_list_next(&ids, &pos, &id, &sub))
  {
    int k = queue_list_one(&l, &out, sub, id);
    if (k < 0) goto end;
    if (k) listed++; else gone++;
  }
  if (!queue_list_total(&out, listed, n - gone)) goto end;
  r = queue_status_replace(file, out.s, out.len, mode);
 end:
  e = errno;
  queue_list_free(&l);
  stralloc_free(&out);
  stralloc_free(&ids);
  stralloc_free(&status);
  errno = e;
  return r;
}

void queue_list_free (queue_list *l)
{
  if (l->statefd >= 0) fd_close(l->statefd);
  l->statefd = -1;
  queue_state_free(&l->state);
  stralloc_free(&l->reply);
  stralloc_free(&l->path);
}

int queue_listing_due (queue_listing const *l, time_t written)
{
  return l->file && written != l->status;
}

time_t queue_listing_wake (queue_listing const *l, time_t written, time_t w)
{
  time_t at = l->listed + QUEUE_LISTING_EVERY;
  return queue_listing_due(l, written) && w > at ? at : w;
}

int queue_listing_update (queue_listing *l, time_t written, time_t t)
{
  int r;
  if (!queue_listing_due(l, written) || t < l->listed + QUEUE_LISTING_EVERY) return 0;
  l->listed = t;
  l->status = written;
  r = queue_list_write(l->q, l->file, QUEUE_LISTING_MAX, QUEUE_LISTING_RCPTS, 0640, t);
  if (r < 0)
  {
    if (l->failing) return -2;
    l->failing = 1;
    return -1;
  }
  l->failing = 0;
  return 1;
}
