/* queue_pickup.h: the spool into smarthost-send's schedule: what it
   takes from new/ while it runs, what it knows from cur/ at its start,
   and the state files no queued message owns, which go. The walks are
   queue_dirs.h's; what they find wrong is handed to the caller's said
   (QUEUE_NOTREG, QUEUE_CLASH, QUEUE_FAILED with errno) to log. Nothing
   here logs or exits. */
#ifndef SMARTHOST_QUEUE_PICKUP_H
#define SMARTHOST_QUEUE_PICKUP_H

#include "queue_dirs.h"
#include "queue_sched.h"

/* new/ to cur/: each message moved is known from now on and scheduled
   at its arrival (its id's time: tried at once, oldest first). Returns
   1; 0 when the schedule could not grow (ENOMEM: the caller cannot go
   on; what was moved is in cur/, which the next start reads); -1 with
   errno when new/ cannot be read. */
int queue_pickup_new (queue_sched *s, queue_dirs const *q, queue_walk_fn *said, void *aux);

/* At start-up only the names in cur/ are read (the id is the arrival):
   each message is known, QUEUE_SCHED_UNKNOWN (its state file is read
   when it comes due), scheduled at its arrival. 1, 0 (ENOMEM), or -1
   with errno when cur/ cannot be read. */
int queue_pickup_cur (queue_sched *s, queue_dirs const *q);

/* The state files of no message s knows go, and leftovers of a crash
   (queue_clean_state); a failure to remove one is said. Run after
   queue_pickup_new took new/: a message a power loss put back into
   new/ keeps its state (queue/README.md). 1, 0 (ENOMEM), or -1 with
   errno when state/ cannot be read. */
int queue_pickup_clean (queue_sched const *s, queue_dirs const *q, queue_walk_fn *said, void *aux);

#endif
