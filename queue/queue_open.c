/* Opening a message file the scheduler has taken. The smtpd's user may
   put anything under an id into new/ (a link, a FIFO, a directory:
   queue/README.md, the privilege model), and the scheduler moves what it
   finds there into cur/. So a message is opened without following a
   link and without blocking on a FIFO, and must be a regular file. */

#include <errno.h>
#include <fcntl.h>
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
