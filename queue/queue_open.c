/* Opening a message file the scheduler has taken. The smtpd's user may
   put anything under an id into new/ (a link, a FIFO, a directory:
   queue/README.md, the privilege model), and the scheduler moves what it
   finds there into cur/. So a message is opened without following a
   link and without blocking on a FIFO, and must be a regular file. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "queue.h"

int queue_msg_openat (int dirfd, char const *id)
{
  struct stat st;
  int fd = openat(dirfd, id, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, &st) < 0) { int e = errno; close(fd); return (errno = e, -1); }
  if (!S_ISREG(st.st_mode)) { close(fd); return (errno = EFTYPE_QUEUE, -1); }
  /* back to blocking reads: a regular file never blocks anyway, but the
     descriptor may be handed to code that expects the usual flags */
  if (fcntl(fd, F_SETFL, 0) < 0) { int e = errno; close(fd); return (errno = e, -1); }
  return fd;
}

/* The worker is handed a path (doc/interfaces.md, jobs): its directory
   is opened as given, the message in it as above. */
int queue_msg_open (char const *path)
{
  char const *slash = strrchr(path, '/');
  int dirfd, fd;
  if (!slash) return queue_msg_openat(AT_FDCWD, path);
  if (slash == path) dirfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  else
  {
    size_t n = (size_t)(slash - path);
    char dir[PATH_MAX];
    if (n >= sizeof dir) return (errno = ENAMETOOLONG, -1);
    memcpy(dir, path, n);
    dir[n] = 0;
    dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  if (dirfd < 0) return -1;
  fd = queue_msg_openat(dirfd, slash + 1);
  if (fd < 0) { int e = errno; close(dirfd); return (errno = e, -1); }
  close(dirfd);
  return fd;
}
