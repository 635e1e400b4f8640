/* queue_control.h: requests to smarthost-send from smarthost-control(8),
   as files in queue/control/ (the send user's, 0700: only root and the
   send user can ask). One request per file, named by a fresh id so that
   `ls` lists them in order, holding one line:

     VERB TAB ID TAB REASON LF      (ID and REASON may be empty)

   VERB is hold, release, remove or bounce. The requester writes
   control/REQ.new and renames it to control/REQ, then pokes the trigger;
   the scheduler applies the requests in the order of their names, writes
   its answer to control/REQ.reply (replaced whole) and removes control/REQ.
   The requester reads and removes the reply. The scheduler keeps what
   must outlive a restart there too: control/hold-all (the whole queue is
   held) and control/held.ID (one message is). */
#ifndef SMARTHOST_QUEUE_CONTROL_H
#define SMARTHOST_QUEUE_CONTROL_H

#include <skalibs/genalloc.h>
#include <skalibs/stralloc.h>
#include "queue.h"

#define QUEUE_CONTROL_REASON_MAX 300

typedef struct queue_control_s queue_control;
struct queue_control_s
{
  char verb[8];
  char id[QUEUE_ID_SIZE];    /* empty: the whole queue */
  char reason[QUEUE_CONTROL_REASON_MAX + 1];
};

/* Writes the request into dir/control (dir is the spool) and pokes the
   trigger. reqid gets its name (QUEUE_ID_SIZE bytes). Returns 0, or -1
   with errno. */
int queue_control_send (char const *dir, queue_control const *c, char *reqid);

/* Waits (polling, at most secs seconds) for the reply to reqid and moves it
   into reply (NUL-terminated, control characters made '?'), removing the
   file. Returns 1, 0 when none came in time (the request is withdrawn if
   still there), -1 with errno (EINVAL: the reply is not a regular file
   reached without a link; it and the request are removed). */
int queue_control_wait (char const *dir, char const *reqid, unsigned int secs, stralloc *reply);

/* Parses the len bytes of a request file. 1 when it is well-formed, 0 if not. */
int queue_control_parse (char const *s, size_t len, queue_control *c);

/* The scheduler's end. */

/* Opens dir/control, made (0700) when missing: an instance from before
   it. Returns its descriptor, or -1 with errno. */
int queue_control_open (char const *dir);

/* The requests waiting in ctl, in the order of their names (the order
   they were made in): strdup'ed ids appended to names (char *), which
   queue_control_names_free frees. 0, or -1 with errno. */
int queue_control_pending (int ctl, genalloc *names);
void queue_control_names_free (genalloc *names);

/* Reads request req. 1: well-formed, in c; 0: malformed; -1 with errno
   (ENOENT: its requester withdrew it). */
int queue_control_read (int ctl, char const *req, queue_control *c);

/* Writes answer as req.reply (req.reply.tmp renamed over it: a reader
   never sees it half written), then removes req. 0, or
   -1 with errno and *what naming the step that failed (the removal is
   tried even when the reply could not be written). */
int queue_control_answer (int ctl, char const *req, char const *answer, char const **what);

/* Makes (on 1) or removes (on 0) the marker name, or name followed by
   id when id is not NULL: hold-all, held.ID; ctl is synced, so the
   change survives a power cut once this returns. 0, or -1 with errno. */
int queue_control_mark (int ctl, char const *name, char const *id, int on);

/* Applies the requests waiting in ctl, in order: each is read, handed
   to apply (which returns the answer; a malformed one is answered
   without it), answered and removed. A step that failed is told to
   failed (what failed, with errno, and the request). Returns 0, or -1
   with errno when ctl could not be read whole (ENOMEM: nothing was
   applied). */
typedef char const *queue_control_do (queue_control const *c, void *aux);
typedef void queue_control_failed (char const *what, char const *req, void *aux);
int queue_control_apply (int ctl, queue_control_do *apply, queue_control_failed *failed, void *aux);

/* What ctl keeps across a restart: each held.ID is handed to queued,
   which marks the message held and returns 1, or returns 0 for an id no
   longer queued (its marker is removed). Returns 1 when the whole queue
   is held (hold-all), else 0. */
int queue_control_restore (int ctl, int (*queued) (char const *id, void *aux), void *aux);

#endif
