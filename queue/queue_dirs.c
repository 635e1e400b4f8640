/* queue_dirs.c: the spool held open, and the walks over it
   (queue/queue_dirs.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <skalibs/djbunix.h>
#include "queue.h"
#include "queue_dirs.h"
#include "queue_state.h"

static int dir_at (int fd, char const *name)
{
  return openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int queue_dirs_open (queue_dirs *q, char const *path, char const **what)
{
  int qfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  *what = "";
  if (qfd < 0) return -1;
  if ((q->cur = dir_at(qfd, *what = "cur")) < 0 || (q->new = dir_at(qfd, *what = "new")) < 0
   || (q->state = dir_at(qfd, *what = "state")) < 0 || (q->tmp = dir_at(qfd, *what = "tmp")) < 0)
    goto err;
  /* O_RDWR: we are a writer too, so the FIFO never reads EOF */
  *what = "trigger";
  q->trigger = openat(qfd, "trigger", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (q->trigger < 0) goto err;
  fd_close(qfd);
  return 0;
 err:
  {
    int e = errno;
    fd_close(qfd);
    return (errno = e, -1);
  }
}

DIR *queue_dir_open (int fd)
{
  int d = dup(fd);
  DIR *dir;
  if (d < 0) return 0;
  dir = fdopendir(d);
  if (!dir) { fd_close(d); return 0; }
  rewinddir(dir);
  return dir;
}

int queue_scan_cur (queue_dirs const *q, queue_walk_fn *f, void *aux)
{
  DIR *dir = queue_dir_open(q->cur);
  struct dirent *d;
  if (!dir) return -1;
  while ((d = readdir(dir)))
    if (queue_id_valid(d->d_name)) f(d->d_name, QUEUE_FOUND, aux);
  closedir(dir);
  return 0;
}

/* new/ID and cur/ID both exist: the same file under two names is what a
   power loss can leave of our own rename (the entry in new/ not yet gone
   on disk): the one in new/ goes. Another file under a queued message's
   id never replaces it: left in new/ for a person to see. */
static void new_and_cur (queue_dirs const *q, char const *id, queue_walk_fn *f, void *aux)
{
  struct stat a, b;
  if (fstatat(q->new, id, &a, AT_SYMLINK_NOFOLLOW) < 0 || fstatat(q->cur, id, &b, AT_SYMLINK_NOFOLLOW) < 0) return;
  if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) f(id, QUEUE_CLASH, aux);
  else if (unlinkat(q->new, id, 0) < 0) f(id, QUEUE_FAILED, aux);
}

int queue_scan_new (queue_dirs const *q, queue_walk_fn *f, void *aux)
{
  DIR *dir = queue_dir_open(q->new);
  struct dirent *d;
  if (!dir) return -1;
  while ((d = readdir(dir)))
  {
    struct stat st;
    if (!queue_id_valid(d->d_name)) continue;
    /* a link or a FIFO is no message: worker and bounce would read what
       it points to, or block */
    if (fstatat(q->new, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    if (!S_ISREG(st.st_mode)) { f(d->d_name, QUEUE_NOTREG, aux); continue; }
    if (renameat2(q->new, d->d_name, q->cur, d->d_name, RENAME_NOREPLACE) < 0)
    {
      if (errno == EEXIST) new_and_cur(q, d->d_name, f, aux);
      else if (errno != ENOENT) f(d->d_name, QUEUE_FAILED, aux);
      continue;
    }
    f(d->d_name, QUEUE_FOUND, aux);
  }
  closedir(dir);
  return 0;
}

int queue_sweep_tmp (queue_dirs const *q, time_t before, queue_walk_fn *f, void *aux)
{
  DIR *dir = queue_dir_open(q->tmp);
  struct dirent *d;
  if (!dir) return -1;
  while ((d = readdir(dir)))
  {
    struct stat st;
    if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
    if (fstatat(q->tmp, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || S_ISDIR(st.st_mode)) continue;
    if (st.st_mtime > before) continue;
    f(d->d_name, unlinkat(q->tmp, d->d_name, 0) < 0 ? QUEUE_FAILED : QUEUE_REMOVED, aux);
  }
  closedir(dir);
  return 0;
}

int queue_clean_state (queue_dirs const *q, int (*keep)(char const *id, void *aux), queue_walk_fn *f, void *aux)
{
  DIR *dir = queue_dir_open(q->state);
  struct dirent *d;
  if (!dir) return -1;
  while ((d = readdir(dir)))
  {
    if (d->d_name[0] == '.') continue;
    if (queue_id_valid(d->d_name) && keep(d->d_name, aux)) continue;
    if (unlinkat(q->state, d->d_name, 0) < 0) f(d->d_name, QUEUE_FAILED, aux);
  }
  closedir(dir);
  return 0;
}

int queue_trigger_read (queue_dirs const *q)
{
  char buf[1024];
  ssize_t r;
  int all = 0;
  while ((r = read(q->trigger, buf, sizeof buf)) > 0)
    while (r--) if (buf[r]) all = 1;
  return all;
}

int queue_msg_done (queue_dirs const *q, char const *id, int hadstate, char const **what)
{
  if (unlinkat(q->cur, id, 0) < 0 && errno != ENOENT) return -1;
  /* the removal on disk before the state goes: if a power loss brought
     cur/ID back without its state, every recipient would get it again */
  if (hadstate && fsync(q->cur) < 0 && errno != EINVAL) { *what = "fsync cur/"; return 1; }
  if (queue_state_remove(q->state, id) < 0) { *what = "remove state/"; return 1; }
  return 0;
}

int queue_msg_cur (queue_dirs const *q, char const *id)
{
  int fd = queue_msg_openat(q->cur, id);
  if (fd < 0 && (errno == ELOOP || errno == EFTYPE_QUEUE)) errno = EPROTO;
  return fd;
}

int queue_msg_env (queue_dirs const *q, char const *id, queue_env *env)
{
  int r, e;
  int fd = queue_msg_cur(q, id);
  if (fd < 0) return -1;
  r = queue_env_read(fd, env);
  e = errno;
  fd_close(fd);
  errno = e;
  return r;
}

int queue_msg_path (stralloc *sa, char const *path, char const *id)
{
  return stralloc_cats(sa, path) && stralloc_cats(sa, "/cur/") && stralloc_cats(sa, id) && stralloc_0(sa);
}

int queue_msg_keep (queue_dirs const *q, char const *id, queue_state const *st, int hadstate, int *syncerr)
{
  *syncerr = 0;
  if (!hadstate && (fsync(q->cur) < 0 || fsync(q->new) < 0) && errno != EINVAL) *syncerr = errno;
  return queue_state_write(q->state, id, st);
}
