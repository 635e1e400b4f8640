/* bounce.c: when to bounce or warn, and queueing the notification
   (lib/bounce.h). */
#include <strings.h>
#include <skalibs/buffer.h>
#include "bounce.h"
#include "qq.h"

int bounce_due (bounce const *b, time_t arrival, time_t t, int warned, int paused)
{
  time_t age = t - arrival;
  int due = BOUNCE_NONE;
  if (paused) return BOUNCE_NONE;
  if (age >= (time_t)b->lifetime) due |= BOUNCE_EXPIRE;
  if (b->delaywarn && age >= (time_t)b->delaywarn && !warned) due |= BOUNCE_WARN;
  return due;
}

char const *bounce_to (bounce const *b, char const *sender, int delayed, dsn_rcpt const *rcpts, unsigned int n)
{
  unsigned int i = 0;
  if (*sender) return sender;
  if (delayed || !b->postmaster) return 0;
  for (; i < n; i++) if (!strcasecmp(rcpts[i].addr, b->postmaster)) return 0;
  return b->postmaster;
}

int bounce_queue (bounce const *b, dsn *d, int msgfd)
{
  qq q = QQ_ZERO;
  char buf[8192];
  buffer out;
  d->me = b->me;
  d->upstream = b->upstream;
  if (qq_start(&q, 0) < 0) return -1;
  buffer_init(&out, &buffer_write, q.msgfd, buf, sizeof buf);
  /* a write that fails leaves the message cut short: the injector sees
     no envelope, refuses it, and its verdict says so */
  if (dsn_write(&out, d, msgfd) == 0 && buffer_flush(&out)) qq_envelope(&q, "", &d->to, 1);
  return qq_finish(&q);
}
