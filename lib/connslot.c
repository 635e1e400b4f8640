/* connslot.c: per-client connection slots as flock()ed files */
#include <errno.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "lockfile.h"
#include "connslot.h"

int connslot_take (char const *dir, char const *key, unsigned int n, stralloc *path)
{
  unsigned int i;
  for (i = 0; i < n; i++)
  {
    char fmt[UINT_FMT];
    int fd;
    fmt[uint_fmt(fmt, i)] = 0;
    path->len = 0;
    if (!stralloc_cats(path, dir) || !stralloc_cats(path, "/conn-") || !stralloc_cats(path, key)
     || !stralloc_catb(path, "-", 1) || !stralloc_cats(path, fmt) || !stralloc_0(path)) return -1;
    fd = lockfile_take(path->s, 1);
    if (fd >= 0) return fd;
    if (errno != EWOULDBLOCK) return -1;
  }
  return (errno = EBUSY, -1);
}

void connslot_release (stralloc *path, int fd, int remove)
{
  if (remove) lockfile_drop(path->s, fd);
  else close(fd);
}
