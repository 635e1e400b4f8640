/* lib/job: a job written by the scheduler's side is read back by the
   worker's; result lines round-trip with their types; the one reader
   cuts lines whatever the read sizes, and refuses an over-long one. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "job.h"
#include "tap.h"

/* Feeds s through a pipe in reads of any size and takes the job. */
static int job_through (char const *s, job *j)
{
  job_reader rd = JOB_READER_ZERO(JOB_LINE_MAX);
  int p[2], r = 0;
  char *line;
  size_t len;
  if (pipe(p) < 0) return -2;
  if (write(p[1], s, strlen(s)) != (ssize_t)strlen(s)) return -2;
  close(p[1]);
  while (!r && job_reader_fill(&rd, p[0]) > 0)
    while (!r && job_reader_line(&rd, &line, &len) > 0) r = job_take(j, line, len);
  close(p[0]);
  job_reader_free(&rd);
  return r;
}

int main (void)
{
  stralloc sa = STRALLOC_ZERO;
  job j = JOB_ZERO;
  job_result res, in = JOB_RESULT_ZERO;
  job_reader rd = JOB_READER_ZERO(8);
  char *line;
  size_t len;
  char buf[64];
  tap_plan(17);

  job_put_start(&sa, "/q/cur/1.2.3");
  job_put_rcpt(&sa, "a@example.org");
  job_put_rcpt(&sa, "b\xc3\xa9@example.org");
  job_put_end(&sa);
  stralloc_0(&sa);
  tap_is(job_through(sa.s, &j), 1, "a written job is read back whole");
  tap_ok(!strcmp(j.path.s, "/q/cur/1.2.3") && j.n == 2 && !j.bad, "its path and two recipients");
  tap_ok(!strcmp(j.rcpts.s + 14, "b\xc3\xa9@example.org"), "an 8-bit recipient as it was");
  tap_is(job_take(&j, "R x@y", 5), -1, "an R line before an M line is refused");
  job_free(&j);
  tap_is(job_through("M /q/cur/1\nR \n.\n", &j), 1, "a job with an empty recipient is read");
  tap_ok(j.bad, "and marked bad: it is never sent");
  job_free(&j);
  tap_ok(job_through("M /q/cur/1\nX y\n.\n", &j) == -1 && errno == EPROTO, "a line of no known type: EPROTO");
  job_free(&j);

  in.type = 'R'; in.rcpt = "b\xc3\xa9@x"; in.status = JOB_FAIL; in.code = 550; in.text = "no\tsuch\ruser";
  sa.len = 0;
  job_result_put(&sa, &in);
  tap_ok(sa.len && sa.s[sa.len - 1] == '\n' && !memchr(sa.s, '\r', sa.len), "an R line, one line, no CR");
  sa.s[sa.len - 1] = 0;
  tap_ok(job_result_parse(&res, sa.s) == 'R' && res.status == JOB_FAIL && res.code == 550
    && !strcmp(res.text, "no?such?user") && !strcmp(res.rcpt, "b??@x"), "read back: fail 550, fields made printable");
  in = (job_result)JOB_RESULT_ZERO;
  in.type = 'M'; in.status = JOB_OK; in.class = "smtp"; in.code = 250; in.text = "2.0.0 queued";
  sa.len = 0;
  job_result_put(&sa, &in);
  sa.s[sa.len - 1] = 0;
  tap_ok(job_result_parse(&res, sa.s) == 'M' && res.status == JOB_OK && res.code == 250
    && !strcmp(res.class, "smtp") && !strcmp(res.text, "2.0.0 queued"), "an M line round-trips");
  in.code = 7;
  sa.len = 0;
  job_result_put(&sa, &in);
  tap_ok(sa.len > 13 && !memcmp(sa.s, "M\tok\tsmtp\t007\t", 13), "a code always has three digits");
  strcpy(buf, "S\thost:25\tTLSv1.3\tPLAIN");
  tap_ok(job_result_parse(&res, buf) == 'S' && !strcmp(res.host, "host:25") && !strcmp(res.mech, "PLAIN"), "an S line");
  strcpy(buf, "R\tx@y\tok");
  tap_is(job_result_parse(&res, buf), 0, "an R line with missing fields is ignored");
  strcpy(buf, "Q\tnew\tkind\tof\tline");
  tap_is(job_result_parse(&res, buf), 0, "an unknown line type is ignored");
  strcpy(buf, "M\tok\tsmtp\t25x\tt");
  tap_ok(job_result_parse(&res, buf) == 'M' && res.code == 0, "a garbled code counts as 000");

  {
    int p[2];
    int r;
    if (pipe(p) < 0) return 1;
    if (write(p[1], "abc\n0123456789\n", 15) != 15) return 1;
    close(p[1]);
    job_reader_fill(&rd, p[0]);
    r = job_reader_line(&rd, &line, &len);
    tap_ok(r == 1 && len == 3 && !strcmp(line, "abc"), "the reader hands out a line");
    r = job_reader_line(&rd, &line, &len);
    tap_ok(r == -1 && errno == E2BIG, "and refuses one longer than its maximum");
    close(p[0]);
  }
  job_reader_free(&rd);
  stralloc_free(&sa);
  return tap_done();
}
