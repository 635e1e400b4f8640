/* queue_dispatch.h: smarthost-send's dispatch decisions: which message
   of the schedule goes to which worker when, which waits for its route,
   and when the loop must wake. The state is the scheduler's, passed by
   pointer (the schedule, the gates, the pool, the session limit); the
   time is passed in. Nothing here reads or writes the spool, starts a
   process or logs: a message's route comes from the caller (route_of),
   a worker to start is a decision the caller carries out. The one act
   on the pool is closing idle workers (their pipes: EOF, QUIT, exit).

     schedule --> first due? --> its route's gate shut? --> parked
                                 |
                                 +--> an idle worker of its route
                                 +--> else start one (an idle worker of
                                      another route closed when all are
                                      started)

   Per-route state is in arrays indexed by route (0: conf/ or no
   ROUTES): the gates (lib/route_gate.h); queue_dispatch_gate and
   queue_dispatch_conc are the one place a route's state is looked up. */
#ifndef SMARTHOST_QUEUE_DISPATCH_H
#define SMARTHOST_QUEUE_DISPATCH_H

#include <stdint.h>
#include <time.h>
#include "gate.h"
#include "job.h"
#include "pool.h"
#include "queue_round.h"
#include "queue_sched.h"
#include "route_gate.h"
#include "upconc.h"

/* seconds a message of a route whose probe is out waits */
#define QUEUE_DISPATCH_PARK 5

/* What a worker carries (its pool_worker's user): the message in flight
   and its round, and the route it serves for its life. */
typedef struct queue_task_s queue_task;
struct queue_task_s
{
  uint32_t slot;
  int probe;            /* the job is the pause's probe */
  unsigned int route;   /* the route its worker serves (lib/route.h) */
  queue_round r;        /* queue/queue_round.h */
};

typedef struct queue_dispatch_s queue_dispatch;
struct queue_dispatch_s
{
  queue_sched *sched;   /* the messages by next attempt */
  gate *gate;           /* the relay's: pacing; without routes, also pause and hold */
  route_gates *rg;      /* one gate per route; rg->n 0: no routes */
  pool *pool;           /* the workers; user: queue_task */
  upconc *conc;         /* the upstream's session limit, without routes */
  unsigned int nroutes; /* routes_n: a message's route matters when > 1 */
  /* the route of message id plus 1 (its sender against ROUTES), or 0
     when it cannot be read (route 0 then; the attempt says why) */
  unsigned int (*route_of) (char const *id, void *aux);
  void *aux;
  route_conc *rconc;    /* with routes: a session limit per route (lib/upconc.h); 0: conc for all */
};

/* What queue_dispatch_next decided. */
#define QUEUE_DISPATCH_NONE 0    /* nothing now: none due, the gate shut, or no worker free */
#define QUEUE_DISPATCH_PARKED 1  /* the first message waits for its route: ask again */
#define QUEUE_DISPATCH_GO 2      /* slot, out of the schedule, goes to w, or to a new worker of route (w 0) */

typedef struct queue_dispatch_pick_s queue_dispatch_pick;
struct queue_dispatch_pick_s
{
  uint32_t slot;
  time_t key;           /* its place in the schedule, to put it back */
  unsigned int route;
  pool_worker *w;       /* an idle worker of route, or 0: start one */
};

/* A route's state: its gate (the relay's one without routes), its
   session limit (its own with routes: rconc; else the relay's). */
gate *queue_dispatch_gate (queue_dispatch const *d, unsigned int route);
upconc *queue_dispatch_conc (queue_dispatch const *d, unsigned int route);

/* The task of w, allocated on first use; 0 on allocation failure. */
queue_task *queue_dispatch_task (pool_worker *w);

/* The route of the message in slot, asked of route_of once per run. */
unsigned int queue_dispatch_route (queue_dispatch *d, uint32_t slot);

/* When the next message may go out, ignoring the schedule: 0 now, -1
   never (stop: held, or stopping; or a probe in flight), else a time. */
time_t queue_dispatch_gate_at (queue_dispatch const *d, time_t t, int stop);
/* 1 when the first message of the schedule may go at t. */
int queue_dispatch_due (queue_dispatch const *d, time_t t, int stop);

/* With routes: the first message of the schedule, when its route's gate
   is shut, goes back for when it opens (or QUEUE_DISPATCH_PARK seconds
   while its probe is out), so that it blocks no other route. 1 if so. */
int queue_dispatch_park (queue_dispatch *d, time_t t);
/* A route's pause is over: its parked messages are due at t. */
void queue_dispatch_release (queue_dispatch *d, unsigned int route, time_t t);

/* Closes idle workers beyond their route's session limit: an idle
   session counts against the upstream's cap. */
void queue_dispatch_trim (queue_dispatch *d);

/* The next decision at t (see QUEUE_DISPATCH_*). The caller starts the
   worker of a GO without w (pool_new, the route's environment), and
   puts slot back at key if it cannot. */
int queue_dispatch_next (queue_dispatch *d, time_t t, int stop, queue_dispatch_pick *p);

/* What the state file, read when the message in slot came out of the
   schedule at t, means for it (hadstate: there is one; next: its next
   attempt): QUEUE_DISPATCH_HELD, held by request: out of the schedule
   until released; QUEUE_DISPATCH_LATER, its first look since start-up
   and not due yet: back into the schedule at next, cheaply; else
   QUEUE_DISPATCH_TRY: the caller opens it and tries. */
#define QUEUE_DISPATCH_TRY 0
#define QUEUE_DISPATCH_HELD 1
#define QUEUE_DISPATCH_LATER 2
int queue_dispatch_look (queue_dispatch *d, uint32_t slot, int hadstate, time_t next, time_t t);

/* Whether the loop can do something at t: send the first message, or
   park it. */
int queue_dispatch_progress (queue_dispatch *d, time_t t, int stop);

/* When the loop must wake for the schedule: the first message's time,
   or its gate's if later, at most latest; latest when the gate stays
   shut or every session is busy. */
time_t queue_dispatch_wake (queue_dispatch const *d, time_t t, int stop, time_t latest);

/* A job of task k goes out at t: its route's gate counts it (and says
   whether it is the probe), the relay's pacing too. */
void queue_dispatch_sent (queue_dispatch *d, queue_task *k, time_t t);

/* The result m of w's job at t, for the session limit first (ev zeroed:
   the gate is not told), else the route's gate (ev: what changed; a
   pause that ended releases the route's parked messages). Returns
   upconc_job's verdict; on UPCONC_REFUSED w is closed (it has no
   session), and the idle workers beyond the limit. */
unsigned int queue_dispatch_result (queue_dispatch *d, pool_worker *w, job_result const *m, time_t t, gate_event *ev);

#endif
