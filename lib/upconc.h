/* upconc.h: how many sessions one upstream gets at once. An upstream
   that caps connections per client (Exim's smtp_accept_max_per_host,
   Postfix's smtpd_client_connection_count_limit, Exchange's concurrent
   connection limit) refuses the sessions beyond its cap with a 421 or
   454 that says so, while the others work. Such a refusal lowers the
   limit by one (never below 1) and does not hold the queue; successes
   raise it again by one at a time (additive increase), up to
   CONCURRENCY, slowly enough that an upstream with a fixed cap sees a
   refused session now and then, not a stream of them.

   Pure policy, one struct per upstream (so one per route can exist):
   the time is passed in, nothing is read, written or logged here. */
#ifndef SMARTHOST_UPCONC_H
#define SMARTHOST_UPCONC_H

#include <time.h>

/* One more session after this many successes at the current limit ... */
#define UPCONC_GROW_OK 20
/* ... and at least this many seconds after the last change. */
#define UPCONC_GROW_SECS 60

typedef struct upconc_s upconc;
struct upconc_s
{
  unsigned int max;      /* CONCURRENCY */
  unsigned int limit;    /* sessions allowed now: 1..max */
  unsigned int ok;       /* successes since the last change */
  time_t changed;        /* when the limit last changed */
  unsigned int refused;  /* sessions refused as too many, since start */
};
#define UPCONC_ZERO { 1, 1, 0, 0, 0 }

void upconc_init (upconc *u, unsigned int max);

/* 1 when an upstream's reply (its code, and its text, any prefix of
   ours included) says it has too many connections from us; else 0. */
int upconc_toomany (unsigned int code, char const *text);

/* A session was refused as too many at t, while "others" sessions of
   ours were open besides. Returns 1 when the refusal is ours to absorb (the
   limit is lowered, the message is simply tried again: other sessions
   work), 0 when no other session is open (the upstream refuses us
   altogether: a throttle, for the gate's hold). */
int upconc_refused (upconc *u, unsigned int others, time_t t);

/* A job the upstream answered (class smtp) at t. Returns 1 when the
   limit grew by one. */
int upconc_success (upconc *u, time_t t);

/* The result of a job, as smarthost-send meets it: its class and the
   upstream's code and text (doc/interfaces.md), others as above (0 for
   a pause's probe: it is alone by design). UPCONC_REFUSED: a refusal
   absorbed, the job's message goes back to the schedule and the gate
   is not told; UPCONC_GREW: a success that raised the limit; else
   UPCONC_NONE, and the gate decides as before. */
#define UPCONC_NONE 0
#define UPCONC_REFUSED 1
#define UPCONC_GREW 2
unsigned int upconc_job (upconc *u, char const *class, unsigned int code, char const *text, unsigned int others, time_t t);

/* One limit per route (lib/route.h): each route's sessions go to its
   own upstream, with its own account, and an upstream that says "too
   many connections" speaks of ours to it alone. So a refusal lowers
   that route's limit only, and "others" are that route's other
   sessions: a refusal while none of them is open is the upstream
   refusing the route altogether (its gate's throttle), whatever the
   other routes have open. Without routes there is one, index 0. */
typedef struct route_conc_s route_conc;
struct route_conc_s
{
  upconc *u;             /* n limits */
  unsigned int n;
};
#define ROUTE_CONC_ZERO { 0, 0 }

/* n limits (at least 1), each starting at max. 1, or 0 on allocation failure. */
int route_conc_init (route_conc *rc, unsigned int n, unsigned int max);
void route_conc_free (route_conc *rc);

/* Route i's limit (route 0's for an i out of range). */
upconc *route_conc_get (route_conc const *rc, unsigned int i);

/* Whether route i, with live sessions open, may have one more. */
int route_conc_room (route_conc const *rc, unsigned int i, unsigned int live);

/* How many of route i's live sessions are beyond its limit (idle ones
   to end: an idle session still counts against the upstream's cap). */
unsigned int route_conc_excess (route_conc const *rc, unsigned int i, unsigned int live);

/* upconc_job for route i, others its own other sessions. */
unsigned int route_conc_job (route_conc *rc, unsigned int i, char const *class, unsigned int code, char const *text, unsigned int others, time_t t);

#endif
