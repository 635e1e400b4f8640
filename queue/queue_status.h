/* queue_status.h: what smarthost-send tells people about the queue, in two
   files it replaces whole (tmp + rename, so a reader sees the old one or
   the new one, never half): queue/status, lines of "key<TAB>value" for
   smarthost-status(8), and METRICS_FILE, the Prometheus text exposition
   format for node_exporter's textfile collector. Nothing secret goes in
   either: the reason of a pause is the upstream's reply, made printable. */
#ifndef SMARTHOST_QUEUE_STATUS_H
#define SMARTHOST_QUEUE_STATUS_H

#include <stdint.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include "queue.h"
#include "queue_state.h"

/* With ROUTES: one route's part (each route pauses on its own). */
typedef struct queue_status_route_s queue_status_route;
struct queue_status_route_s
{
  unsigned int line;         /* the line that first named it; 0: conf/'s */
  char const *upstream;      /* 0: conf/'s UPSTREAM */
  char const *pause_class;   /* 0: running */
  char const *pause_reason;  /* printable; 0 when none */
  time_t pause_since;
  time_t next_probe;
  time_t hold_until;         /* its upstream's throttle: 0 when none */
  unsigned int session_limit;
};

typedef struct queue_status_s queue_status;
struct queue_status_s
{
  char const *pause_class;   /* 0: running; "manual" (smarthost-control hold), or a gate class */
  char const *pause_reason;  /* printable; 0 when there is none */
  time_t pause_since;
  time_t next_probe;         /* 0: none planned */
  time_t hold_until;         /* the upstream's throttle: 0 when none */
  time_t paced_until;        /* RATE_MINUTE, RATE_HOUR hold the next message until then: 0 when not */
  uint64_t messages;         /* queued, held ones included */
  uint64_t held;             /* messages held one by one */
  uint64_t recipients;       /* recipients of those not yet done or failed; one for each uncounted */
  uint64_t uncounted;        /* messages not read since start: their recipients are not known */
  char oldest[QUEUE_ID_SIZE];/* empty when the queue is empty */
  uint64_t deliveries, failures, deferrals, bounces;  /* recipients, bounces queued: since start */
  time_t last_delivery;      /* 0: none since start */
  char last_delivery_id[QUEUE_ID_SIZE];
  time_t last_failure;
  stralloc last_failure_text;/* printable */
  time_t started;
  unsigned int session_limit;/* upstream sessions at once now: CONCURRENCY, or less after "too many connections" */
  unsigned int concurrency;  /* CONCURRENCY */
  queue_status_route *routes;/* the routes senders take, or 0 without ROUTES */
  unsigned int nroutes;
};
#define QUEUE_STATUS_ZERO { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, 0, 0, 0, 0, 0, { 0 }, 0, STRALLOC_ZERO, 0, 0, 0, 0, 0 }

/* The arrival time an id starts with. */
time_t queue_status_id_time (char const *id);

/* The recipients a state file says are still to deliver (its defer
   lines: once a message was tried, its state names every recipient of
   its envelope). */
uint32_t queue_status_pending (queue_state const *st);

/* Appends the status file's text to sa (its format is queue/README.md).
   Returns 1, or 0 on allocation failure. */
int queue_status_text (stralloc *sa, queue_status const *s);
/* Appends its last line, "updated", the time it was written. 1, or 0. */
int queue_status_stamp (stralloc *sa, time_t now);
/* Appends the metrics in the Prometheus text format. 1, or 0. */
int queue_status_metrics (stralloc *sa, queue_status const *s, time_t now);

/* Replaces the file path with len bytes of data: path.tmp (mode), then a
   rename over path. Whatever was at path.tmp is removed first and the
   file is created new (O_EXCL): a FIFO or a link planted there is never
   opened. Returns 0, or -1 with errno (the .tmp removed). */
int queue_status_replace (char const *path, char const *data, size_t len, unsigned int mode);

/* The path of the status file of the spool (spool/status) into sa,
   NUL-terminated: the writer's and the readers' one name for it. 1, or 0
   on allocation failure. */
int queue_status_path (stralloc *sa, char const *spool);

/* The reading end (queue_status_read.c), for smarthost-status and mailq. */
/* Reads spool/status into file. Returns 1, 0 when there is none yet
   (smarthost-send has not run), -1 with errno. */
int queue_status_load (char const *spool, stralloc *file);
/* Writes into v the value of key in a status file's text, made printable
   (the file is the send user's: root reading it trusts it no further),
   NUL-terminated; "" when the key is absent. Returns v->s, or 0 on
   allocation failure. */
char const *queue_status_value (stralloc const *file, char const *key, stralloc *v);

#endif
