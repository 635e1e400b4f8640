/* Fuzzing the scheduler-to-worker protocol (lib/job.h): the same bytes
   go through the one reader as a job (the worker's side) and as result
   lines (the scheduler's side, which must survive any worker).
   Properties: no line handed out is longer than the maximum or holds a
   LF; a complete job has a path and as many recipients as it counted;
   a parsed result has only printable fields, and written back and
   parsed again it is the same result. */
#include <string.h>
#include <unistd.h>
#include "job.h"
#include "fuzz.h"

static int printable (char const *s)
{
  for (; *s; s++) if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

static void result_check (char const *line, size_t len)
{
  stralloc a = STRALLOC_ZERO, b = STRALLOC_ZERO;
  job_result r1, r2;
  int t;
  if (!stralloc_catb(&a, line, len) || !stralloc_0(&a)) return;
  t = job_result_parse(&r1, a.s);
  FUZZ_ASSERT(t == 0 || t == 'S' || t == 'R' || t == 'M');
  if (t)
  {
    FUZZ_ASSERT(printable(r1.text) && printable(r1.class) && printable(r1.rcpt) && printable(r1.host));
    FUZZ_ASSERT(r1.code <= 999 && r1.status <= JOB_FAIL);
    FUZZ_ASSERT(job_result_put(&b, &r1) && b.len && b.s[b.len - 1] == '\n');
    FUZZ_ASSERT(!memchr(b.s, '\n', b.len - 1));
    b.s[b.len - 1] = 0;
    FUZZ_ASSERT(job_result_parse(&r2, b.s) == t);
    FUZZ_ASSERT(r1.status == r2.status && r1.code == r2.code);
    FUZZ_ASSERT(!strcmp(r1.text, r2.text) && !strcmp(r1.class, r2.class) && !strcmp(r1.rcpt, r2.rcpt));
  }
  stralloc_free(&a);
  stralloc_free(&b);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  job_reader rd = JOB_READER_ZERO(JOB_LINE_MAX);
  job j = JOB_ZERO;
  int fd = fuzz_memfd(data, size);
  int dead = 0;
  if (fd < 0) return 0;
  while (job_reader_fill(&rd, fd) > 0)
  {
    char *line;
    size_t len;
    int r;
    while ((r = job_reader_line(&rd, &line, &len)) > 0)
    {
      FUZZ_ASSERT(len <= JOB_LINE_MAX && !memchr(line, '\n', len) && !line[len]);
      result_check(line, len);
      if (dead) continue;
      r = job_take(&j, line, len);
      if (r < 0) { dead = 1; continue; }
      if (r)
      {
        size_t i, n = 0;
        FUZZ_ASSERT(j.path.len >= 2 && strlen(j.path.s) == j.path.len - 1);
        for (i = 0; i < j.rcpts.len; i += strlen(j.rcpts.s + i) + 1) n++;
        FUZZ_ASSERT(n == j.n);
      }
    }
    if (r < 0) break;
  }
  job_free(&j);
  job_reader_free(&rd);
  close(fd);
  return 0;
}
