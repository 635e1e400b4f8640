/* bounce.h: bounces and delay warnings of smarthost-send. When one is due
   is pure policy (bounce_due: the time is passed in); sending one is a
   notification (lib/dsn.h) through the injector (lib/qq.h). Nothing here
   logs: the caller says what happened. */
#ifndef SMARTHOST_BOUNCE_H
#define SMARTHOST_BOUNCE_H

#include <time.h>
#include "dsn.h"

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

#endif
