/* Fuzzing the DSN parameters (lib/dsnparam.h): what a client puts after
   MAIL FROM:<...> or RCPT TO:<...>, and what a D line of the spool holds.
   The first byte chooses MAIL (even) or RCPT (odd); the rest is split at
   spaces into KEY=VALUE words as the smtpd does. Properties: a taken
   NOTIFY has NEVER alone or not at all; lengths hold (ENVID 100, ORCPT
   500); what was taken, written by dsnparam_fmt, reads back by
   dsnparam_scan to the same values; dsnparam_scan on the raw bytes (a
   D line) never crashes, and what it takes holds the same properties;
   xtext decoding of a valid value never grows it. */
#include <string.h>
#include <skalibs/stralloc.h>
#include "addr_parse.h"
#include "dsnparam.h"
#include "fuzz.h"

static void check_taken (dsnparam const *p, int rcpt)
{
  stralloc sa = STRALLOC_ZERO, dec = STRALLOC_ZERO;
  dsnparam q;
  if (p->notify & DSN_NOTIFY_NEVER) FUZZ_ASSERT(p->notify == DSN_NOTIFY_NEVER);
  if (p->envid)
  {
    FUZZ_ASSERT(p->envidlen >= 1 && p->envidlen <= DSN_ENVID_MAX && dsn_xtext_valid(p->envid, p->envidlen));
    FUZZ_ASSERT(dsn_xtext_decode(&dec, p->envid, p->envidlen) && dec.len <= p->envidlen);
  }
  if (p->orcpt) FUZZ_ASSERT(p->orcptlen <= DSN_ORCPT_MAX && memchr(p->orcpt, ';', p->orcptlen));
  FUZZ_ASSERT(dsnparam_fmt(&sa, p));
  FUZZ_ASSERT(dsnparam_scan(&q, rcpt, sa.s, sa.len));
  FUZZ_ASSERT(q.notify == p->notify && q.ret == p->ret);
  FUZZ_ASSERT(q.envidlen == p->envidlen && (!p->envid || !memcmp(q.envid, p->envid, p->envidlen)));
  FUZZ_ASSERT(q.orcptlen == p->orcptlen && (!p->orcpt || !memcmp(q.orcpt, p->orcpt, p->orcptlen)));
  stralloc_free(&sa);
  stralloc_free(&dec);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  dsnparam p = DSNPARAM_ZERO;
  char const *s = (char const *)data + 1, *k, *v;
  size_t len, pos = 0, kl, vl;
  int rcpt;
  if (!size) return 0;
  rcpt = data[0] & 1;
  len = size - 1;
  while (addr_parse_param(s, len, &pos, &k, &kl, &v, &vl))
  {
    int r = dsnparam_take(&p, rcpt, k, kl, v, vl);
    FUZZ_ASSERT(r >= DSNPARAM_EVALUE && r <= DSNPARAM_OK);
    if (r < 0) FUZZ_ASSERT(!strncmp(dsnparam_error(r, k, kl), "501 5.5.4 ", 10));
  }
  check_taken(&p, rcpt);
  if (dsnparam_scan(&p, rcpt, s, len)) check_taken(&p, rcpt);
  return 0;
}
