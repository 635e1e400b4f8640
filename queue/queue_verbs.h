/* queue_verbs.h: what people ask of smarthost-send, and what each
   request does to the schedule: smarthost-control's hold, release,
   remove and bounce (queue_control.h carries them), and the flush of
   sendmail -q (a byte on the trigger) and SIGALRM. The decisions are
   here, over the schedule (queue_sched.h) and the markers in control/;
   the effects that are the scheduler's (is a worker on it, remove its
   files, bounce it now, say it in the log) are the caller's callbacks.
   Nothing here logs or exits.

   A request about one message:

     message          hold            release          remove / bounce
     -------          ----            -------          ---------------
     not queued       "no such message in the queue", nothing changes
     in flight        "being delivered right now; ask again": nothing changes
                      (smarthost-control asks again once a second)
     scheduled        held, out of    "was not held"   out of the schedule, then
                      the schedule                     removed (bounced), held.ID gone
     held             held (again)    due now          as scheduled

   A message held is out of the schedule (QUEUE_SCHED_PARKED), or is
   parked when it comes up (the caller's dispatch checks
   QUEUE_SCHED_HELD). The hold of the whole queue is v->held, which the
   caller's gate reads; hold-all and held.ID keep both across a restart. */
#ifndef SMARTHOST_QUEUE_VERBS_H
#define SMARTHOST_QUEUE_VERBS_H

#include <stdint.h>
#include <time.h>
#include "gate.h"
#include "queue_control.h"
#include "queue_sched.h"
#include "route_gate.h"

/* What happened, for the caller's log (said). */
#define QUEUE_VERBS_HELD_ALL 1      /* the whole queue held */
#define QUEUE_VERBS_RELEASED_ALL 2
#define QUEUE_VERBS_HELD 3          /* id held */
#define QUEUE_VERBS_RELEASED 4
#define QUEUE_VERBS_REMOVED 5
#define QUEUE_VERBS_NOREMOVE 6      /* id's file could not be removed: errno; it stays queued */
#define QUEUE_VERBS_MARK 7          /* making control/held.ID (hold-all when id is 0) failed: errno */
#define QUEUE_VERBS_UNMARK 8        /* removing it failed: errno */
#define QUEUE_VERBS_RESTORED 9      /* at start: the queue is held (control/hold-all) */
#define QUEUE_VERBS_FLUSH 10        /* everything is due now */

typedef struct queue_verbs_ops_s queue_verbs_ops;
struct queue_verbs_ops_s
{
  /* 1 when a worker has the message of slot now */
  int (*busy) (uint32_t slot, void *aux);
  /* The message's files go (cur/ID, then state/ID). 0, or -1 with errno
     when cur/ID stays. */
  int (*remove) (char const *id, void *aux);
  /* Reads the message of slot for a bounce: 0 when it can be, else the
     answer saying why not (it is then scheduled again, at once). */
  char const *(*bounce_read) (uint32_t slot, time_t t, void *aux);
  /* Refuses every recipient not done with reason and settles the
     message (bounces; the slot is freed or scheduled again). 1, or 0
     on allocation failure. */
  int (*bounce) (uint32_t slot, char const *reason, time_t t, void *aux);
  /* For the log: QUEUE_VERBS_*, the message's id or 0. */
  void (*said) (int what, char const *id, void *aux);
  /* A request's answer could not be written or the request removed. */
  queue_control_failed *failed;
};

typedef struct queue_verbs_s queue_verbs;
struct queue_verbs_s
{
  queue_sched *sched;        /* the messages */
  gate *gate;                /* the scheduler's gate, opened by a flush */
  route_gates *rg;           /* the routes' gates, opened with it */
  queue_verbs_ops const *ops;
  void *aux;                 /* for ops */
  int ctl;                   /* control/, or -1: no requests, no markers */
  int held;                  /* the whole queue is held: nothing goes out */
  time_t flushed;            /* when the trigger last asked a flush that counted */
};
#define QUEUE_VERBS_ZERO { 0, 0, 0, 0, 0, -1, 0, 0 }

#define QUEUE_VERBS_BOUNCE_REASON "5.0.0 removed from the queue by its administrator"

/* Opens spool/control and restores what it keeps: the messages held
   (QUEUE_SCHED_HELD on those queued; the markers of others go) and the
   hold of the whole queue (said QUEUE_VERBS_RESTORED). 0, or -1 with
   errno when control/ cannot be opened (v->ctl stays -1: no requests). */
int queue_verbs_open (queue_verbs *v, char const *spool);

/* Applies request c at t. Returns the answer for the requester, or 0
   on allocation failure (errno; the caller cannot go on). */
char const *queue_verbs_do (queue_verbs *v, queue_control const *c, time_t t);

/* Applies the requests waiting in control/, in order, each answered
   (queue_control_apply). 0, or -1 with errno: control/ could not be read
   (ENOMEM: the caller cannot go on). */
int queue_verbs_apply (queue_verbs *v, time_t t);

/* Everything scheduled is due at t; opengate (SIGALRM): every gate's
   delays end too. Said QUEUE_VERBS_FLUSH. */
void queue_verbs_flush (queue_verbs *v, int opengate, time_t t);

/* A byte other than NUL on the trigger (sendmail -q): the trigger is
   writable by the smtpd's group too, so that asker is trusted with less
   than SIGALRM: it never ends a pause (a wrong password would be tried
   at every byte, and the ISP may lock the account), and it counts at
   most once a minute. 1 when it counted. */
int queue_verbs_flush_trigger (queue_verbs *v, time_t t);

#endif
