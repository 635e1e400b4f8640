/* Which spool a program works on, and whether it may trust its caller
   to say.

   An injector that runs with privileges its caller did not have (the
   setuid copy DIR/bin/smarthost-queue of an instance) must not let the
   caller move the spool: a QUEUE of the caller's own, with a trigger that
   is a link to the password file, would have it write where the caller
   cannot. So it takes the spool from where it is installed, DIR/queue
   for DIR/bin/smarthost-queue, and checks that the directory belongs to
   the user it runs as: a hard link to the program in a directory of the
   caller's (fs.protected_hardlinks forbids it anyway) finds no spool that
   the spool's owner owns. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include "queue.h"

int queue_privileged (void)
{
  /* AT_SECURE: the kernel's own answer; it covers setuid, setgid and file
     capabilities, which comparing uids with euids would not. */
  return getauxval(AT_SECURE) != 0 || geteuid() != getuid() || getegid() != getgid();
}

/* path: the directory two levels above our own executable, then /queue. */
static int queue_spool_path (char *path, size_t size)
{
  ssize_t n = readlink("/proc/self/exe", path, size - 1);
  char *slash;
  int i;
  if (n < 0) return -1;
  if ((size_t)n >= size - 1 - 6) return (errno = ENAMETOOLONG, -1);
  path[n] = 0;
  for (i = 0; i < 2; i++)
  {
    slash = strrchr(path, '/');
    if (!slash || slash == path) return (errno = ENOENT, -1);
    *slash = 0;
  }
  memcpy(slash, "/queue", 7);
  return 0;
}

int queue_spool_of (stralloc *sa, char const *dir)
{
  size_t start = sa->len;
  int instance;
  if (!stralloc_cats(sa, dir) || !stralloc_cats(sa, "/queue/cur") || !stralloc_0(sa)) return 0;
  instance = access(sa->s + start, F_OK) == 0;
  sa->len -= instance ? 5 : 11;   /* "/cur" and the NUL, or "/queue/cur" too */
  return stralloc_0(sa);
}

int queue_spool_installed (char *path, size_t size)
{
  struct stat st;
  int fd;
  if (queue_spool_path(path, size) < 0) return -1;
  fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  if (fstat(fd, &st) < 0) { int e = errno; close(fd); return (errno = e, -1); }
  if (st.st_uid != geteuid()) { close(fd); return (errno = EPERM, -1); }
  return fd;
}
