/* queue_control.c: control requests to the scheduler (queue_control.h) */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>

#include "printable.h"
#include "queue_control.h"
#include "queue_status.h"

static int verb_known (char const *v)
{
  return !strcmp(v, "hold") || !strcmp(v, "release") || !strcmp(v, "remove") || !strcmp(v, "bounce");
}

int queue_control_parse (char const *s, size_t len, queue_control *c)
{
  char const *f[3];
  size_t fl[3];
  size_t i, n = 0, start = 0;
  if (!len || s[len - 1] != '\n') return 0;
  len--;
  for (i = 0; i <= len && n < 3; i++)
    if (i == len || s[i] == '\t')
    {
      f[n] = s + start; fl[n] = i - start; n++;
      start = i + 1;
    }
  if (n != 3 || start != len + 1) return 0;
  if (!fl[0] || fl[0] >= sizeof c->verb || fl[1] >= QUEUE_ID_SIZE || fl[2] > QUEUE_CONTROL_REASON_MAX) return 0;
  memcpy(c->verb, f[0], fl[0]); c->verb[fl[0]] = 0;
  memcpy(c->id, f[1], fl[1]); c->id[fl[1]] = 0;
  memcpy(c->reason, f[2], fl[2]); c->reason[fl[2]] = 0;
  if (!verb_known(c->verb) || strlen(c->reason) != fl[2]) return 0;
  if (c->id[0] && !queue_id_valid(c->id)) return 0;
  /* the reason goes into a bounce and the log: one printable line */
  for (i = 0; i < fl[2]; i++) if ((unsigned char)c->reason[i] < 32 || c->reason[i] == 127) return 0;
  return 1;
}

static int path_make (char *buf, size_t size, char const *dir, char const *name, char const *suffix)
{
  size_t a = strlen(dir), b = strlen(name), c = strlen(suffix);
  if (a + b + c + 10 > size) return (errno = ENAMETOOLONG, -1);
  memcpy(buf, dir, a);
  memcpy(buf + a, "/control/", 9);
  memcpy(buf + a + 9, name, b);
  memcpy(buf + a + 9 + b, suffix, c + 1);
  return 0;
}

int queue_control_send (char const *dir, queue_control const *c, char *reqid)
{
  char tmp[4096], dst[4096];
  char line[sizeof c->verb + QUEUE_ID_SIZE + QUEUE_CONTROL_REASON_MAX + 4];
  size_t len = 0;
  int fd;
  queue_id_make(reqid);
  if (path_make(tmp, sizeof tmp, dir, reqid, ".new") < 0 || path_make(dst, sizeof dst, dir, reqid, "") < 0) return -1;
  len = strlen(c->verb); memcpy(line, c->verb, len); line[len++] = '\t';
  memcpy(line + len, c->id, strlen(c->id)); len += strlen(c->id); line[len++] = '\t';
  memcpy(line + len, c->reason, strlen(c->reason)); len += strlen(c->reason); line[len++] = '\n';
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (fchmod(fd, 0644) < 0 || allwrite(fd, line, len) != len || fsync(fd) < 0)
  {
    int e = errno;
    fd_close(fd); unlink(tmp);
    return (errno = e, -1);
  }
  fd_close(fd);
  if (rename(tmp, dst) < 0) { int e = errno; unlink(tmp); return (errno = e, -1); }
  /* a closed trigger (no scheduler) is no error: the request waits for it */
  queue_trigger(dir);
  return 0;
}

int queue_control_wait (char const *dir, char const *reqid, unsigned int secs, stralloc *reply)
{
  char path[4096], req[4096];
  unsigned int i, rounds = secs * 20;
  if (path_make(path, sizeof path, dir, reqid, ".reply") < 0 || path_make(req, sizeof req, dir, reqid, "") < 0) return -1;
  for (i = 0; i <= rounds; i++)
  {
    struct timespec ts = { 0, 50000000 };
    reply->len = 0;
    if (openreadfileclose(path, reply, 4096))
    {
      unlink(path);
      while (reply->len && reply->s[reply->len - 1] == '\n') reply->len--;
      return stralloc_0(reply) ? 1 : -1;
    }
    if (errno != ENOENT) return -1;
    nanosleep(&ts, 0);
  }
  /* withdrawn (unless the scheduler took it just now: then it is applied,
     and its reply is left for a person to see) */
  unlink(req);
  return 0;
}
