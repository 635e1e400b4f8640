/* queue_sizecap.c: the size limit of a privileged injector (queue.h,
   queue_size_cap). Its caller may be any member of the instance's group,
   whose environment is not trusted: the limit comes from the files the
   smtpd's own settings come from (DIR/conf, through s6-envdir, and
   DIR/queue/upstream-size, or with ROUTES the record of the sender's
   route's upstream, as the smtpd reads it: queue_upsize_sender), so
   that sendmail cannot put into the spool what the smtpd would refuse,
   nor fill the spool's disk. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "queue.h"
#include "queue_upsize.h"
#include "sizelimit.h"

/* The smtpd's default for DATABYTES (smarthost-conf(5)). */
#define SIZECAP_DATABYTES_DEFAULT 26214400

/* One setting as s6-envdir gives it: the first line of conf/NAME
   without trailing blanks, into buf (size bytes, NUL-terminated; a
   longer line is cut, and then no number nor path). Returns its length
   (0: the file is missing or empty, the setting unset), or -1 with
   errno when the file cannot be read. */
static ssize_t conf_line (char const *conf, char const *name, char *buf, size_t size)
{
  stralloc path = STRALLOC_ZERO;
  ssize_t r;
  size_t len;
  int fd;
  if (!stralloc_cats(&path, conf) || !stralloc_cats(&path, name) || !stralloc_0(&path)) return -1;
  fd = open(path.s, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  stralloc_free(&path);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  r = fd_read(fd, buf, size - 1);
  fd_close(fd);
  if (r < 0) return -1;
  buf[r] = 0;
  len = strcspn(buf, "\n");
  while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t')) len--;
  buf[len] = 0;
  return len;
}

/* A number setting: unset is dflt. 1, or 0 when the value is no decimal
   number (a bad setting refuses, never means "no limit"), or -1. */
static int conf_u64 (char const *conf, char const *name, uint64_t dflt, uint64_t *v)
{
  char buf[64];
  ssize_t len = conf_line(conf, name, buf, sizeof buf);
  *v = dflt;
  if (len <= 0) return len < 0 ? -1 : 1;
  if (uint64_scan(buf, v) != (size_t)len || *v == UINT64_MAX) { *v = dflt; return 0; }
  return 1;
}

/* The upstream's SIZE for sender (0: not known yet) into *up, 0 when
   there is none. Without ROUTES, conf/'s record. With ROUTES and a
   sender, its route's record; a routes file that cannot be read or is
   bad gives conf/'s record, as in the smtpd. With ROUTES and no sender
   yet, none: every route's limit is within DATABYTES, which still
   applies, and the sender's is checked once it is known. -1 with errno
   when conf/ROUTES cannot be read. */
static int sizecap_upstream (char const *spool, char const *conf, char const *sender, uint64_t *up)
{
  queue_upsize_routes ur = QUEUE_UPSIZE_ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  char file[4096];
  ssize_t len = conf_line(conf, "ROUTES", file, sizeof file);
  int r;
  *up = 0;
  if (len < 0) return -1;
  if (len && !sender) return 0;
  r = queue_upsize_sender(&ur, spool, len ? file : 0, sender, up, &err);
  queue_upsize_routes_free(&ur);
  stralloc_free(&err);
  if (r != 1 && r != -2) *up = 0;
  return 0;
}

int queue_size_cap (char const *spool, char const *sender, uint64_t *cap, char const **bad)
{
  stralloc conf = STRALLOC_ZERO;
  char const *slash = strrchr(spool, '/');
  uint64_t databytes, margin, up = 0;
  int r;
  *bad = 0;
  if (!slash) return (errno = EINVAL, -1);
  if (!stralloc_catb(&conf, spool, slash - spool) || !stralloc_cats(&conf, "/conf/") || !stralloc_0(&conf))
  {
    stralloc_free(&conf);
    return -1;
  }
  r = conf_u64(conf.s, "DATABYTES", SIZECAP_DATABYTES_DEFAULT, &databytes);
  if (r > 0)
  {
    r = conf_u64(conf.s, "UPSTREAM_SIZE_MARGIN", SIZELIMIT_MARGIN_DEFAULT, &margin);
    if (!r) *bad = "UPSTREAM_SIZE_MARGIN";
  }
  else if (!r) *bad = "DATABYTES";
  if (r > 0 && sizecap_upstream(spool, conf.s, sender, &up) < 0) r = -1;
  stralloc_free(&conf);
  if (r <= 0) return r;
  *cap = sizelimit_of(databytes, up, margin);
  return 1;
}
