/* Files that hold OAuth2 secrets: read with a check of their mode, and
   replaced so that a crash never leaves neither the old nor the new one. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "oauth2.h"

#define SECRET_FILE_MAX 65536

int oauth2_file_read_secret (char const *path, stralloc *sa, int oneline)
{
  struct stat st;
  char buf[SECRET_FILE_MAX];
  ssize_t r;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  /* as for UPSTREAM_PASSFILE: "other" access is every local user */
  if (fstat(fd, &st) < 0) { close(fd); return -1; }
  if (st.st_mode & 007) { close(fd); errno = EPERM; return 0; }
  r = read(fd, buf, sizeof buf);
  close(fd);
  if (r < 0) return -1;
  if ((size_t)r == sizeof buf) { explicit_bzero(buf, sizeof buf); errno = EFBIG; return -1; }
  while (r && (buf[r - 1] == '\n' || buf[r - 1] == '\r')) r--;
  sa->len = 0;
  if (!stralloc_catb(sa, buf, r) || !stralloc_0(sa)) { explicit_bzero(buf, sizeof buf); return -1; }
  explicit_bzero(buf, sizeof buf);
  if (!r || (oneline && memchr(sa->s, '\n', r))) { errno = EINVAL; return 0; }
  return 1;
}

/* fsync of the directory that holds path, so that the rename is durable */
static int dir_sync (char const *path)
{
  char const *slash = strrchr(path, '/');
  stralloc d = STRALLOC_ZERO;
  int fd, r;
  if (!(slash ? stralloc_catb(&d, path, slash == path ? 1 : slash - path) : stralloc_cats(&d, "."))
   || !stralloc_0(&d)) return -1;
  fd = open(d.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  stralloc_free(&d);
  if (fd < 0) return -1;
  r = fsync(fd);
  close(fd);
  return r;
}

int oauth2_file_replace (char const *path, char const *data, size_t len)
{
  stralloc tmp = STRALLOC_ZERO;
  int fd, e;
  if (!stralloc_cats(&tmp, path) || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp)) return -1;
  /* O_TRUNC, not O_EXCL: the caller holds the lock, and a .tmp left by a
     crash is garbage to overwrite */
  fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) goto fail;
  errno = ENOSPC;  /* what a short write means here */
  if (fchmod(fd, 0600) < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) < 0)
  {
    e = errno; close(fd); unlink(tmp.s); errno = e;
    goto fail;
  }
  if (close(fd) < 0 || rename(tmp.s, path) < 0) { e = errno; unlink(tmp.s); errno = e; goto fail; }
  stralloc_free(&tmp);
  return dir_sync(path);
 fail:
  e = errno; stralloc_free(&tmp); errno = e;
  return -1;
}
