/* queue_report.h: what smarthost-send keeps to tell people about the
   queue (queue_status.h: queue/status and METRICS_FILE; alert.h:
   ALERT_CMD), and when it writes them: a change at most once a second,
   and at least every QUEUE_REPORT_EVERY seconds so that the ages stay
   fresh. The caller fills the picture (queue_report_gate and its own
   message table) when queue_report_due says so. Nothing is logged here. */
#ifndef SMARTHOST_QUEUE_REPORT_H
#define SMARTHOST_QUEUE_REPORT_H

#include <time.h>
#include <skalibs/stralloc.h>
#include "alert.h"
#include "gate.h"
#include "queue_sched.h"
#include "queue_status.h"
#include "route.h"
#include "route_gate.h"
#include "upconc.h"

#define QUEUE_REPORT_EVERY 30

typedef struct queue_report_s queue_report;
struct queue_report_s
{
  queue_status s;          /* the counters and the picture */
  alert alert;             /* ALERT_AGE, and what was last alerted */
  char const *status;      /* the status file's path */
  char const *metrics;     /* METRICS_FILE, or 0 */
  char const *alert_cmd;   /* ALERT_CMD, or 0 */
  stralloc pause_reason;   /* the gate's pause, with the upstream's words */
  stralloc *route_reason;  /* with ROUTES: each route's, by route index */
  unsigned int nreason;
  stralloc last;           /* the status text last written */
  stralloc text;           /* scratch */
  time_t written;          /* when the status file was last written */
  time_t looked;           /* when the picture was last taken */
  int due;                 /* a change waits for the next second */
};
#define QUEUE_REPORT_ZERO { QUEUE_STATUS_ZERO, ALERT_ZERO, 0, 0, 0, STRALLOC_ZERO, 0, 0, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0 }

/* A recipient's verdict ("delivered", "failed", "deferred") at t, with
   its code (three digits) and text (printable), counted. */
void queue_report_attempt (queue_report *r, char const *id, char const *verdict, char const *code, char const *text, time_t t);

/* The pause's reason: the advice and what the upstream said; route is
   the route's index (lib/route.h), 0 without ROUTES. */
void queue_report_paused (queue_report *r, unsigned int ri, char const *advice, char const *code, char const *text);

/* 1 when the picture is to be taken now (at most once a second; force:
   a control request, now whatever the second); else 0, and r->due says
   that a change waits. */
int queue_report_due (queue_report *r, time_t t, int force);

/* The gate's and the control hold's part of the picture (manual: the
   whole queue is held by smarthost-control; scheduled: messages wait
   in the schedule). */
void queue_report_gate (queue_report *r, gate const *g, int manual, int scheduled, time_t t);

/* The whole picture when queue_report_due says so: the messages of
   the schedule s (O(messages): at most once a second), the session
   limit c, and the gate g with the hold of the whole queue (manual),
   as queue_report_gate. */
void queue_report_take (queue_report *r, queue_sched const *s, upconc const *c, gate const *g, int manual, time_t t);
/* With ROUTES (rg->n routes): each route senders take, its gate and its
   session limit (rc's, or the relay's session_limit when rc is 0), for
   the status's route lines. Without, nothing. */
void queue_report_routes (queue_report *r, route_gates const *rg, routes const *rt, route_conc const *rc, time_t t);

/* Writes the status file if it changed (or is QUEUE_REPORT_EVERY old, or
   force), and METRICS_FILE with it. Returns 0, or -1 with errno and
   *failed the path that could not be written (the other one is still
   tried: a second failure overrides the first). */
int queue_report_write (queue_report *r, time_t t, int force, char const **failed);

/* What the alerts did, for the caller's log: an alert kind (alert_kind)
   with why is new, told before ALERT_CMD runs (run 1; 0: there is
   none), and told again with run -1 when it could not be run (errno). */
typedef void queue_report_alerted (char const *kind, char const *why, int run, void *aux);

/* At most three new alerts at t (alert_check over the picture), each
   told to said and handed to ALERT_CMD (alert_run). */
void queue_report_alerts (queue_report *r, time_t t, queue_report_alerted *said, void *aux);

void queue_report_free (queue_report *r);

#endif
