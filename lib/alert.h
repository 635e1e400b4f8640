/* alert.h: ALERT_CMD, run once when the queue's state changes in a way a
   person must hear of (the queue pauses, resumes, or a message waits
   longer than ALERT_AGE). Mail through a paused upstream cannot carry the
   alert, so it is a command: it can page, post, or use another route.

   alert_check compares the status with what was last alerted and says
   what is new; alert_run starts the command. Nothing is printed here. */
#ifndef SMARTHOST_ALERT_H
#define SMARTHOST_ALERT_H

#include <time.h>
#include <skalibs/stralloc.h>
#include "queue_status.h"

typedef struct alert_s alert;
struct alert_s
{
  unsigned int maxage;    /* ALERT_AGE in seconds; 0: no age alert */
  char paused[16];        /* the pause class last alerted; empty: none */
  int aged;               /* an age alert was given for the present oldest */
};
#define ALERT_ZERO { 0, { 0 }, 0 }

#define ALERT_NONE 0
#define ALERT_PAUSED 1
#define ALERT_RESUMED 2
#define ALERT_AGE 3

/* What changed since the last call, at most one event per call (the
   caller calls again until ALERT_NONE): its kind, its reason in why
   (printable), its start in *since. */
int alert_check (alert *a, queue_status const *s, time_t now, stralloc *why, time_t *since);

/* The event kind's name: "paused", "resumed", "age". */
char const *alert_kind (int kind);

/* Runs cmd with /bin/sh -c, detached (it is not waited for: a hanging
   pager must not hang the queue), stdin from /dev/null, with
   SMARTHOST_ALERT_KIND, SMARTHOST_ALERT_REASON and SMARTHOST_ALERT_SINCE
   (seconds since the epoch) in its environment. Returns 0 when it was
   started, or -1 with errno. */
int alert_run (char const *cmd, char const *kind, char const *reason, time_t since);

#endif
