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
#include "queue_upsize.h"

#define UPSIZE_NAME "/upstream-size"

int queue_upsize_read (char const *dir, uint64_t *size)
{
  stralloc path = STRALLOC_ZERO;
  char buf[UINT64_FMT + 2];
  ssize_t r;
  size_t n;
  int fd;
  if (!stralloc_cats(&path, dir) || !stralloc_cats(&path, UPSIZE_NAME) || !stralloc_0(&path)) return -1;
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

int queue_upsize_write (char const *dir, uint64_t size)
{
  stralloc tmp = STRALLOC_ZERO, dst = STRALLOC_ZERO;
  char num[UINT64_FMT + 1];
  char pid[PID_FMT];
  size_t n = uint64_fmt(num, size);
  int fd = -1, r = -1, e;
  num[n++] = '\n';
  pid[pid_fmt(pid, getpid())] = 0;
  if (!stralloc_cats(&dst, dir) || !stralloc_cats(&dst, UPSIZE_NAME) || !stralloc_0(&dst)
   || !stralloc_cats(&tmp, dir) || !stralloc_cats(&tmp, UPSIZE_NAME ".") || !stralloc_cats(&tmp, pid)
   || !stralloc_0(&tmp)) goto end;
  fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
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
