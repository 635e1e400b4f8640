/* bounce.h: bounces and delay warnings of smarthost-send. When one is due
   is pure policy (bounce_due: the time is passed in); sending one is a
   notification (lib/dsn.h) through the injector (lib/qq.h). Nothing here
   logs: the caller says what happened. */
#ifndef SMARTHOST_BOUNCE_H
#define SMARTHOST_BOUNCE_H

#include <time.h>
#include "dsn.h"
#include "queue.h"

typedef struct bounce_s bounce;
struct bounce_s
{
  char const *me;          /* HELONAME: Reporting-MTA, MAILER-DAEMON@me */
  char const *upstream;    /* Remote-MTA, or NULL */
  char const *postmaster;  /* where a failed bounce goes, or NULL: dropped */
  unsigned int lifetime;   /* seconds after arrival: the rest is bounced */
  unsigned int delaywarn;  /* seconds after arrival: one warning; 0 never */
};
#define BOUNCE_ZERO { "localhost", 0, 0, 432000, 14400 }

#define BOUNCE_NONE 0      /* keep trying, say nothing */
#define BOUNCE_WARN 1      /* warn the sender once (if the message is kept) */
#define BOUNCE_EXPIRE 2    /* give up: bounce what is left */

/* What the recipients still deferred after an attempt need at time t, for
   a message that arrived at arrival and was warned about (1) or not (0):
   BOUNCE_NONE, or BOUNCE_WARN and BOUNCE_EXPIRE or'ed (a warning is due
   too in case the expiry's bounce cannot be queued). While the queue is
   paused (paused 1) nothing expires and nobody is warned: the upstream
   is broken, not the message, and the time lost is ours. */
int bounce_due (bounce const *b, time_t arrival, time_t t, int warned, int paused);

/* When a message kept at t is tried next: at retry_at (its RETRY
   delay), or earlier when its expiry or its delay warning (not sent
   yet) falls before, so that neither waits a whole RETRY step. A
   moment already past (during a pause) does not count. */
time_t bounce_next (bounce const *b, time_t arrival, time_t t, int warned, time_t retry_at);

/* Who gets the notification about a message from sender: the sender. A
   bounce that failed (its sender is null) is never bounced back: a
   failure goes to POSTMASTER once, and a warning goes nowhere; nor is
   a failed bounce to POSTMASTER itself (one of rcpts) sent there again.
   NULL: nobody (the caller drops it, saying so). */
char const *bounce_to (bounce const *b, char const *sender, int delayed, dsn_rcpt const *rcpts, unsigned int n);

/* Queues the notification d (d->me and d->upstream are set from b) to
   d->to, with the header block of the original message read from msgfd
   (at its body). Returns the injector's wait status (0: queued; else
   qq_verdict_of() says why), or -1 with errno when it could not run. */
int bounce_queue (bounce const *b, dsn *d, int msgfd);

/* DSN (RFC 3461): what the client asked for, from the envelope's D
   lines (queue/README.md).

   For an upstream that offers DSN, smarthost-remote passes the
   parameters on and the upstream reports; smarthost reports only what
   it decides itself (a refusal, an expiry, a delay). For one that does
   not, smarthost acts for it (section 6.2.1): NOTIFY=SUCCESS gets a
   "relayed" report once the upstream took the message. Either way the
   NOTIFY of each recipient chooses: a bounce only with FAILURE, a delay
   warning only with DELAY, nothing with NEVER; a recipient without
   NOTIFY gets failures and delays (section 4.1 leaves the default to
   us). */

/* The NOTIFY of recipient addr in e (DSN_NOTIFY_* of lib/dsnparam.h), 0
   when it has none. Costs a pass over the envelope when e has D lines,
   nothing when it has none. */
unsigned int bounce_notify (queue_env const *e, char const *addr);

/* Fills d->envid and d->retfull, and each of rcpts[0..d->n-1]'s notify and orcpt,
   from e; then keeps in rcpts, in order, only the recipients that asked
   for this notification (d->relayed: SUCCESS; d->delayed: DELAY, or no
   NOTIFY; else FAILURE, or no NOTIFY), and sets d->n to how many.
   Pointers into e: it must live as long as d. */
unsigned int bounce_wanted (dsn *d, dsn_rcpt *rcpts, queue_env const *e);

#endif
