/* bounce.c: when to bounce or warn, and queueing the notification
   (lib/bounce.h). */
#include <string.h>
#include <strings.h>
#include <skalibs/buffer.h>
#include "bounce.h"
#include "dsnparam.h"
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

time_t bounce_next (bounce const *b, time_t arrival, time_t t, int warned, time_t retry_at)
{
  time_t expire = arrival + (time_t)b->lifetime, warn = arrival + (time_t)b->delaywarn;
  if (expire > t && expire < retry_at) retry_at = expire;
  if (b->delaywarn && !warned && warn > t && warn < retry_at) retry_at = warn;
  return retry_at;
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

/* The D line of recipient addr in e, "" when it has none: the first T
   line of that address (the injector folded duplicates). */
static char const *bounce_rdsn (queue_env const *e, char const *addr)
{
  size_t pos = 0, dpos = 0;
  unsigned int i;
  if (!e->ndsn) return "";
  for (i = 0; i < e->nrcpt; i++)
  {
    char const *a = e->rcpts.s + pos, *dl = e->rdsn.s + dpos;
    if (!strcmp(a, addr)) return dl;
    pos += strlen(a) + 1;
    dpos += strlen(dl) + 1;
  }
  return "";
}

static void bounce_params (dsnparam *p, int rcpt, char const *s)
{
  /* the reader checked the line: a failure here is a file changed since */
  if (!dsnparam_scan(p, rcpt, s, strlen(s)))
  {
    dsnparam zero = DSNPARAM_ZERO;
    *p = zero;
  }
}

unsigned int bounce_notify (queue_env const *e, char const *addr)
{
  dsnparam p;
  bounce_params(&p, 1, bounce_rdsn(e, addr));
  return p.notify;
}

static int bounce_asked (dsn const *d, unsigned int notify)
{
  if (d->relayed) return !!(notify & DSN_NOTIFY_SUCCESS);
  if (!notify) return 1;
  return !!(notify & (d->delayed ? DSN_NOTIFY_DELAY : DSN_NOTIFY_FAILURE));
}

unsigned int bounce_wanted (dsn *d, dsn_rcpt *rcpts, queue_env const *e)
{
  dsnparam p;
  unsigned int i, n = 0;
  bounce_params(&p, 0, e->dsn.len ? e->dsn.s : "");
  d->envid = p.envid;
  d->envidlen = p.envidlen;
  d->retfull = p.ret == DSN_RET_FULL;
  for (i = 0; i < d->n; i++)
  {
    bounce_params(&p, 1, bounce_rdsn(e, rcpts[i].addr));
    rcpts[i].notify = p.notify;
    rcpts[i].orcpt = p.orcpt;
    rcpts[i].orcptlen = p.orcptlen;
    if (bounce_asked(d, p.notify)) rcpts[n++] = rcpts[i];
  }
  d->rcpts = rcpts;
  return d->n = n;
}
