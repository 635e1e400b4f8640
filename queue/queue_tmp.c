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
#include <sys/stat.h>
#include <skalibs/djbunix.h>
#include "queue.h"

int queue_file_fresh (int dirfd, char const *name, unsigned int mode)
{
  if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT) return -1;
  return openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
}

int queue_tmp_open (queue_tmp *t, char const *dir, char const *id)
{
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return -1;
  if (queue_tmp_openat(t, dirfd, id) < 0)
  {
    int e = errno;
    fd_close(dirfd);
    return (errno = e, -1);
  }
  t->owndir = 1;
  return 0;
}

/* The file's mode: 0600 when we are the spool's owner (the injector, the
   scheduler's bounces); 0640 when we are not (the smtpd), so that the
   spool's group, which holds the scheduler's user, can read it. Set with
   fchmod as well, so that a umask cannot take the group's read away. */
static int queue_tmp_mode (queue_tmp *t)
{
  struct stat st;
  if (fstat(t->dirfd, &st) < 0) return -1;
  if (st.st_uid == geteuid()) return 0;
  return fchmod(t->fd, QUEUE_MSG_MODE_SHARED);
}

int queue_tmp_openat (queue_tmp *t, int dirfd, char const *id)
{
  char path[4 + QUEUE_ID_SIZE] = "tmp/";
  memcpy(path + 4, id, QUEUE_ID_SIZE);
  t->owndir = 0;
  t->fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, QUEUE_MSG_MODE);
  if (t->fd < 0) return -1;
  t->dirfd = dirfd;
  memcpy(t->id, id, QUEUE_ID_SIZE);
  if (queue_tmp_mode(t) < 0)
  {
    int e = errno;
    queue_tmp_abort(t);
    return (errno = e, -1);
  }
  return 0;
}

static void queue_tmp_release (queue_tmp *t)
{
  if (t->owndir && t->dirfd >= 0) fd_close(t->dirfd);
  t->dirfd = -1;
  t->owndir = 0;
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
    queue_tmp_release(t);
  }
  t->fd = -1;
  errno = e;
}

/* Makes the rename into new/ durable. The spool's owner (the injector, the
   scheduler's bounces) opens new/ and fsyncs it. The smtpd's user may not
   read new/ (it must not list it: queue/README.md, the privilege model),
   and a directory cannot be opened for fsync without read permission; it
   fsyncs the file again, after the rename. On ext4, XFS and btrfs that
   makes the rename durable too: the rename changes the file's inode (its
   ctime) in the same journal transaction as the directory, and fsync of
   the inode forces the journal up to it (btrfs logs the new name of a
   renamed inode it fsyncs). */
static int queue_tmp_sync_new (queue_tmp *t)
{
  int r;
  int fd = openat(t->dirfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno == EACCES ? fsync(t->fd) : -1;
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
  if (renameat2(t->dirfd, from, t->dirfd, to, RENAME_NOREPLACE) < 0) goto fail;
  {
    int r = queue_tmp_sync_new(t);
    int e = errno;
    if (close(t->fd) < 0 && !r) { r = -1; e = errno; }
    t->fd = -1;
    /* The message is in new/ but the rename may not be durable: take it
       back, so that a failure reported to the client means "not queued". */
    if (r < 0) unlinkat(t->dirfd, to, 0);
    queue_tmp_release(t);
    errno = e;
    return r;
  }
 fail:
  queue_tmp_abort(t);
  return -1;
}

/* A file system without O_TMPFILE (NFS; overlayfs before Linux 6.6, as in
   containers): a scratch file named by a fresh id, unlinked at once. If we
   are killed in between, it is garbage in tmp/ like any other. */
static int scratch_named (int dirfd)
{
  char path[4 + QUEUE_ID_SIZE] = "tmp/";
  int fd;
  queue_id_make(path + 4);
  fd = openat(dirfd, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0 && unlinkat(dirfd, path, 0) < 0) { int e = errno; fd_close(fd); return (errno = e, -1); }
  return fd;
}

int queue_tmp_scratch (int dirfd)
{
  int fd = openat(dirfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  return fd >= 0 ? fd : scratch_named(dirfd);
}

/* The trigger is a FIFO that the scheduler made. A caller could make it a
   link, or a file, to have a privileged injector write into something the
   caller cannot: it is reached without following links, and checked to
   be a FIFO before the open (opening a device may do something by itself)
   and after it (what was opened), and only then gets its byte. Returns 1
   written (or the FIFO full: a wake-up is pending anyway), 0 no reader. */
static int trigger_put (int dirfd, char c)
{
  struct stat before, st;
  int fd;
  if (fstatat(dirfd, "trigger", &before, AT_SYMLINK_NOFOLLOW) < 0) return -1;
  if (S_ISLNK(before.st_mode)) return (errno = ELOOP, -1);
  if (!S_ISFIFO(before.st_mode)) return (errno = EINVAL, -1);
  fd = openat(dirfd, "trigger", O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENXIO ? 0 : -1;
  if (fstat(fd, &st) < 0) goto err;
  if (!S_ISFIFO(st.st_mode))
  {
    errno = EINVAL;
    goto err;
  }
  if (write(fd, &c, 1) < 0 && errno != EAGAIN) goto err;
  fd_close(fd);
  return 1;
 err:
  {
    int e = errno;
    fd_close(fd);
    return (errno = e, -1);
  }
}

int queue_trigger_at (int dirfd)
{
  return trigger_put(dirfd, 0) < 0 ? -1 : 0;
}

/* The spool dir opened for one call; errno kept across the close. */
static int trigger_in (char const *dir, char c)
{
  int r;
  int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return -1;
  r = trigger_put(dirfd, c);
  {
    int e = errno;
    fd_close(dirfd);
    errno = e;
  }
  return r;
}

int queue_trigger_kick (char const *dir)
{
  return trigger_in(dir, '\n');
}

int queue_trigger (char const *dir)
{
  return trigger_in(dir, 0) < 0 ? -1 : 0;
}
