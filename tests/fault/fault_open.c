/* fault_open.c: open(), open64(), openat(), openat64() with the faults
 * FAULT_NOTMPFILE and FAULT_TRIGGER_GONE (fault.h) */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fault.h"

static int env_on (char const *name)
{
  char const *s = getenv(name);
  return s && s[0] == '1' && !s[1];
}

/* -1: no fault, go on with the real call; otherwise the result, errno set */
static int fault (char const *path, int flags)
{
  size_t n = strlen(path);
  int p[2];
  if ((flags & O_TMPFILE) == O_TMPFILE && env_on("FAULT_NOTMPFILE"))
    return (errno = EOPNOTSUPP, -2);
  /* the trigger by its path, or by its name in the spool (openat) */
  if ((!strcmp(path, "trigger") || (n >= 8 && !strcmp(path + n - 8, "/trigger")))
   && env_on("FAULT_TRIGGER_GONE"))
  {
    if (pipe(p) < 0) return -2;
    close(p[0]);
    return p[1];
  }
  return -1;
}

/* the mode is there only with O_CREAT or O_TMPFILE */
#define MODE(ap, flags, mode) \
  do \
  { \
    va_start(ap, flags); \
    if (flags & (O_CREAT | O_TMPFILE)) mode = va_arg(ap, mode_t); \
    va_end(ap); \
  } while (0)

#define FAULT_OR(path, flags) \
  do \
  { \
    int r_ = fault(path, flags); \
    if (r_ == -2) return -1; \
    if (r_ >= 0) return r_; \
  } while (0)

int __wrap_open (char const *path, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  MODE(ap, flags, mode);
  FAULT_OR(path, flags);
  return __real_open(path, flags, mode);
}

int __wrap_open64 (char const *path, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  MODE(ap, flags, mode);
  FAULT_OR(path, flags);
  return __real_open64(path, flags, mode);
}

int __wrap_openat (int dirfd, char const *path, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  MODE(ap, flags, mode);
  FAULT_OR(path, flags);
  return __real_openat(dirfd, path, flags, mode);
}

int __wrap_openat64 (int dirfd, char const *path, int flags, ...)
{
  va_list ap;
  mode_t mode = 0;
  MODE(ap, flags, mode);
  FAULT_OR(path, flags);
  return __real_openat64(dirfd, path, flags, mode);
}
