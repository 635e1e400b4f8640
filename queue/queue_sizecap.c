/* queue_sizecap.c: the size limit of a privileged injector (queue.h,
   queue_size_cap). Its caller may be any member of the instance's group,
   whose environment is not trusted: the limit comes from the files the
   smtpd's own settings come from (DIR/conf, through s6-envdir, and
   DIR/queue/upstream-size), so that sendmail cannot put into the spool
   what the smtpd would refuse, nor fill the spool's disk. */

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

/* One setting as s6-envdir gives it: the first line of conf/NAME without
   trailing blanks; a missing or empty file is dflt. 1, or 0 when the
   value is no decimal number (a bad setting refuses, never means "no
   limit"), or -1 with errno when the file cannot be read. */
static int conf_u64 (char const *conf, char const *name, uint64_t dflt, uint64_t *v)
{
  stralloc path = STRALLOC_ZERO;
  char buf[64];
  ssize_t r;
  size_t n, len;
  int fd;
  if (!stralloc_cats(&path, conf) || !stralloc_cats(&path, name) || !stralloc_0(&path)) return -1;
  fd = open(path.s, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  stralloc_free(&path);
  *v = dflt;
  if (fd < 0) return errno == ENOENT ? 1 : -1;
  r = fd_read(fd, buf, sizeof buf - 1);
  fd_close(fd);
  if (r < 0) return -1;
  buf[r] = 0;
  len = strcspn(buf, "\n");
  while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t')) len--;
  if (!len) return 1;
  n = uint64_scan(buf, v);
  if (n != len || *v == UINT64_MAX) { *v = dflt; return 0; }
  return 1;
}

int queue_size_cap (char const *spool, uint64_t *cap, char const **bad)
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
  stralloc_free(&conf);
  if (r <= 0) return r;
  if (queue_upsize_read(spool, &up) <= 0) up = 0;
  *cap = sizelimit_of(databytes, up, margin);
  return 1;
}
