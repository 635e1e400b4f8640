/* authlimit.c: per-client AUTH failure records */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "lockfile.h"
#include "authlimit.h"

static int record_path (stralloc *sa, char const *dir, char const *key)
{
  return stralloc_cats(sa, dir) && stralloc_cats(sa, "/auth-") && stralloc_cats(sa, key) && stralloc_0(sa);
}

/* Reads "count last"; anything unreadable counts as no record. */
static void record_read (int fd, uint64_t *count, uint64_t *last)
{
  char buf[64];
  ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
  size_t n;
  *count = *last = 0;
  if (r <= 0) return;
  buf[r] = 0;
  n = uint64_scan(buf, count);
  if (!n || buf[n] != ' ' || !uint64_scan(buf + n + 1, last)) *count = *last = 0;
}

static int record_write (int fd, uint64_t count, uint64_t last)
{
  char buf[2 * UINT64_FMT + 2];
  size_t n = uint64_fmt(buf, count);
  ssize_t w;
  buf[n++] = ' ';
  n += uint64_fmt(buf + n, last);
  buf[n++] = '\n';
  w = pwrite(fd, buf, n, 0);
  if (w < 0) return -1;
  if ((size_t)w != n) return (errno = EIO, -1);
  return ftruncate(fd, n);
}

int authlimit_begin (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now)
{
  stralloc path = STRALLOC_ZERO;
  uint64_t count, last;
  int fd, r = -1;
  if (!record_path(&path, dir, key)) return -1;
  fd = lockfile_take(path.s, 0);
  if (fd < 0) goto end;
  record_read(fd, &count, &last);
  /* a window over: the failures are forgotten (a clock set back too) */
  if (now < last || now - last >= window) count = 0;
  if (count >= maxfail) r = 0;
  else r = record_write(fd, count + 1, now) < 0 ? -1 : 1;
  {
    int e = errno;
    close(fd);
    errno = e;
  }
 end:
  stralloc_free(&path);
  return r;
}

int authlimit_success (char const *dir, char const *key)
{
  stralloc path = STRALLOC_ZERO;
  int fd;
  if (!record_path(&path, dir, key)) return -1;
  fd = lockfile_take(path.s, 0);
  if (fd >= 0) lockfile_drop(path.s, fd);
  stralloc_free(&path);
  return fd < 0 ? -1 : 0;
}
