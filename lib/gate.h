/* gate.h: when smarthost-send may hand the upstream its next message. Three
   things hold the whole queue, whatever message is due:

     pause   the upstream is broken (AUTH refused, TLS failed, our
             configuration unusable, or GATE_NETFAIL_MAX network failures
             in a row): one probe at a time goes out, on the pause's own
             short schedule (PAUSE_PROBE, the shorter of its step and
             RETRY's), until one reaches the upstream's SMTP again and
             everything is released;
     hold    the upstream asks everyone to slow down (421, 454 4.7.0: the
             "throttle" class): the queue waits on the RETRY schedule;
     pacing  RATE_MINUTE and RATE_HOUR: a ring of the last N send times.

   Pure policy: the state is a struct, the time is passed in, nothing is
   read, written or logged here; gate_result says what changed so that
   the caller can log it. The classes are those of doc/interfaces.md. */
#ifndef SMARTHOST_GATE_H
#define SMARTHOST_GATE_H

#include <time.h>

#define GATE_NETFAIL_MAX 3

typedef struct gate_ring_s gate_ring;
struct gate_ring_s
{
  time_t *t;             /* the last n send times, a ring */
  unsigned int n, len, head;
  unsigned int window;   /* seconds */
};

typedef struct gate_s gate;
struct gate_s
{
  unsigned int const *retry;  /* the RETRY schedule, nretry >= 1 delays */
  unsigned int nretry;
  unsigned int const *probe;  /* the probe schedule during a pause, nprobe >= 1 delays */
  unsigned int nprobe;
  char const *pause_class;    /* 0: not paused; else "auth", "tls", "config" or "network" */
  time_t pause_since, pause_until;
  unsigned int pause_n;       /* probes that failed in this pause */
  int probe_inflight;
  unsigned int netfails;      /* network failures in a row */
  time_t hold_until;
  unsigned int hold_n;        /* holds in a row */
  gate_ring rate_m, rate_h;
};

#define GATE_NONE 0
#define GATE_PAUSED 1         /* the queue pauses (or the reason changed) */
#define GATE_STILL_PAUSED 2   /* the probe failed */
#define GATE_RESUMED 3        /* the probe reached the upstream: the pause is over */
#define GATE_HELD 4           /* the upstream asked us to wait */

typedef struct gate_event_s gate_event;
struct gate_event_s
{
  unsigned int what;     /* GATE_* */
  unsigned int delay;    /* PAUSED, STILL_PAUSED: seconds to the next probe; HELD: of the hold */
  time_t paused;         /* RESUMED: how long the pause lasted, in seconds */
};

/* Sets g up with the RETRY schedule (kept, not copied; nretry >= 1) and
   the pacing limits (0: none). Returns 1, or 0 on allocation failure. */
int gate_init (gate *g, unsigned int const *retry, unsigned int nretry, unsigned int per_minute, unsigned int per_hour);
void gate_free (gate *g);

/* The n-th delay of the RETRY schedule (its last one for n past its end). */
unsigned int gate_retry_delay (gate const *g, unsigned int n);

/* The probe schedule during a pause (kept, not copied; n >= 1). Until
   it is set, the default GATE_PROBE_DEFAULT. */
#define GATE_PROBE_DEFAULT "30,60,120,300"
void gate_set_probe (gate *g, unsigned int const *probe, unsigned int n);

/* The delay before the n-th probe of a pause: the shorter of the probe
   schedule's and RETRY's n-th step (a short RETRY is never slowed down). */
unsigned int gate_probe_delay (gate const *g, unsigned int n);

/* Parses a schedule "d1,d2,...,dn" (seconds, at most nine digits; a 0 counts as 1, which
   would otherwise hammer the upstream) into a new array. Returns the
   array and sets *n, or 0 on a malformed string (errno EINVAL) or on
   allocation failure (ENOMEM). */
unsigned int *gate_schedule_parse (char const *s, unsigned int *n);

/* When the next message may go out, at time t: 0 now, -1 not until the
   probe in flight returns, else the time. */
time_t gate_when (gate const *g, time_t t);

/* A message goes out at t: counted for pacing. Returns 1 when it is the
   pause's probe (its result decides the pause), else 0. */
int gate_send (gate *g, time_t t);

/* The result of a job: its class, whether it was the probe. */
void gate_result (gate *g, char const *class, int probe, time_t t, gate_event *ev);

/* Everything may go now (SIGALRM): hold and pause delays end, the pause
   itself stays until a probe reaches the upstream. */
void gate_open (gate *g);

/* Holds the queue at least until the time given (a worker that cannot
   start: wait rather than fork in a loop). */
void gate_hold_min (gate *g, time_t until);

/* 1 for the classes that mean a broken upstream: auth, tls, config. */
int gate_class_broken (char const *class);

/* What a person should check, for a pause's log line. */
char const *gate_advice (char const *class);
/* The same, fitted to the cause the worker's text names: for class auth,
   a failed UPSTREAM_TOKENCMD or a token the upstream refused is not a
   password problem; token: UPSTREAM_TOKENCMD is set. */
char const *gate_advice_cause (char const *class, char const *text, int token);

#endif
