/* queue_sched.h: smarthost-send's schedule: the messages it knows, by
   slot (a small number the priority queue and the workers carry), and a
   priority queue of slots by next attempt (lib/prioq.h); among messages
   due at the same second, the oldest first. The spool is not touched
   here: the caller reads and writes it, and logs. */
#ifndef SMARTHOST_QUEUE_SCHED_H
#define SMARTHOST_QUEUE_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <skalibs/genalloc.h>
#include "prioq.h"
#include "queue.h"

#define QUEUE_SCHED_UNKNOWN 1   /* state file not read since start-up: respect its next time */
#define QUEUE_SCHED_HELD 2      /* held by smarthost-control: not dispatched */
#define QUEUE_SCHED_PARKED 4    /* held and taken out of the schedule */
#define QUEUE_SCHED_COUNTED 8   /* rcpts is known (queue/status's recipients) */

typedef struct queue_sched_msg_s queue_sched_msg;
struct queue_sched_msg_s
{
  char id[QUEUE_ID_SIZE];       /* empty: a free slot */
  unsigned char flags;          /* QUEUE_SCHED_* */
  uint32_t rcpts;               /* recipients not done or failed, when COUNTED */
  uint16_t route;               /* the caller's: smarthost-send's route + 1, 0 not known */
};

typedef struct queue_sched_s queue_sched;
struct queue_sched_s
{
  genalloc msgs;                /* queue_sched_msg, by slot */
  genalloc freeslots;           /* uint32_t */
  prioq q;                      /* slots by next attempt */
  size_t n;                     /* messages known: scheduled, parked or in flight */
};
#define QUEUE_SCHED_ZERO { GENALLOC_ZERO, GENALLOC_ZERO, PRIOQ_ZERO, 0 }

#define queue_sched_msg(s, slot) (genalloc_s(queue_sched_msg, &(s)->msgs) + (slot))
#define queue_sched_nslots(s) genalloc_len(queue_sched_msg, &(s)->msgs)

/* A message known from now on, not scheduled yet. 1 and its slot in
   *slot, or 0 on allocation failure. */
int queue_sched_new (queue_sched *s, char const *id, unsigned char flags, uint32_t *slot);
/* Forgets the message in slot. 1, or 0 on allocation failure. */
int queue_sched_free (queue_sched *s, uint32_t slot);
/* Schedules slot at key. 1, or 0 on allocation failure. */
int queue_sched_push (queue_sched *s, uint32_t slot, time_t key);
/* A message known and scheduled at its arrival, without ordering (at
   start-up, for many: queue_sched_order after the last). 1, or 0. */
int queue_sched_load (queue_sched *s, char const *id, unsigned char flags);
void queue_sched_order (queue_sched *s);
/* Takes slot out of the schedule (a walk: for a person's request). 1 if
   it was there. */
int queue_sched_pull (queue_sched *s, uint32_t slot);
/* The slot of id, or -1 (a walk: for a person's request). */
int64_t queue_sched_find (queue_sched const *s, char const *id);
/* Everything scheduled is due at t now, state files unread or not. */
void queue_sched_all_due (queue_sched *s, time_t t);
/* One walk over the messages known: those held one by one, the oldest's
   id (empty: none), and their recipients, a message not counted yet
   (not read since start) counting one; *uncounted says how many do. */
void queue_sched_census (queue_sched const *s, uint64_t *held, char *oldest, uint64_t *rcpts, uint64_t *uncounted);

/* What the caller learnt reading the message in slot (its state file,
   or its envelope when it tried it): n recipients not done or failed. */
void queue_sched_counted (queue_sched *s, uint32_t slot, size_t n);

/* The ids scheduled, sorted, for many lookups (queue_sched_has). 1, or 0
   on allocation failure. */
int queue_sched_sorted (queue_sched const *s, genalloc *slots);
int queue_sched_has (queue_sched const *s, genalloc const *slots, char const *id);

#endif
