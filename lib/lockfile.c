/* lockfile.c: flock()ed files that may be removed by their holder */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include "lockfile.h"

/* A bound on how often the file can be removed under us; each round means
   another process got the lock and finished, so it is never reached in
   practice. */
#define LOCKFILE_TRIES 100

/* 1 if fd is still the file named path, 0 if not, -1 on error. */
static int same_file (char const *path, int fd)
{
  struct stat a, b;
  if (fstat(fd, &a) < 0) return -1;
  if (lstat(path, &b) < 0) return errno == ENOENT ? 0 : -1;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int lockfile_take (char const *path, int nowait)
{
  unsigned int i;
  for (i = 0; i < LOCKFILE_TRIES; i++)
  {
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    int r;
    if (fd < 0) return -1;
    do r = flock(fd, nowait ? LOCK_EX | LOCK_NB : LOCK_EX);
    while (r < 0 && errno == EINTR);
    if (r == 0) r = same_file(path, fd);
    if (r == 1) return fd;
    {
      int e = errno;
      close(fd);
      /* r == 0: removed by its last holder while we waited; try again */
      if (r < 0) return (errno = e, -1);
    }
  }
  return (errno = EAGAIN, -1);
}

void lockfile_drop (char const *path, int fd)
{
  unlink(path);
  close(fd);
}
