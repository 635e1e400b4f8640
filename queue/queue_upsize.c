/* queue/upstream-size in one place (queue_upsize.h): its writer,
   smarthost-remote, and its readers, the smtpd and smarthost-status. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "queue.h"
#include "queue_upsize.h"

#define UPSIZE_NAME "upstream-size"

/* 64-bit FNV-1a: short, stable, no table; a collision would only give
   one upstream's SIZE to another's senders, at odds of 2^-64. */
static uint64_t upsize_hash (char const *s)
{
  uint64_t h = 14695981039346656037ULL;
  for (; *s; s++) { h ^= (unsigned char)*s; h *= 1099511628211ULL; }
  return h;
}

int queue_upsize_name (stralloc *sa, char const *upstream)
{
  char hex[17];
  uint64_t h;
  unsigned int i;
  if (!stralloc_cats(sa, UPSIZE_NAME)) return 0;
  if (!upstream) return 1;
  h = upsize_hash(upstream);
  for (i = 16; i--; h >>= 4) hex[i] = "0123456789abcdef"[h & 15];
  hex[16] = 0;
  return stralloc_catb(sa, ".", 1) && stralloc_cats(sa, hex);
}

/* dir/name of upstream's record, NUL-terminated. 1, or 0. */
static int upsize_path (stralloc *sa, char const *dir, char const *upstream)
{
  return stralloc_cats(sa, dir) && stralloc_catb(sa, "/", 1) && queue_upsize_name(sa, upstream) && stralloc_0(sa);
}

int queue_upsize_read (char const *dir, uint64_t *size)
{
  return queue_upsize_read_route(dir, 0, size);
}

int queue_upsize_write (char const *dir, uint64_t size)
{
  return queue_upsize_write_route(dir, 0, size);
}

int queue_upsize_read_route (char const *dir, char const *upstream, uint64_t *size)
{
  stralloc path = STRALLOC_ZERO;
  char buf[UINT64_FMT + 2];
  ssize_t r;
  size_t n;
  int fd;
  if (!upsize_path(&path, dir, upstream)) return -1;
  /* not blocking on a FIFO: the smtpd reads this in every session */
  fd = open(path.s, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  stralloc_free(&path);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  r = fd_read(fd, buf, sizeof buf - 1);
  fd_close(fd);
  if (r < 0) return errno == EAGAIN ? 0 : -1;
  buf[r] = 0;
  n = uint64_scan(buf, size);
  return n && buf[n] == '\n' && !buf[n + 1];
}

int queue_upsize_write_route (char const *dir, char const *upstream, uint64_t size)
{
  stralloc tmp = STRALLOC_ZERO, dst = STRALLOC_ZERO;
  char num[UINT64_FMT + 1];
  char pid[PID_FMT];
  size_t n = uint64_fmt(num, size);
  int fd = -1, r = -1, e;
  num[n++] = '\n';
  pid[pid_fmt(pid, getpid())] = 0;
  if (!upsize_path(&dst, dir, upstream) || !stralloc_copyb(&tmp, dst.s, dst.len - 1)
   || !stralloc_catb(&tmp, ".", 1) || !stralloc_cats(&tmp, pid) || !stralloc_0(&tmp)) goto end;
  fd = queue_file_fresh(AT_FDCWD, tmp.s, 0644);
  if (fd < 0) goto end;
  if (allwrite(fd, num, n) == n)
  {
    int c = close(fd);
    fd = -1;
    if (!c && !rename(tmp.s, dst.s)) r = 0;
  }
  if (r < 0) { e = errno; unlink(tmp.s); errno = e; }
 end:
  e = errno;
  if (fd >= 0) fd_close(fd);
  stralloc_free(&tmp);
  stralloc_free(&dst);
  errno = e;
  return r;
}

int queue_upsize_sender (queue_upsize_routes *ur, char const *dir, char const *file, char const *sender, uint64_t *size, stralloc *err)
{
  int first = 0, r;
  if (file && *file && !ur->loaded)
  {
    first = 1;
    r = routes_load(&ur->rt, file, err);
    ur->loaded = r > 0 ? 1 : -1;
    if (r < 0)
    {
      /* routes_load named the file; the reason after it, for the log */
      char const *why = strerror(errno);
      if (err->len && !err->s[err->len - 1]) err->len--;
      if (!stralloc_cats(err, ": ") || !stralloc_cats(err, why) || !stralloc_0(err)) return -1;
      err->len--;
    }
  }
  if (ur->loaded > 0)
  {
    route const *rt = routes_get(&ur->rt, routes_match(&ur->rt, sender));
    return queue_upsize_read_route(dir, rt->upstream, size);
  }
  r = queue_upsize_read(dir, size);
  return first && ur->loaded < 0 && r >= 0 ? -2 : r;
}

void queue_upsize_routes_free (queue_upsize_routes *ur)
{
  routes_free(&ur->rt);
  ur->loaded = 0;
}
