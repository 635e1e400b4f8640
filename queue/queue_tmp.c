/* Writing a message into the spool, and the commit point.

   tmp/ID  --fsync--> --rename(NOREPLACE)--> new/ID --fsync(new/)--> done

   Until the rename, a crash leaves only tmp/ID, which nobody reads and
   which is removed after 36 hours. After the rename, the message exists;
   fsync of new/ makes the rename itself survive a power loss, and only then
   may the injector report success. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include "queue.h"

int queue_tmp_open (queue_tmp *t, char const *dir, char const *id)
{
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return -1;
  return queue_tmp_openat(t, dirfd, id);
}

int queue_tmp_openat (queue_tmp *t, int dirfd, char const *id)
{
  char path[4 + QUEUE_ID_SIZE] = "tmp/";
  memcpy(path + 4, id, QUEUE_ID_SIZE);
  t->dirfd = dirfd;
  t->fd = openat(t->dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (t->fd < 0)
  {
    int e = errno;
    fd_close(t->dirfd);
    t->dirfd = -1;
    return (errno = e, -1);
  }
  memcpy(t->id, id, QUEUE_ID_SIZE);
  return 0;
}

void queue_tmp_abort (queue_tmp *t)
{
  int e = errno;
  char path[4 + QUEUE_ID_SIZE] = "tmp/";
  memcpy(path + 4, t->id, QUEUE_ID_SIZE);
  if (t->fd >= 0) fd_close(t->fd);
  if (t->dirfd >= 0)
  {
    unlinkat(t->dirfd, path, 0);
    fd_close(t->dirfd);
  }
  t->fd = t->dirfd = -1;
  errno = e;
}

static int queue_fsync_dir (int dirfd, char const *name)
{
  int r;
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  r = fsync(fd);
  fd_close(fd);
  return r;
}

int queue_tmp_commit (queue_tmp *t)
{
  char from[4 + QUEUE_ID_SIZE] = "tmp/";
  char to[4 + QUEUE_ID_SIZE] = "new/";
  memcpy(from + 4, t->id, QUEUE_ID_SIZE);
  memcpy(to + 4, t->id, QUEUE_ID_SIZE);
  if (fsync(t->fd) < 0) goto fail;
  if (close(t->fd) < 0) { t->fd = -1; goto fail; }
  t->fd = -1;
  if (renameat2(t->dirfd, from, t->dirfd, to, RENAME_NOREPLACE) < 0) goto fail;
  if (queue_fsync_dir(t->dirfd, "new") < 0)
  {
    /* The message is in new/ but the rename may not be durable: take it
       back, so that a failure reported to the client means "not queued". */
    int e = errno;
    unlinkat(t->dirfd, to, 0);
    fd_close(t->dirfd);
    t->dirfd = -1;
    return (errno = e, -1);
  }
  fd_close(t->dirfd);
  t->dirfd = -1;
  return 0;
 fail:
  queue_tmp_abort(t);
  return -1;
}

int queue_trigger (char const *dir)
{
  char path[4096];
  int fd;
  if (snprintf(path, sizeof path, "%s/trigger", dir) >= (int)sizeof path)
    return (errno = ENAMETOOLONG, -1);
  fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == ENXIO ? 0 : -1;
  if (write(fd, "", 1) < 0 && errno != EAGAIN) { fd_close(fd); return -1; }
  fd_close(fd);
  return 0;
}
