/* queue_verbs.c: the requests to smarthost-send and what they do to the
   schedule (queue_verbs.h has the table). */

#include <errno.h>
#include <string.h>
#include "printable.h"
#include "queue_verbs.h"

#define MSG(v, slot) queue_sched_msg((v)->sched, slot)

static void say (queue_verbs *v, int what, char const *id)
{
  if (v->ops && v->ops->said) (*v->ops->said)(what, id, v->aux);
}

/* The marker of one message (held.ID) or of the queue (hold-all, id 0). */
static void mark (queue_verbs *v, char const *id, int on)
{
  if (v->ctl < 0) return;
  if (queue_control_mark(v->ctl, id ? "held." : "hold-all", id, on) < 0)
    say(v, on ? QUEUE_VERBS_MARK : QUEUE_VERBS_UNMARK, id);
}

static char const *queue_hold (queue_verbs *v, int on)
{
  v->held = on;
  mark(v, 0, on);
  say(v, on ? QUEUE_VERBS_HELD_ALL : QUEUE_VERBS_RELEASED_ALL, 0);
  return on ? "ok: the queue is held" : "ok: the queue is released";
}

static char const *msg_hold (queue_verbs *v, uint32_t slot)
{
  queue_sched_msg *m = MSG(v, slot);
  if (!(m->flags & QUEUE_SCHED_HELD)) { m->flags |= QUEUE_SCHED_HELD; mark(v, m->id, 1); }
  if (queue_sched_pull(v->sched, slot)) m->flags |= QUEUE_SCHED_PARKED;
  say(v, QUEUE_VERBS_HELD, m->id);
  return "ok: held";
}

static char const *msg_release (queue_verbs *v, uint32_t slot, time_t t)
{
  queue_sched_msg *m = MSG(v, slot);
  if (!(m->flags & QUEUE_SCHED_HELD)) return "ok: was not held";
  if (m->flags & QUEUE_SCHED_PARKED && !queue_sched_push(v->sched, slot, t)) return 0;
  m->flags &= ~(QUEUE_SCHED_HELD | QUEUE_SCHED_PARKED);
  mark(v, m->id, 0);
  say(v, QUEUE_VERBS_RELEASED, m->id);
  return "ok: released";
}

/* The slot is forgotten only once its file is gone; else it is due
   again at once (the caller said why). */
static char const *msg_remove (queue_verbs *v, uint32_t slot, time_t t)
{
  char id[QUEUE_ID_SIZE];
  memcpy(id, MSG(v, slot)->id, QUEUE_ID_SIZE);
  if ((*v->ops->remove)(id, v->aux) < 0)
  {
    say(v, QUEUE_VERBS_NOREMOVE, id);
    return queue_sched_push(v->sched, slot, t) ? "error: cannot remove the message file" : 0;
  }
  mark(v, id, 0);
  if (!queue_sched_free(v->sched, slot)) return 0;
  say(v, QUEUE_VERBS_REMOVED, id);
  return "ok: removed";
}

/* A bounce ends any hold of the message: read first, its marker goes,
   then every recipient not done is refused and the message settled.
   The reason is the requester's text: it goes into the log (one
   printable line per event) and the notification's text part (declared
   us-ascii, no transfer encoding), so a byte outside 0x20-0x7e (8-bit
   text typed at a terminal) becomes '?' (lib/printable). */
static char const *msg_bounce (queue_verbs *v, uint32_t slot, char const *given, time_t t)
{
  char id[QUEUE_ID_SIZE];
  char reason[QUEUE_CONTROL_REASON_MAX + 1];
  size_t len = strlen(given);
  char const *why;
  if (len > QUEUE_CONTROL_REASON_MAX) len = QUEUE_CONTROL_REASON_MAX;
  memcpy(reason, given, len);
  reason[len] = 0;
  printable_fix(reason, len);
  MSG(v, slot)->flags &= ~(QUEUE_SCHED_HELD | QUEUE_SCHED_PARKED | QUEUE_SCHED_UNKNOWN);
  memcpy(id, MSG(v, slot)->id, QUEUE_ID_SIZE);
  why = (*v->ops->bounce_read)(slot, t, v->aux);
  if (why) return queue_sched_push(v->sched, slot, t) ? why : 0;
  mark(v, id, 0);
  if (!(*v->ops->bounce)(slot, reason, t, v->aux)) return 0;
  return "ok: bounced";
}

char const *queue_verbs_do (queue_verbs *v, queue_control const *c, time_t t)
{
  int64_t s;
  uint32_t slot;
  if (!c->id[0])
  {
    if (!strcmp(c->verb, "hold")) return queue_hold(v, 1);
    if (!strcmp(c->verb, "release")) return queue_hold(v, 0);
    return "error: remove and bounce need a message id";
  }
  s = queue_sched_find(v->sched, c->id);
  if (s < 0) return "error: no such message in the queue";
  slot = (uint32_t)s;
  /* its worker's result would land on a message changed or gone */
  if ((*v->ops->busy)(slot, v->aux)) return "error: the message is being delivered right now; ask again in a moment";
  if (!strcmp(c->verb, "hold")) return msg_hold(v, slot);
  if (!strcmp(c->verb, "release")) return msg_release(v, slot, t);
  if (!(MSG(v, slot)->flags & QUEUE_SCHED_PARKED)) queue_sched_pull(v->sched, slot);
  if (!strcmp(c->verb, "remove")) return msg_remove(v, slot, t);
  return msg_bounce(v, slot, c->reason[0] ? c->reason : QUEUE_VERBS_BOUNCE_REASON, t);
}

/* queue_control_apply's callbacks: the time of the whole batch, and
   the allocation failure kept for the end. */
typedef struct batch_s batch;
struct batch_s
{
  queue_verbs *v;
  time_t t;
  int nomem;
};

static char const *batch_do (queue_control const *c, void *aux)
{
  batch *b = aux;
  char const *answer;
  if (b->nomem) return "error: the scheduler is out of memory";
  answer = queue_verbs_do(b->v, c, b->t);
  if (!answer) { b->nomem = 1; return "error: the scheduler is out of memory"; }
  return answer;
}

static void batch_failed (char const *what, char const *req, void *aux)
{
  batch *b = aux;
  if (b->v->ops && b->v->ops->failed) (*b->v->ops->failed)(what, req, b->v->aux);
}

int queue_verbs_apply (queue_verbs *v, time_t t)
{
  batch b = { v, t, 0 };
  if (v->ctl < 0) return 0;
  if (queue_control_apply(v->ctl, &batch_do, &batch_failed, &b) < 0) return -1;
  return b.nomem ? (errno = ENOMEM, -1) : 0;
}

static int held_msg (char const *id, void *aux)
{
  queue_verbs *v = aux;
  int64_t s = queue_sched_find(v->sched, id);
  if (s < 0) return 0;
  MSG(v, s)->flags |= QUEUE_SCHED_HELD;
  return 1;
}

int queue_verbs_open (queue_verbs *v, char const *spool)
{
  v->ctl = queue_control_open(spool);
  if (v->ctl < 0) return -1;
  if (queue_control_restore(v->ctl, &held_msg, v))
  {
    v->held = 1;
    say(v, QUEUE_VERBS_RESTORED, 0);
  }
  return 0;
}

void queue_verbs_flush (queue_verbs *v, int opengate, time_t t)
{
  queue_sched_all_due(v->sched, t);
  if (opengate)
  {
    if (v->gate) gate_open(v->gate);
    if (v->rg) route_gates_open(v->rg);
  }
  say(v, QUEUE_VERBS_FLUSH, 0);
}

int queue_verbs_flush_trigger (queue_verbs *v, time_t t)
{
  if (v->flushed && t >= v->flushed && t - v->flushed < 60) return 0;
  v->flushed = t;
  queue_verbs_flush(v, 0, t);
  return 1;
}
