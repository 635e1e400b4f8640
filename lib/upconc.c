/* upconc.c: the session limit of one upstream (upconc.h) */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "upconc.h"

void upconc_init (upconc *u, unsigned int max)
{
  u->max = u->limit = max ? max : 1;
  u->ok = 0;
  u->changed = 0;
  u->refused = 0;
}

/* The words that may stand between "too many" and "connections" or
   "sessions" in what real servers say: "Too many concurrent SMTP
   connections" (Exim), "too many connections from" (Postfix), "too many
   sessions from" (Comcast), "Too many open connections". "too many
   messages in this connection" is about something else. */
static int filler_word (char const *w, size_t n)
{
  static char const *const words[] = { "concurrent", "simultaneous", "parallel", "open", "active", "smtp", "esmtp", "inbound", "incoming", "smtpd", "server", 0 };
  unsigned int i = 0;
  for (; words[i]; i++) if (strlen(words[i]) == n && !strncasecmp(w, words[i], n)) return 1;
  return 0;
}

/* At s (just after "too many"): filler words, then "connection" or "session". */
static int names_connections (char const *s)
{
  unsigned int words = 0;
  for (;;)
  {
    size_t n;
    while (*s == ' ') s++;
    n = strcspn(s, " ;,.:()[]");
    if (!n) return 0;
    if (!strncasecmp(s, "connection", 10) || !strncasecmp(s, "session", 7)) return 1;
    if (++words > 3 || !filler_word(s, n)) return 0;
    s += n;
  }
}

int upconc_toomany (unsigned int code, char const *text)
{
  char const *p;
  if ((code != 421 && code != 454) || !text) return 0;
  for (p = text; *p; p++)
  {
    if (!strncasecmp(p, "too many ", 9) && names_connections(p + 9)) return 1;
    /* Exchange: "The maximum number of concurrent server connections has exceeded a limit" */
    if (!strncasecmp(p, "number of concurrent ", 21) && names_connections(p + 21)) return 1;
    if (!strncasecmp(p, "concurrent connection limit", 27)) return 1;
  }
  return 0;
}

int upconc_refused (upconc *u, unsigned int others, time_t t)
{
  if (!others) return 0;
  u->refused++;
  u->ok = 0;
  if (u->limit > 1) { u->limit--; u->changed = t; }
  return 1;
}

int upconc_success (upconc *u, time_t t)
{
  if (u->limit >= u->max) return 0;
  if (++u->ok < UPCONC_GROW_OK || t < u->changed + UPCONC_GROW_SECS) return 0;
  u->limit++;
  u->ok = 0;
  u->changed = t;
  return 1;
}

unsigned int upconc_job (upconc *u, char const *class, unsigned int code, char const *text, unsigned int others, time_t t)
{
  if (!strcmp(class, "throttle") && upconc_toomany(code, text))
    return upconc_refused(u, others, t) ? UPCONC_REFUSED : UPCONC_NONE;
  if (!strcmp(class, "smtp")) return upconc_success(u, t) ? UPCONC_GREW : UPCONC_NONE;
  return UPCONC_NONE;
}

int route_conc_init (route_conc *rc, unsigned int n, unsigned int max)
{
  unsigned int i;
  if (!n) n = 1;
  rc->u = calloc(n, sizeof *rc->u);
  if (!rc->u) { rc->n = 0; return 0; }
  for (i = 0; i < n; i++) upconc_init(rc->u + i, max);
  rc->n = n;
  return 1;
}

void route_conc_free (route_conc *rc)
{
  free(rc->u);
  rc->u = 0;
  rc->n = 0;
}

upconc *route_conc_get (route_conc const *rc, unsigned int i)
{
  return rc->u + (i < rc->n ? i : 0);
}

int route_conc_room (route_conc const *rc, unsigned int i, unsigned int live)
{
  return live < route_conc_get(rc, i)->limit;
}

unsigned int route_conc_excess (route_conc const *rc, unsigned int i, unsigned int live)
{
  unsigned int limit = route_conc_get(rc, i)->limit;
  return live > limit ? live - limit : 0;
}

unsigned int route_conc_job (route_conc *rc, unsigned int i, char const *class, unsigned int code, char const *text, unsigned int others, time_t t)
{
  return upconc_job(route_conc_get(rc, i), class, code, text, others, t);
}
