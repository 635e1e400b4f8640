/* smtpc_internal.h: what smtpc.c, smtpc_auth.c and smtpc_send.c share */
#ifndef SMARTHOST_SMTPC_INTERNAL_H
#define SMARTHOST_SMTPC_INTERNAL_H

#include <stddef.h>
#include <skalibs/tai.h>
#include "smtpc.h"

void smtpc_fails (smtpc *s, char const *fclass, char const *a, char const *b);
void smtpc_failreply (smtpc *s, char const *fclass, char const *what);
void smtpc_trace (smtpc *s, char dir, char const *line, size_t len);
void smtpc_deadline (tain *d, unsigned int secs);
int smtpc_put (smtpc *s, char const *line, char const *shown);
int smtpc_flush (smtpc *s);
int smtpc_read (smtpc *s, unsigned int secs);
int smtpc_cmd (smtpc *s, char const *line, char const *shown);

/* AUTH with the chosen mechanism: 1 authenticated, 0 failure recorded. */
int smtpc_auth (smtpc *s);

#endif
