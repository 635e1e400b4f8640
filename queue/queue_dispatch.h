/* queue_dispatch.h: smarthost-send's dispatch decisions: which message
   of the schedule goes to which worker when, which waits for its route,
   and when the loop must wake. The state is the scheduler's, passed by
   pointer (the schedule, the gates, the pool, the session limit); the
   time is passed in. Nothing here reads or writes the spool, starts a
   process or logs: a message's route comes from the caller (route_of),
   a worker to start is a decision the caller carries out. The one act
   on the pool is closing idle workers (their pipes: EOF, QUIT, exit).

     first due? --> its route's gate shut? --> parked
          |
          +--> look at up to QUEUE_DISPATCH_LOOK due messages from the
               front of the schedule, skipping routes whose gate is shut
               or that are at their session limit, and take the earliest
               that goes without closing a worker:
                 an idle worker of its route (fewer than
                 QUEUE_DISPATCH_RUN messages carried), or room to start one
               else the earliest that needs a worker closed: an idle one
               whose route has no due mail looked at, or one that has
               carried QUEUE_DISPATCH_RUN messages
               else the earliest for a worker past its run (no route
               waits)

   A worker serves one route for its life (its session, credentials and
   environment), so a message of a route without a worker costs a start,
   and perhaps another route's idle worker. Taking the schedule strictly
   in order cost a start per message or nearly, with more routes than
   CONCURRENCY (each message could close the idle worker of the route the
   next one needs), and a message whose route is at its own session limit
   held back every route behind it. One schedule per route would answer
   both, but the schedule is one heap that pickup, the verbs, the listing
   and the status walk, and a message's route is only known once its
   envelope is read (route_of, lazily): so the one heap stays, and the
   decision looks a little way into its due part instead. Bounded:
   QUEUE_DISPATCH_LOOK messages per decision (their routes asked once per
   run): when more due messages than that, of routes that cannot go
   now, come first, the others still wait behind them, and the loop
   looks again each second (the wake), never in a busy loop.
   Fair: a worker takes its route's mail for QUEUE_DISPATCH_RUN messages
   while another route waits for a worker, then yields to the route
   whose message is oldest: one start per QUEUE_DISPATCH_RUN messages
   at most while routes compete, and one when a route runs dry.

   Per-route state is in arrays indexed by route (0: conf/ or no
   ROUTES): the gates (lib/route_gate.h); queue_dispatch_gate and
   queue_dispatch_conc are the one place a route's state is looked up.
   The live workers of each route, and its idle worker, are counted in
   the struct by one pass over the pool per decision (O(CONCURRENCY)):
   workers also end inside lib/pool (lost, reaped) without telling this
   module, so counts carried from one decision to the next would drift. */
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
/* due messages a decision looks at, from the first */
#define QUEUE_DISPATCH_LOOK 64
/* messages a worker carries in a row while another route waits for one */
#define QUEUE_DISPATCH_RUN 32
/* routes at most: conf/'s and lib/route.h's ROUTE_MAX (checked there) */
#define QUEUE_DISPATCH_ROUTES 1001

/* What a worker carries (its pool_worker's user): the message in flight
   and its round, and the route it serves for its life. */
typedef struct queue_task_s queue_task;
struct queue_task_s
{
  uint32_t slot;
  int probe;            /* the job is the pause's probe */
  unsigned int route;   /* the route its worker serves (lib/route.h) */
  unsigned int run;     /* messages its worker was given since it started */
  queue_round r;        /* queue/queue_round.h */
};
#define QUEUE_TASK_ZERO { 0, 0, 0, 0, QUEUE_ROUND_ZERO }

/* The workers, counted at each decision (see above). */
typedef struct queue_dispatch_count_s queue_dispatch_count;
struct queue_dispatch_count_s
{
  unsigned int live;    /* live workers */
  unsigned int idle;    /* of which idle */
  unsigned int route_live[QUEUE_DISPATCH_ROUTES];  /* live workers by route */
  pool_worker *route_idle[QUEUE_DISPATCH_ROUTES];  /* an idle worker by route (the least run), or 0 */
};
#define QUEUE_DISPATCH_COUNT_ZERO { 0, 0, { 0 }, { 0 } }

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
  queue_dispatch_count n;  /* the pool counted at each decision; zero at start */
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
/* w was just started for route: its task, serving route, with no
   message carried yet; 0 on allocation failure (the caller closes w). */
queue_task *queue_dispatch_start (pool_worker *w, unsigned int route);

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

/* Counts the workers, and closes the idle ones beyond their route's
   session limit: an idle session counts against the upstream's cap. */
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
   shut or every session is busy. When messages are due but none can go
   (their routes at their limits, the workers busy), a worker's result
   wakes the loop: then the time the first message not looked at may be
   due (t + 1 when more are due than a decision looks at). */
time_t queue_dispatch_wake (queue_dispatch *d, time_t t, int stop, time_t latest);

/* A job of task k goes out at t: its route's gate counts it (and says
   whether it is the probe), the relay's pacing too, and its worker's
   run. */
void queue_dispatch_sent (queue_dispatch *d, queue_task *k, time_t t);

/* The result m of w's job at t, for the session limit first (ev zeroed:
   the gate is not told), else the route's gate (ev: what changed; a
   pause that ended releases the route's parked messages). Returns
   upconc_job's verdict; on UPCONC_REFUSED w is closed (it has no
   session), and the idle workers beyond the limit. */
unsigned int queue_dispatch_result (queue_dispatch *d, pool_worker *w, job_result const *m, time_t t, gate_event *ev);

#endif
