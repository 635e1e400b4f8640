/* authlimit.c: per-client AUTH failure records */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "lockfile.h"
#include "authlimit.h"

#define PREFIX "auth-"
/* no clientkey looks like this (they start "4-", "6-", "x-") */
#define SHARED "shared"
/* the sweep's memory (record_room): not PREFIX, so never swept or counted */
#define SWEEP "auth.sweep"

static int record_path (stralloc *sa, char const *dir, char const *key)
{
  return stralloc_cats(sa, dir) && stralloc_cats(sa, "/" PREFIX) && stralloc_cats(sa, key) && stralloc_0(sa);
}

/* Reads "count last"; anything unreadable counts as no record. */
static void record_read (int fd, uint64_t *count, uint64_t *last)
{
  char buf[64];
  ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
  size_t n;
  *count = *last = 0;
  if (r <= 0) return;
  buf[r] = 0;
  n = uint64_scan(buf, count);
  if (!n || buf[n] != ' ' || !uint64_scan(buf + n + 1, last)) *count = *last = 0;
}

static int record_write (int fd, uint64_t count, uint64_t last)
{
  char buf[2 * UINT64_FMT + 2];
  size_t n = uint64_fmt(buf, count);
  ssize_t w;
  buf[n++] = ' ';
  n += uint64_fmt(buf + n, last);
  buf[n++] = '\n';
  w = pwrite(fd, buf, n, 0);
  if (w < 0) return -1;
  if ((size_t)w != n) return (errno = EIO, -1);
  return ftruncate(fd, n);
}

/* A record whose last failure is window seconds old (or that holds
   none) counts as no failures: begin forgets them, the sweep removes it. */
/* Closes a record keeping errno: the caller reports the write's error. */
static void record_close (int fd)
{
  int e = errno;
  close(fd);
  errno = e;
}

static int expired (uint64_t last, unsigned int window, uint64_t now)
{
  return now >= last && now - last >= window;
}

/* Removes path if it is expired, under its lock; one in use stays.
   1 removed, 0 kept. */
static int record_expire (char const *path, unsigned int window, uint64_t now)
{
  uint64_t count, last;
  int fd = lockfile_take(path, 1);
  if (fd < 0) return 0;
  record_read(fd, &count, &last);
  if (!expired(last, window, now)) { close(fd); return 0; }
  lockfile_drop(path, fd);
  return 1;
}

long authlimit_sweep (char const *dir, unsigned int window, uint64_t now)
{
  stralloc path = STRALLOC_ZERO;
  DIR *d = opendir(dir);
  struct dirent *e;
  long live = 0;
  if (!d) return -1;
  while ((e = readdir(d)))
  {
    struct stat st;
    if (strncmp(e->d_name, PREFIX, sizeof PREFIX - 1)) continue;
    /* the modification time is the last failure's (record_write): only
       what looks expired is opened, so a sweep costs a stat a record */
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
    path.len = 0;
    if (st.st_mtime >= 0 && expired((uint64_t)st.st_mtime, window, now)
     && stralloc_cats(&path, dir) && stralloc_cats(&path, "/") && stralloc_cats(&path, e->d_name)
     && stralloc_0(&path) && record_expire(path.s, window, now)) continue;
    if (strcmp(e->d_name + sizeof PREFIX - 1, SHARED)) live++;
  }
  closedir(d);
  stralloc_free(&path);
  return live;
}

/* Whether a client without a record may have one: 1, 0 (no room), or
   -1 with errno. The sweep stats every record (up to AUTHLIMIT_RECORDS),
   so it runs at most once every AUTHLIMIT_SWEEP_EVERY seconds, not for
   every newcomer's failure: dir/SWEEP, under its lock, remembers when it
   last ran and how many records were live then, plus one for each record
   allowed since. That count is never below the records on disk (a
   record is allowed only after it is counted; successes and expiries
   only remove), so the bound holds between sweeps; at worst a newcomer
   goes into auth-shared when a sweep would have made room, for at most
   AUTHLIMIT_SWEEP_EVERY seconds. A clock set back sweeps at once. */
static int record_room (char const *dir, unsigned int window, uint64_t now, unsigned int records)
{
  stralloc path = STRALLOC_ZERO;
  uint64_t live, last;
  int fd, r = -1;
  if (!stralloc_cats(&path, dir) || !stralloc_cats(&path, "/" SWEEP) || !stralloc_0(&path)) goto end;
  fd = lockfile_take(path.s, 0);
  if (fd < 0) goto end;
  record_read(fd, &live, &last);
  if (!last || now < last || now - last >= AUTHLIMIT_SWEEP_EVERY)
  {
    long n = authlimit_sweep(dir, window, now);
    if (n < 0) { record_close(fd); goto end; }
    live = (uint64_t)n;
    last = now;
  }
  r = live < records;
  if (record_write(fd, live + r, last) < 0) r = -1;
  record_close(fd);
 end:
  stralloc_free(&path);
  return r;
}

/* The record a client's failure goes into: its own when it has one or
   there is room for one, otherwise auth-shared. */
static int record_of (stralloc *path, char const *dir, char const *key, unsigned int window, uint64_t now, unsigned int records)
{
  struct stat st;
  if (!record_path(path, dir, key)) return 0;
  if (!lstat(path->s, &st) || errno != ENOENT) return 1;
  if (record_room(dir, window, now, records)) return 1;
  path->len = 0;
  return record_path(path, dir, SHARED);
}

int authlimit_begin_in (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now, unsigned int records)
{
  stralloc path = STRALLOC_ZERO;
  uint64_t count, last;
  int fd, r = -1;
  if (!record_of(&path, dir, key, window, now, records)) goto end;
  fd = lockfile_take(path.s, 0);
  if (fd < 0) goto end;
  record_read(fd, &count, &last);
  /* a window over: the failures are forgotten (a clock set back too) */
  if (now < last || now - last >= window) count = 0;
  if (count >= maxfail) r = 0;
  else r = record_write(fd, count + 1, now) < 0 ? -1 : 1;
  record_close(fd);
 end:
  stralloc_free(&path);
  return r;
}

int authlimit_begin (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now)
{
  return authlimit_begin_in(dir, key, maxfail, window, now, AUTHLIMIT_RECORDS);
}

/* The failure counted in auth-shared is taken back (the record stays:
   others count in it). */
static int shared_success (char const *dir)
{
  stralloc path = STRALLOC_ZERO;
  uint64_t count, last;
  struct stat st;
  int fd, r = 0;
  if (!record_path(&path, dir, SHARED)) return -1;
  if (lstat(path.s, &st) < 0) goto end;
  fd = lockfile_take(path.s, 0);
  if (fd < 0) { r = -1; goto end; }
  record_read(fd, &count, &last);
  if (count) r = record_write(fd, count - 1, last);
  record_close(fd);
 end:
  stralloc_free(&path);
  return r;
}

int authlimit_success (char const *dir, char const *key)
{
  stralloc path = STRALLOC_ZERO;
  struct stat st;
  int fd;
  if (!record_path(&path, dir, key)) return -1;
  if (lstat(path.s, &st) < 0)
  {
    stralloc_free(&path);
    return errno == ENOENT ? shared_success(dir) : -1;
  }
  fd = lockfile_take(path.s, 0);
  if (fd >= 0) lockfile_drop(path.s, fd);
  stralloc_free(&path);
  return fd < 0 ? -1 : 0;
}
