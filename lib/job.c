/* job.c: the scheduler-to-worker protocol, both ends (lib/job.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/types.h>
#include "addr.h"
#include "job.h"
#include "printable.h"

/* ---- the reader ---- */

ssize_t job_reader_fill (job_reader *r, int fd)
{
  ssize_t n;
  /* what was handed out goes before more comes in */
  if (r->start)
  {
    memmove(r->buf.s, r->buf.s + r->start, r->buf.len - r->start);
    r->buf.len -= r->start;
    r->start = 0;
  }
  if (!stralloc_readyplus(&r->buf, 4096)) return -1;
  n = read(fd, r->buf.s + r->buf.len, 4096);
  if (n > 0) r->buf.len += (size_t)n;
  return n;
}

int job_reader_line (job_reader *r, char **line, size_t *len)
{
  char *s = r->buf.s + r->start;
  size_t avail = r->buf.len - r->start;
  char *lf = avail ? memchr(s, '\n', avail) : 0;
  if (!lf)
  {
    if (avail > r->max) return (errno = E2BIG, -1);
    return 0;
  }
  if ((size_t)(lf - s) > r->max) return (errno = E2BIG, -1);
  *lf = 0;
  *line = s;
  *len = (size_t)(lf - s);
  r->start += *len + 1;
  return 1;
}

int job_reader_partial (job_reader const *r)
{
  return r->buf.len > r->start;
}

void job_reader_free (job_reader *r)
{
  stralloc_free(&r->buf);
  r->start = 0;
}

/* ---- a job ---- */

int job_put_start (stralloc *sa, char const *path)
{
  return stralloc_catb(sa, "M ", 2) && stralloc_cats(sa, path) && stralloc_catb(sa, "\n", 1);
}

int job_put_rcpt (stralloc *sa, char const *addr)
{
  return stralloc_catb(sa, "R ", 2) && stralloc_cats(sa, addr) && stralloc_catb(sa, "\n", 1);
}

int job_put_end (stralloc *sa)
{
  return stralloc_catb(sa, ".\n", 2);
}

static void job_clear (job *j)
{
  j->path.len = j->rcpts.len = 0;
  j->n = 0;
  j->bad = 0;
  j->started = 0;
}

int job_take (job *j, char const *line, size_t len)
{
  if (j->started < 0) job_clear(j);
  /* the scheduler writes C strings: a NUL is garbage, never an address */
  if (memchr(line, 0, len)) return (errno = EPROTO, -1);
  if (!j->started)
  {
    if (len < 3 || line[0] != 'M' || line[1] != ' ') return (errno = EPROTO, -1);
    if (!stralloc_copyb(&j->path, line + 2, len - 2) || !stralloc_0(&j->path)) return -1;
    j->started = 1;
    return 0;
  }
  if (len == 1 && line[0] == '.')
  {
    j->started = -1;   /* complete: the next line starts another job */
    return 1;
  }
  if (len < 2 || line[0] != 'R' || line[1] != ' ') return (errno = EPROTO, -1);
  /* addr_check() takes "" (the null sender); no recipient is empty */
  if (len == 2 || addr_check(line + 2, len - 2) != ADDR_OK) j->bad = 1;
  if (!stralloc_catb(&j->rcpts, line + 2, len - 2) || !stralloc_0(&j->rcpts)) return -1;
  j->n++;
  return 0;
}

void job_free (job *j)
{
  stralloc_free(&j->path);
  stralloc_free(&j->rcpts);
  j->n = 0;
  j->bad = j->started = 0;
}

/* ---- results ---- */

char const *job_status_name (unsigned int status)
{
  return status == JOB_OK ? "ok" : status == JOB_FAIL ? "fail" : "defer";
}

unsigned int job_status_scan (char const *s)
{
  return !strcmp(s, "ok") ? JOB_OK : !strcmp(s, "fail") ? JOB_FAIL : JOB_DEFER;
}

static int put_field (stralloc *sa, char const *s)
{
  return stralloc_catb(sa, "\t", 1) && printable_cat(sa, s, strlen(s));
}

/* Three digits always: 000 is "no reply, the failure is ours". */
static int put_code (stralloc *sa, unsigned int code)
{
  char fmt[UINT_FMT];
  if (code > 999) code = 0;
  return stralloc_catb(sa, "\t", 1) && stralloc_catb(sa, fmt, uint0_fmt(fmt, code, 3));
}

int job_result_put (stralloc *sa, job_result const *res)
{
  switch (res->type)
  {
    case 'S':
      return stralloc_catb(sa, "S", 1) && put_field(sa, res->host) && put_field(sa, res->tls)
        && put_field(sa, res->mech) && (!*res->ext || put_field(sa, res->ext)) && stralloc_catb(sa, "\n", 1);
    case 'R':
      return stralloc_catb(sa, "R", 1) && put_field(sa, res->rcpt)
        && put_field(sa, job_status_name(res->status)) && put_code(sa, res->code)
        && put_field(sa, res->text) && stralloc_catb(sa, "\n", 1);
    case 'M':
      return stralloc_catb(sa, "M", 1) && put_field(sa, job_status_name(res->status))
        && put_field(sa, res->class) && put_code(sa, res->code)
        && put_field(sa, res->text) && stralloc_catb(sa, "\n", 1);
  }
  return (errno = EINVAL, 0);
}

/* Splits line at its TABs into at most max fields, each made printable. */
static unsigned int split (char *line, char **f, unsigned int max)
{
  unsigned int n = 0, i;
  f[n++] = line;
  while (n < max)
  {
    char *tab = strchr(f[n-1], '\t');
    if (!tab) break;
    *tab = 0;
    f[n++] = tab + 1;
  }
  for (i = 0; i < n; i++) printable_fix(f[i], strlen(f[i]));
  return n;
}

static unsigned int code_scan (char const *s)
{
  unsigned int code = 0;
  size_t n = uint_scan(s, &code);
  return n && n <= 3 && !s[n] ? code : 0;
}

int job_result_parse (job_result *res, char *line)
{
  static job_result const zero = JOB_RESULT_ZERO;
  char *f[5];
  unsigned int n = split(line, f, 5);
  *res = zero;
  if (!strcmp(f[0], "R") && n == 5)
  {
    res->rcpt = f[1];
    res->status = job_status_scan(f[2]);
    res->code = code_scan(f[3]);
    res->text = f[4];
  }
  else if (!strcmp(f[0], "M") && n == 5)
  {
    res->status = job_status_scan(f[1]);
    res->class = f[2];
    res->code = code_scan(f[3]);
    res->text = f[4];
  }
  else if (!strcmp(f[0], "S") && n >= 4)
  {
    res->host = f[1];
    res->tls = f[2];
    res->mech = f[3];
    if (n == 5) res->ext = f[4];
  }
  else return 0;
  res->type = f[0][0];
  return res->type;
}
