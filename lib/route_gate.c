/* route_gate.c: a gate per route (lib/route_gate.h). */

#include <stdlib.h>
#include "route_gate.h"

int route_gates_init (route_gates *rg, unsigned int n, unsigned int const *retry, unsigned int nretry,
  unsigned int const *probe, unsigned int nprobe)
{
  unsigned int i;
  rg->g = 0;
  rg->n = 0;
  if (n <= 1) return 1;
  rg->g = calloc(n, sizeof *rg->g);
  if (!rg->g) return 0;
  for (i = 0; i < n; i++)
  {
    if (!gate_init(rg->g + i, retry, nretry, 0, 0)) return 0;
    gate_set_probe(rg->g + i, probe, nprobe);
  }
  rg->n = n;
  return 1;
}

gate *route_gates_get (route_gates const *rg, unsigned int i, gate *dflt)
{
  return rg->g && i < rg->n ? rg->g + i : dflt;
}

void route_gates_open (route_gates *rg)
{
  unsigned int i;
  for (i = 0; i < rg->n; i++) gate_open(rg->g + i);
}

gate const *route_gates_shown (route_gates const *rg, time_t t, gate const *dflt)
{
  unsigned int i;
  for (i = 0; i < rg->n; i++) if (rg->g[i].pause_class) return rg->g + i;
  for (i = 0; i < rg->n; i++) if (rg->g[i].hold_until > t) return rg->g + i;
  return dflt;
}
