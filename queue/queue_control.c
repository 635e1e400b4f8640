/* queue_control.c: control requests to the scheduler (queue_control.h) */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/unix-transactional.h>

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
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
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

/* The reply, read as root may read it in a directory of the send
   user's: only a regular file reached without a link (a FIFO would
   block, a link would have root print a file of its choice), at most
   4096 bytes, control characters made '?' (it goes to a terminal).
   1, 0 when there is none yet, -1 with errno (EINVAL: not a file). */
static int reply_read (char const *path, stralloc *reply)
{
  struct stat st;
  ssize_t r;
  size_t i;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno == ELOOP ? (errno = EINVAL, -1) : -1;
  if (fstat(fd, &st) < 0) { int e = errno; fd_close(fd); return (errno = e, -1); }
  if (!S_ISREG(st.st_mode)) { fd_close(fd); return (errno = EINVAL, -1); }
  if (!stralloc_ready(reply, 4096)) { fd_close(fd); return (errno = ENOMEM, -1); }
  r = allread(fd, reply->s, 4096);
  fd_close(fd);
  if (r < 0) return -1;
  reply->len = r;
  for (i = 0; i < reply->len; i++)
    if (((unsigned char)reply->s[i] < 32 && reply->s[i] != '\n') || reply->s[i] == 127) reply->s[i] = '?';
  return 1;
}

int queue_control_wait (char const *dir, char const *reqid, unsigned int secs, stralloc *reply)
{
  char path[4096], req[4096];
  unsigned int i, rounds = secs * 20;
  if (path_make(path, sizeof path, dir, reqid, ".reply") < 0 || path_make(req, sizeof req, dir, reqid, "") < 0) return -1;
  for (i = 0; i <= rounds; i++)
  {
    struct timespec ts = { 0, 50000000 };
    int r;
    reply->len = 0;
    r = reply_read(path, reply);
    if (r < 0 && errno == EINVAL) { unlink(path); unlink(req); return -1; }
    if (r < 0) return -1;
    if (r)
    {
      unlink(path);
      while (reply->len && reply->s[reply->len - 1] == '\n') reply->len--;
      return stralloc_0(reply) ? 1 : -1;
    }
    nanosleep(&ts, 0);
  }
  /* withdrawn (unless the scheduler took it just now: then it is applied,
     and its reply is left for a person to see) */
  unlink(req);
  return 0;
}

/* ---- the scheduler's end ---- */

int queue_control_open (char const *dir)
{
  int ctl;
  int qfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd < 0) return -1;
  if (mkdirat(qfd, "control", 0700) < 0 && errno != EEXIST) { int e = errno; fd_close(qfd); return (errno = e, -1); }
  ctl = openat(qfd, "control", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  {
    int e = errno;
    fd_close(qfd);
    errno = e;
  }
  return ctl;
}

static int name_cmp (void const *a, void const *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int queue_control_pending (int ctl, genalloc *names)
{
  DIR *dir;
  struct dirent *d;
  size_t first = genalloc_len(char *, names);
  int fd = dup(ctl);
  if (fd < 0) return -1;
  dir = fdopendir(fd);
  if (!dir) { int e = errno; fd_close(fd); return (errno = e, -1); }
  rewinddir(dir);
  while ((d = readdir(dir)))
  {
    char *p;
    if (!queue_id_valid(d->d_name)) continue;  /* replies, markers, REQ.new */
    if (!(p = strdup(d->d_name)) || !genalloc_append(char *, names, &p))
    {
      int e = errno;
      free(p);
      closedir(dir);
      return (errno = e ? e : ENOMEM, -1);
    }
  }
  closedir(dir);
  if (genalloc_len(char *, names) > first)  /* qsort of a null array is undefined */
    qsort(genalloc_s(char *, names) + first, genalloc_len(char *, names) - first, sizeof(char *), &name_cmp);
  return 0;
}

void queue_control_names_free (genalloc *names)
{
  size_t i = 0;
  for (; i < genalloc_len(char *, names); i++) free(genalloc_s(char *, names)[i]);
  genalloc_free(char *, names);
}

int queue_control_read (int ctl, char const *req, queue_control *c)
{
  char buf[512];
  ssize_t r = openreadnclose_at(ctl, req, buf, sizeof buf);
  if (r < 0) return -1;
  return r > 0 && queue_control_parse(buf, r, c);
}

int queue_control_answer (int ctl, char const *req, char const *answer, char const **what)
{
  char name[QUEUE_ID_SIZE + 8], tmp[QUEUE_ID_SIZE + 12];
  size_t n = strlen(req), len = strlen(answer);
  int fd, e = 0;
  if (n >= QUEUE_ID_SIZE) return (errno = ENAMETOOLONG, *what = "answer control/", -1);
  memcpy(name, req, n);
  memcpy(name + n, ".reply", 7);
  memcpy(tmp, name, n + 6);
  memcpy(tmp + n + 6, ".tmp", 5);
  /* written aside, then renamed: the requester polls for REQ.reply and
     takes the first it can open, which must never be half written (it
     read an empty answer, and said the request failed, when it came
     between the creation and the write); created new, never opened as
     found (queue_file_fresh) */
  fd = queue_file_fresh(ctl, tmp, 0600);
  if (fd < 0) e = errno;
  else
  {
    if (allwrite(fd, answer, len) != len || allwrite(fd, "\n", 1) != 1) e = errno;
    fd_close(fd);
    if (!e && renameat(ctl, tmp, ctl, name) < 0) e = errno;
    if (e) unlinkat(ctl, tmp, 0);
  }
  if (e) *what = "write the reply to control/";
  if (unlinkat(ctl, req, 0) < 0) { e = errno; *what = "remove control/"; }
  return e ? (errno = e, -1) : 0;
}

int queue_control_mark (int ctl, char const *name, char const *id, int on)
{
  char path[16 + QUEUE_ID_SIZE];
  size_t n = strlen(name);
  if (n >= 16) return (errno = ENAMETOOLONG, -1);
  memcpy(path, name, n + 1);
  if (id) memcpy(path + n, id, QUEUE_ID_SIZE);
  if (on)
  {
    /* only its name counts: a FIFO found there must not block us (and
       it is no marker: ENXIO), nor is anything truncated */
    int fd = openat(ctl, path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    fd_close(fd);
  }
  else if (unlinkat(ctl, path, 0) < 0 && errno != ENOENT) return -1;
  /* on disk before the requester is told: a hold a power cut undid
     would let the message go out after the reboot */
  return fsync(ctl) < 0 && errno != EINVAL ? -1 : 0;
}

int queue_control_apply (int ctl, queue_control_do *apply, queue_control_failed *failed, void *aux)
{
  genalloc names = GENALLOC_ZERO;  /* char *, strdup'ed */
  size_t i;
  int r = queue_control_pending(ctl, &names), e = errno;
  if (r < 0 && e == ENOMEM) { queue_control_names_free(&names); return (errno = e, -1); }
  for (i = 0; i < genalloc_len(char *, &names); i++)
  {
    char const *req = genalloc_s(char *, &names)[i];
    char const *what;
    queue_control c;
    int k = queue_control_read(ctl, req, &c);
    if (k < 0 && errno == ENOENT) continue;  /* withdrawn */
    if (queue_control_answer(ctl, req, k > 0 ? (*apply)(&c, aux) : "error: malformed request", &what) < 0)
      (*failed)(what, req, aux);
  }
  queue_control_names_free(&names);
  return r < 0 ? (errno = e, -1) : 0;
}

int queue_control_restore (int ctl, int (*queued) (char const *id, void *aux), void *aux)
{
  DIR *dir;
  struct dirent *d;
  int fd, all = faccessat(ctl, "hold-all", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  if ((fd = dup(ctl)) < 0) return all;
  if (!(dir = fdopendir(fd))) { fd_close(fd); return all; }
  rewinddir(dir);
  while ((d = readdir(dir)))
  {
    if (strncmp(d->d_name, "held.", 5) || !queue_id_valid(d->d_name + 5)) continue;
    if (!(*queued)(d->d_name + 5, aux)) unlinkat(ctl, d->d_name, 0);  /* gone while the scheduler was stopped */
  }
  closedir(dir);
  return all;
}
