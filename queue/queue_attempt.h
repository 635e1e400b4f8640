/* queue_attempt.h: what smarthost-send does with a worker's results: a
   job's result lines into the round (queue_round.h), the session limit
   and the route's gate told first (queue_dispatch_result), the gate's
   changes said once with what to fix, the next job of the round or the
   round settled (bounces and delay warnings injected, the message
   removed in the cur-then-state order, or its state written and
   rescheduled). A worker that could not start, or that died or went
   silent, stands for a result of class "worker": the message is tried
   again, never lost and never "delivered".

     pool line --> line --> R, S: the round
                        \-> M --\
     pool lost --> lost -------->+--> finish --> again (due now, unchanged)
     spawn failed --> unstarted -/          \--> next job (ops->send)
                                             \--> settle --> done (queue_msg_done)
                                                        \--> kept (queue_msg_keep), rescheduled

   The state is the scheduler's, passed by pointer: the settings, the
   dispatch state (schedule, gates, pool, session limits), the report,
   the spool (a message's files through queue/queue_dirs.h, which holds
   the crash order). The worker's pipe, the injector and the log are
   the caller's, through queue_attempt_ops; nothing here exits, and no
   log line carries outside text raw (addresses and host names go
   through lib/printable). So the policy is tested without a process
   (tests/unit/attempt.c). */
#ifndef SMARTHOST_QUEUE_ATTEMPT_H
#define SMARTHOST_QUEUE_ATTEMPT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "bounce.h"
#include "dsn.h"
#include "job.h"
#include "pool.h"
#include "queue_dirs.h"
#include "queue_dispatch.h"
#include "queue_report.h"
#include "queue_round.h"
#include "queue_state.h"
#include "sendconf.h"

/* The kinds of log line (ops->say): strerr_warni, strerr_warnw,
   strerr_warnwu, strerr_warnwusys (errno is set for this one). */
#define QUEUE_ATTEMPT_INFO 0
#define QUEUE_ATTEMPT_WARN 1
#define QUEUE_ATTEMPT_UNABLE 2
#define QUEUE_ATTEMPT_UNABLESYS 3

typedef struct queue_attempt_ops_s queue_attempt_ops;
struct queue_attempt_ops_s
{
  /* The next job of w's round (queue_round_job) to w: 0, or -1 when
     the worker cannot take it. */
  int (*send) (pool_worker *w, void *aux);
  /* Injects notification d with the message on fd, at its body
     (bounce_queue): a wait status, or -1 with errno. */
  int (*inject) (bounce const *b, dsn *d, int fd, void *aux);
  /* A log line of kind QUEUE_ATTEMPT_*. */
  void (*say) (int kind, char const *line, void *aux);
};

typedef struct queue_attempt_s queue_attempt;
struct queue_attempt_s
{
  sendconf const *cf;         /* the settings: routes, bounces, the upstream for log lines */
  queue_dispatch *d;          /* the schedule, gates, pool and session limits */
  queue_report *report;       /* the last attempt, pauses, bounces counted */
  queue_dirs const *spool;    /* the message's files (queue/queue_dirs.h) */
  tain const *clock;          /* now, for a job's latency (STAMP) */
  int const *stopping;        /* the scheduler stops: no next job on a worker */
  queue_attempt_ops const *ops;
  void *aux;                  /* for ops */
  stralloc line;              /* the log line being said */
  stralloc safe[2];           /* queue_attempt_safe's */
  stralloc once;              /* a reply's text without its code repeated */
  queue_task req;             /* a bounce by request, from its reading to its settling */
};
#define QUEUE_ATTEMPT_ZERO { 0, 0, 0, 0, 0, 0, 0, 0, STRALLOC_ZERO, { STRALLOC_ZERO, STRALLOC_ZERO }, STRALLOC_ZERO, \
  QUEUE_TASK_ZERO }

/* Outside text s in the printable form of lib/printable.h, for a log
   line: 8-bit and control bytes (a terminal's 0x9b or 0x1b) never reach
   the log raw. One slot (0 or 1) per argument of a line; "?" when out of
   memory. */
char const *queue_attempt_safe (queue_attempt *a, unsigned int slot, char const *s);

/* The round of a message (queue_round_plan); an empty address is
   refused at once, said. 1, or 0 on allocation failure. */
int queue_attempt_plan (queue_attempt *a, queue_round *r);

/* What queue_attempt_begin did. */
#define QUEUE_ATTEMPT_NOMEM -2     /* allocation failure: the caller cannot go on */
#define QUEUE_ATTEMPT_UNUSABLE -1  /* w died between jobs: closed, the message due again at t */
#define QUEUE_ATTEMPT_NONE 0       /* nothing now: rescheduled, held, finished or dropped */
#define QUEUE_ATTEMPT_SENT 1       /* a job went out to w (or w could not start: unstarted) */

/* The message in slot, out of the schedule at t, to the idle worker w
   (queue_dispatch_next): its state read (a message not due yet after a
   restart costs that one open: queue_dispatch_look), its envelope read,
   its round planned, and the first job sent (ops->send). A message gone
   is forgotten with its state file; one that is not a regular file or
   is malformed is left alone, not scheduled; one unreadable is tried
   again after the first RETRY delay. */
int queue_attempt_begin (queue_attempt *a, pool_worker *w, uint32_t slot, time_t t);

/* A bounce by smarthost-control's request is the normal round with
   every recipient not done refused (queue_verbs_ops' bounce_read and
   bounce). First the message in slot is read into a->req (its state,
   its envelope): 0, or the answer saying why it cannot be. */
char const *queue_attempt_bounce_read (queue_attempt *a, uint32_t slot);
/* Then each recipient of a->req's round not done is refused with
   reason, said, and the round settled at t (the bounce; the message
   removed when nothing is left). 1, or 0 on allocation failure. */
int queue_attempt_bounce (queue_attempt *a, char const *reason, time_t t);

/* The result line of w's job (lib/job.h) at t: an M line ends the job
   (finish), an R or S line counts for the round. A line of an idle
   worker, or one that does not parse, is ignored. 1, or 0 on allocation
   failure (the caller cannot go on). */
int queue_attempt_line (queue_attempt *a, pool_worker *w, char *line, time_t t);

/* w died or went silent (why: lib/pool.h's) at t with no M line. 1, or
   0 on allocation failure. */
int queue_attempt_lost (queue_attempt *a, pool_worker *w, char const *why, time_t t);

/* w could not start (w->spawnerr) for the job of its task at t: the job
   is made, then over as for a worker that exited at once. 1, or 0 on
   allocation failure. */
int queue_attempt_unstarted (queue_attempt *a, pool_worker *w, time_t t);

/* The round of k is over at t: bounces what failed, expires, warns
   (queue_round_settle), then either finishes the message (done) or
   writes its state and puts it back in the schedule. 1, or 0 on
   allocation failure. */
int queue_attempt_settle (queue_attempt *a, queue_task *k, time_t t);

/* The message of k is finished: its files go (queue_msg_done: cur/ID,
   then state/ID) and its slot is freed; when cur/ID stays, it is
   scheduled again after the first RETRY delay. 1, or 0 on allocation
   failure. */
int queue_attempt_done (queue_attempt *a, queue_task *k, time_t t);

void queue_attempt_free (queue_attempt *a);

#endif
