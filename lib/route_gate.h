/* route_gate.h: one gate (lib/gate.h: pause, hold, probes) per route of
   a ROUTES file, so that a password refused for one account, or its
   upstream down, keeps that route's mail and no other's. Pacing is not
   here: RATE_* limit the relay as a whole, in the scheduler's own gate.
   Returns, never prints. */
#ifndef SMARTHOST_ROUTE_GATE_H
#define SMARTHOST_ROUTE_GATE_H

#include <time.h>
#include "gate.h"

typedef struct route_gates_s route_gates;
struct route_gates_s
{
  gate *g;          /* n gates, or 0: no routes */
  unsigned int n;
};
#define ROUTE_GATES_ZERO { 0, 0 }

/* n gates with the RETRY and probe schedules (kept, not copied), no
   pacing. n <= 1 sets up none: the caller's one gate serves. 1, or 0 on
   allocation failure. */
int route_gates_init (route_gates *rg, unsigned int n, unsigned int const *retry, unsigned int nretry,
  unsigned int const *probe, unsigned int nprobe);

/* Route i's gate, or dflt when there are no routes. */
gate *route_gates_get (route_gates const *rg, unsigned int i, gate *dflt);

/* SIGALRM: every route's delays end (gate_open). */
void route_gates_open (route_gates *rg);

/* The gate a status line shows: the first route paused, else the first
   held at t, else dflt. */
gate const *route_gates_shown (route_gates const *rg, time_t t, gate const *dflt);

#endif
