/* queue_state.c: read and write state/ID (queue/README.md, "State files").

   The file is rewritten whole, never edited in place: ID.tmp is written,
   fsynced and renamed over ID, then the directory is fsynced. A crash leaves
   either the old file or the new one, and at worst a stale ID.tmp that
   smarthost-send removes at start-up. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/fmtscan.h>
#include <skalibs/types.h>

#include "addr.h"
#include "printable.h"
#include "queue.h"
#include "queue_state.h"

/* A state file larger than this is refused as malformed, not read: a
   line is at most some 600 octets (an address, a code, a text cut at
   QUEUE_STATE_TEXT_MAX), so 100,000 recipients fit. */
#define QUEUE_STATE_MAX (128 << 20)

static char const *const status_names[3] = { "defer", "done", "fail" };

char const *queue_rcpt_status_name (unsigned int status)
{
  return status < 3 ? status_names[status] : "?";
}

static int status_scan (char const *s, unsigned int *status)
{
  unsigned int i = 0;
  for (; i < 3; i++)
    if (!strcmp(s, status_names[i])) { *status = i; return 1; }
  return 0;
}

void queue_state_clear (queue_state *st)
{
  st->attempts = 0;
  st->next = 0;
  st->warned = 0;
  genalloc_setlen(queue_rcpt, &st->rcpts, 0);
  st->sa.len = 0;
  /* a table grown for one huge message is given back, so that the
     thousands of small ones read after it (mailq) do not each clear it */
  if (st->hashcap > 4096) { free(st->hash); st->hash = 0; st->hashcap = 0; }
  else if (st->hashcap) memset(st->hash, 0, st->hashcap * sizeof *st->hash);
}

void queue_state_free (queue_state *st)
{
  genalloc_free(queue_rcpt, &st->rcpts);
  stralloc_free(&st->sa);
  free(st->hash);
  st->hash = 0;
  st->hashcap = 0;
  st->attempts = 0; st->next = 0; st->warned = 0;
}

static void hash_insert (queue_state *st, size_t i)
{
  char const *a = queue_state_addr(st, i);
  size_t mask = st->hashcap - 1;
  size_t h = addr_hash(a, strlen(a)) & mask;
  while (st->hash[h]) h = (h + 1) & mask;
  st->hash[h] = (uint32_t)i + 1;
}

/* Keeps the table at most half full: rebuilt at twice the size. */
static int hash_grow (queue_state *st)
{
  size_t n = queue_state_n(st), cap = st->hashcap ? st->hashcap : 64, i;
  uint32_t *h;
  if ((n + 1) * 2 <= st->hashcap) return 1;
  while ((n + 1) * 2 > cap) cap *= 2;
  h = calloc(cap, sizeof *h);
  if (!h) return 0;
  free(st->hash);
  st->hash = h;
  st->hashcap = cap;
  for (i = 0; i < n; i++) hash_insert(st, i);
  return 1;
}

int queue_state_find (queue_state const *st, char const *addr)
{
  size_t len = strlen(addr), mask = st->hashcap - 1, h;
  if (!st->hashcap) return -1;
  for (h = addr_hash(addr, len) & mask; st->hash[h]; h = (h + 1) & mask)
  {
    size_t i = st->hash[h] - 1;
    char const *a = queue_state_addr(st, i);
    if (addr_same(a, strlen(a), addr, len)) return (int)i;
  }
  return -1;
}

int queue_state_add (queue_state *st, char const *addr)
{
  int i = queue_state_find(st, addr);
  queue_rcpt r = { QUEUE_RCPT_DEFER, 0, st->sa.len, 0 };
  if (i >= 0) return i;
  if (queue_state_n(st) >= INT_MAX - 1 || !hash_grow(st)) return -1;
  /* the address, then an empty text right after its NUL */
  r.text = st->sa.len + strlen(addr);
  if (!stralloc_catb(&st->sa, addr, strlen(addr) + 1)) return -1;
  if (!genalloc_append(queue_rcpt, &st->rcpts, &r)) return -1;
  i = (int)queue_state_n(st) - 1;
  hash_insert(st, i);
  return i;
}

int queue_state_set_at (queue_state *st, size_t i, unsigned int status, unsigned int code, char const *text)
{
  size_t textpos = st->sa.len, len = strlen(text);
  if (len > QUEUE_STATE_TEXT_MAX) len = QUEUE_STATE_TEXT_MAX;
  if (!len) textpos = queue_state_rcpt(st, i)->addr + strlen(queue_state_addr(st, i));
  else if (!printable_cat(&st->sa, text, len) || !stralloc_0(&st->sa)) return 0;
  queue_state_rcpt(st, i)->status = status;
  queue_state_rcpt(st, i)->code = code;
  queue_state_rcpt(st, i)->text = textpos;
  return 1;
}

int queue_state_set (queue_state *st, char const *addr, unsigned int status, unsigned int code, char const *text)
{
  int i = queue_state_add(st, addr);
  return i >= 0 && queue_state_set_at(st, i, status, code, text);
}

/* Splits line (NUL-terminated, no LF) at TABs into at most max fields. */
static unsigned int fields_split (char *line, char **f, unsigned int max)
{
  unsigned int n = 0;
  f[n++] = line;
  while (n < max)
  {
    char *t = strchr(f[n-1], '\t');
    if (!t) break;
    *t = 0;
    f[n++] = t + 1;
  }
  return n;
}

static int line_parse (queue_state *st, char *line)
{
  char *f[4];
  unsigned int n = fields_split(line, f, 4);
  unsigned int status, code;
  uint64_t u;
  if (n == 2 && !strcmp(f[0], "attempts"))
    return uint0_scan(f[1], &st->attempts);
  if (n == 2 && !strcmp(f[0], "next"))
  {
    if (!uint640_scan(f[1], &u)) return 0;
    st->next = (time_t)u;
    return 1;
  }
  if (n == 2 && !strcmp(f[0], "warned"))
    return uint0_scan(f[1], &st->warned);
  /* the address may be empty: the injector takes an empty recipient */
  if (n == 4 && status_scan(f[0], &status) && uint0_scan(f[2], &code))
  {
    if (!queue_state_set(st, f[1], status, code, f[3])) return -1;
    return 1;
  }
  return 0;
}

static int state_parse (queue_state *st, stralloc *file)
{
  size_t pos = 0;
  while (pos < file->len)
  {
    char *nl = memchr(file->s + pos, '\n', file->len - pos);
    int r;
    if (!nl) return 0;  /* a torn last line: rename makes this impossible, refuse it */
    *nl = 0;
    r = line_parse(st, file->s + pos);
    if (r <= 0) return r;
    pos = nl - file->s + 1;
  }
  return 1;
}

int queue_state_open (char const *spool)
{
  stralloc path = STRALLOC_ZERO;
  int fd = -1, e;
  if (stralloc_cats(&path, spool) && stralloc_cats(&path, "/state") && stralloc_0(&path))
    fd = open(path.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  e = errno;
  stralloc_free(&path);
  errno = e;
  return fd;
}

int queue_state_read (int statefd, char const *id, queue_state *st)
{
  stralloc file = STRALLOC_ZERO;
  char buf[4096];
  int fd, r;
  queue_state_clear(st);
  /* a regular file only: a FIFO must not block the scheduler */
  fd = openat(statefd, id, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) { if (errno == ELOOP) errno = EPROTO; return errno == ENOENT ? 0 : -1; }
  {
    struct stat sb;
    if (fstat(fd, &sb) < 0) goto err;
    if (!S_ISREG(sb.st_mode)) { errno = EPROTO; goto err; }
  }
  for (;;)
  {
    ssize_t w = fd_read(fd, buf, sizeof buf);
    if (w < 0) goto err;
    if (!w) break;
    if (file.len + w > QUEUE_STATE_MAX) { errno = EPROTO; goto err; }
    if (!stralloc_catb(&file, buf, w)) goto err;
  }
  fd_close(fd);
  r = state_parse(st, &file);
  stralloc_free(&file);
  if (r < 0) return -1;
  if (!r) { queue_state_clear(st); errno = EPROTO; return -1; }
  return 1;
 err:
  r = errno;
  fd_close(fd);
  stralloc_free(&file);
  errno = r;
  return -1;
}

static int state_put (buffer *b, queue_state const *st)
{
  char fmt[UINT64_FMT];
  size_t i, n = queue_state_n(st);
  if (buffer_puts(b, "attempts\t") < 0
   || buffer_put(b, fmt, uint_fmt(fmt, st->attempts)) < 0
   || buffer_puts(b, "\nnext\t") < 0
   || buffer_put(b, fmt, uint64_fmt(fmt, (uint64_t)st->next)) < 0
   || buffer_puts(b, "\nwarned\t") < 0
   || buffer_put(b, fmt, uint_fmt(fmt, st->warned)) < 0
   || buffer_put(b, "\n", 1) < 0) return -1;
  for (i = 0; i < n; i++)
  {
    queue_rcpt const *r = queue_state_rcpt(st, i);
    if (buffer_puts(b, queue_rcpt_status_name(r->status)) < 0
     || buffer_put(b, "\t", 1) < 0
     || buffer_puts(b, st->sa.s + r->addr) < 0
     || buffer_put(b, "\t", 1) < 0
     || buffer_put(b, fmt, uint_fmt(fmt, r->code)) < 0
     || buffer_put(b, "\t", 1) < 0
     || buffer_puts(b, st->sa.s + r->text) < 0
     || buffer_put(b, "\n", 1) < 0) return -1;
  }
  return buffer_flush(b) ? 0 : -1;
}

int queue_state_write (int statefd, char const *id, queue_state const *st)
{
  char tmp[QUEUE_ID_SIZE + 8];
  char buf[4096];
  buffer b;
  int fd, e;
  size_t len = strlen(id);
  if (len > QUEUE_ID_LEN) { errno = EINVAL; return -1; }
  memcpy(tmp, id, len);
  memcpy(tmp + len, ".tmp", 5);
  fd = queue_file_fresh(statefd, tmp, 0600);
  if (fd < 0) return -1;
  buffer_init(&b, &buffer_write, fd, buf, sizeof buf);
  if (state_put(&b, st) < 0 || fsync(fd) < 0) goto err;
  if (close(fd) < 0) { fd = -1; goto err; }
  fd = -1;
  if (renameat(statefd, tmp, statefd, id) < 0) goto err;
  return fsync(statefd) < 0 && errno != EINVAL ? -1 : 0;
 err:
  e = errno;
  if (fd >= 0) fd_close(fd);
  unlinkat(statefd, tmp, 0);
  errno = e;
  return -1;
}

int queue_state_remove (int statefd, char const *id)
{
  return unlinkat(statefd, id, 0) < 0 && errno != ENOENT ? -1 : 0;
}
