/* job.h: the scheduler-to-worker protocol (doc/interfaces.md, "Scheduler
   to remote: jobs and results"), both ends in one place, as lib/qq.h is
   the injector's. smarthost-send writes jobs and reads results;
   smarthost-remote -w reads jobs and writes results. Both read lines
   with the one reader below.

     send --- M path / R rcpt ... / . ------------> remote
     send <-- [S host tls mech [ext]] R ...  ... M ... --- remote

   Nothing here exits, prints or logs. */
#ifndef SMARTHOST_JOB_H
#define SMARTHOST_JOB_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>

#define JOB_RCPTS 100            /* recipients per job, so per upstream transaction */
#define JOB_LINE_MAX 4200        /* a job line: "M " and a path, "R " and an address */
#define JOB_RESULT_LINE_MAX 65536

/* ---- the reader: lines out of what a pipe gives ---- */

typedef struct job_reader_s job_reader;
struct job_reader_s
{
  stralloc buf;          /* bytes read, buf.s[start..len) not yet handed out */
  size_t start;
  size_t max;            /* the longest line, without its LF */
};
#define JOB_READER_ZERO(max) { STRALLOC_ZERO, 0, (max) }

/* One read(2) from fd into r. Returns the bytes read, 0 at EOF, -1 with
   errno (EAGAIN on an empty non-blocking pipe). */
ssize_t job_reader_fill (job_reader *r, int fd);
/* The next whole line, its LF replaced by a NUL, in *line (valid until
   the next fill). Returns 1, 0 when no whole line is buffered, -1 with
   E2BIG when a line is longer than max (the stream is then unusable). */
int job_reader_line (job_reader *r, char **line, size_t *len);
/* 1 when bytes of an unfinished line are buffered. */
int job_reader_partial (job_reader const *r);
void job_reader_free (job_reader *r);

/* ---- a job ---- */

/* The scheduler: appends "M path", a line per recipient, then ".".
   Each returns 1, or 0 on allocation failure. */
int job_put_start (stralloc *sa, char const *path);
int job_put_rcpt (stralloc *sa, char const *addr);
int job_put_end (stralloc *sa);

/* The worker: a job being read, line by line. */
typedef struct job_s job;
struct job_s
{
  stralloc path;
  stralloc rcpts;        /* NUL-terminated, one after the other */
  unsigned int n;
  int bad;               /* an empty or malformed recipient: the job is refused */
  int started;           /* the M line was read */
};
#define JOB_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0 }

/* Takes one line (without its LF). Returns 1 when the job is complete
   (the "." line), 0 when more lines are wanted, -1 with errno: EPROTO
   for a line out of place (the two ends disagree, which no retry can
   fix), ENOMEM. A complete job is cleared by the next call. */
int job_take (job *j, char const *line, size_t len);
void job_free (job *j);

/* ---- results ---- */

#define JOB_DEFER 0
#define JOB_OK 1
#define JOB_FAIL 2

typedef struct job_result_s job_result;
struct job_result_s
{
  char type;             /* 'S', 'R', 'M'; 0: a line to ignore */
  unsigned int status;   /* R, M: JOB_OK, JOB_DEFER, JOB_FAIL */
  unsigned int code;     /* R, M: the upstream's code, 0 for none (000) */
  char const *rcpt;      /* R */
  char const *class;     /* M: "smtp", "auth", ... (doc/interfaces.md) */
  char const *text;      /* R, M */
  char const *host;      /* S: host:port, TLS version, AUTH mechanism */
  char const *tls;
  char const *mech;
  char const *ext;       /* S, optional: "DSN" when the upstream offers it; "": the field is left out */
};
#define JOB_RESULT_ZERO { 0, JOB_DEFER, 0, "", "", "", "", "", "", "" }

/* Appends the line of res (its type says which fields count), each field
   made printable (lib/printable.h): no TAB, CR or LF can split a field.
   Returns 1, or 0 on allocation failure. */
int job_result_put (stralloc *sa, job_result const *res);

/* Parses a result line in place (its TABs become NULs; the fields point
   into line), each field made printable again: the scheduler logs them
   whatever the worker wrote. Returns the type, or 0 for a line of
   unknown type or with missing fields (unknown lines are ignored by
   the protocol, so a newer worker can add some). */
int job_result_parse (job_result *res, char *line);

/* "ok", "defer", "fail"; and back (anything unknown is JOB_DEFER). */
char const *job_status_name (unsigned int status);
unsigned int job_status_scan (char const *s);

#endif
