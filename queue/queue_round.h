/* queue_round.h: one attempt at a message by smarthost-send (a round), as
   policy: which recipients go, the jobs that carry them (JOB_RCPTS each,
   all to one worker, so in one upstream session), what each result line
   counts for, and what the round leaves when it is over (bounce what
   failed, expire, warn, finish or retry when). The time, the gate and the
   bounce settings are passed in; the spool's files, the injector and the
   log are the caller's, through queue_round_ops. So every decision here
   can be tested without a process (tests/unit/round.c).

     plan --> job --> rline ... result --+--> job (the next JOB_RCPTS)
                                         +--> settle --> done, or next time
                                         +--> again (the upstream, not the
                                              message: unchanged, due now) */
#ifndef SMARTHOST_QUEUE_ROUND_H
#define SMARTHOST_QUEUE_ROUND_H

#include <stdint.h>
#include <time.h>
#include <skalibs/genalloc.h>
#include <skalibs/stralloc.h>
#include "bounce.h"
#include "gate.h"
#include "job.h"
#include "queue.h"
#include "queue_state.h"

typedef struct queue_round_s queue_round;
struct queue_round_s
{
  char id[QUEUE_ID_SIZE];
  queue_env env;        /* the message's envelope */
  queue_state st;       /* its state, as read at dispatch, then updated */
  int hadstate;         /* state/ID existed at dispatch */
  genalloc pend;        /* uint32_t: indices in st of the round's recipients */
  size_t pendpos;       /* pend[0..pendpos) went out in jobs */
  size_t jobstart;      /* the job in flight is pend[jobstart..pendpos) */
  genalloc res;         /* the R lines of the job in flight */
  stralloc restext;     /* their texts */
  stralloc info;        /* host\0tls\0mech\0 from an S line; empty: none */
  genalloc failed;      /* uint32_t: indices in st refused for good this round */
  genalloc idx;         /* uint32_t: scratch */
  int tried;            /* a job of this round reached a verdict */
  genalloc relayed;     /* uint32_t: delivered this round, owed a "relayed" report (DSN, lib/bounce.h) */
  int updsn;            /* the upstream of the job in flight offers DSN (its S line) */
};
#define QUEUE_ROUND_ZERO { { 0 }, QUEUE_ENV_ZERO, QUEUE_STATE_ZERO, 0, GENALLOC_ZERO, 0, 0, GENALLOC_ZERO, \
  STRALLOC_ZERO, STRALLOC_ZERO, GENALLOC_ZERO, GENALLOC_ZERO, 0, GENALLOC_ZERO, 0 }

#define queue_round_npend(r) genalloc_len(uint32_t, &(r)->pend)
#define queue_round_pend(r, i) (genalloc_s(uint32_t, &(r)->pend)[i])
#define queue_round_nfailed(r) genalloc_len(uint32_t, &(r)->failed)
#define queue_round_failed(r, i) (genalloc_s(uint32_t, &(r)->failed)[i])
/* recipients in the job in flight */
#define queue_round_njob(r) ((r)->pendpos - (r)->jobstart)

/* What the caller does for the round: its side effects. */
typedef struct queue_round_ops_s queue_round_ops;
struct queue_round_ops_s
{
  /* a recipient's verdict ("delivered", "failed", "deferred"), for the log */
  void (*attempt) (queue_round const *r, char const *rcpt, char const *verdict, unsigned int code, char const *text, void *aux);
  /* a recipient given up after LIFETIME, for the log */
  void (*expired) (queue_round const *r, char const *rcpt, void *aux);
  /* queues a bounce (delayed 0; status: the DSN status, or 0 for each
     recipient's own), a delay warning (delayed 1) or a "relayed" report
     (delayed 2: DSN, for an upstream without it) for the recipients
     idx[0..n): 1 when queued or not to be sent, 0 when it failed (the
     recipients are kept for a later try) */
  int (*bounce) (queue_round *r, uint32_t const *idx, size_t n, int delayed, char const *status, void *aux);
  void *aux;
};

/* Starts the round over r->env and r->st: every recipient the envelope
   names that is not done or failed, each once however often and in
   whatever case of its domain the envelope names it (addr_same). An empty
   address can never be delivered: it goes to r->failed at once, with
   its text set. Returns 1, or 0 on allocation failure. */
int queue_round_plan (queue_round *r);

/* Appends the next job of the round (up to JOB_RCPTS recipients, the
   message at path) to sa and makes it the job in flight. 1, or 0 on
   allocation failure. */
int queue_round_job (queue_round *r, char const *path, stralloc *sa);

/* Takes an S or R line of the job in flight. An R line counts for the
   job's next recipient only if it names it (lib/job.h): one naming
   another counts as "deferred", never a delivery or a bounce of the wrong
   recipient. 1, or 0 on allocation failure. */
int queue_round_line (queue_round *r, job_result const *res);

#define QUEUE_ROUND_AGAIN 0   /* the upstream is broken or throttles: due again, unchanged */
#define QUEUE_ROUND_NEXT 1    /* the next job of the round, on the same worker */
#define QUEUE_ROUND_SETTLE 2  /* the round is over: call queue_round_settle */

/* The job in flight is over: its M line m (or the one a lost worker
   stands for, class "worker"). Records each recipient's verdict in the
   state (ops->attempt says each). more: the worker can take another job
   now. Returns QUEUE_ROUND_*, or -1 on allocation failure. */
int queue_round_result (queue_round *r, job_result const *m, int more, queue_round_ops const *ops);

/* The round is over at t: counts the attempt, bounces what failed,
   expires and warns (bounce_due; g says whether the queue is paused, and
   the RETRY schedule). Returns 1 when nothing is left to try (the caller
   removes the message), 0 when r->st.next is set (the caller writes the
   state and reschedules it). */
int queue_round_settle (queue_round *r, bounce const *b, gate const *g, time_t t, queue_round_ops const *ops);

/* The recipients of the round, each refused for good with text (a
   request to bounce the message): then settle. 1, or 0 on allocation
   failure. */
int queue_round_fail_all (queue_round *r, char const *text);

/* 1 for a class that says the upstream is at fault, not the message
   (broken: auth, tls, config; or throttle): the round counts nothing. */
int queue_round_upstream_fault (char const *class);

void queue_round_free (queue_round *r);

/* The notification about recipients idx[0..n-1] of the round at t
   (lib/dsn.h): delayed 0 a bounce, 1 a delay warning, 2 a "relayed"
   report; status the DSN status of each, or 0 for its own. Sets d's
   message fields and returns its recipients (to free), or 0 on
   allocation failure. The sender, our name and the upstream are the
   caller's (bounce_to, lib/bounce.h). */
dsn_rcpt *queue_round_dsn (queue_round const *r, uint32_t const *idx, size_t n, int delayed, char const *status, time_t t, dsn *d);

#endif
