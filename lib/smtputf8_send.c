/* smtputf8_send.c: a message to an upstream with or without SMTPUTF8
   (lib/smtputf8.h). Apart from smtputf8.c so that the injector, which
   uses the rest, does not link the SMTP client. */
#include <stdlib.h>
#include <string.h>
#include <skalibs/stralloc.h>
#include "smtpc.h"
#include "smtputf8.h"
#include "utf8.h"

/* Nothing was sent and the results are not filled: -1, as for a dead
   connection, so that the caller tries once more and then reports the
   failure recorded here. */
static int smtputf8_oom (smtpc *s)
{
  smtpc_fail(s, "local", 0, "out of memory", 13);
  smtpc_close(s);
  return -1;
}

/* Why a recipient cannot be sent to this upstream. */
static int smtputf8_why (stralloc *sa, smtpc const *s, char const *what)
{
  return stralloc_cats(sa, "5.6.7 SMTPUTF8 is required for ") && stralloc_cats(sa, what)
    && stralloc_cats(sa, ", but was not offered by ") && stralloc_cats(sa, s->host ? s->host : "the upstream")
    && stralloc_0(sa);
}

/* Every recipient i with keep[i] == 0 gets the failure in why; the
   others the results of sub, in order. */
static int smtputf8_merge (smtpc_msg *m, smtpc_msg const *sub, char const *keep, char const *why)
{
  unsigned int i, k = 0;
  size_t const whypos = 0;
  m->rtext.len = 0;
  if (!stralloc_cats(&m->rtext, why) || !stralloc_0(&m->rtext)) return 0;
  for (i = 0; i < m->n; i++)
  {
    if (!keep[i]) { m->rstatus[i] = 'f'; m->rcode[i] = 0; m->rpos[i] = whypos; continue; }
    m->rstatus[i] = sub->rstatus[k];
    m->rcode[i] = sub->rcode[k];
    m->rpos[i] = m->rtext.len;
    if (!stralloc_cats(&m->rtext, sub->rtext.s + sub->rpos[k]) || !stralloc_0(&m->rtext)) return 0;
    k++;
  }
  m->mstatus = sub->mstatus;
  m->mclass = sub->mclass;
  m->mcode = sub->mcode;
  m->mtext.len = 0;
  return stralloc_catb(&m->mtext, sub->mtext.s, sub->mtext.len) && stralloc_0(&m->mtext);
}

/* Sends the recipients marked in keep (k of them) as a message of their
   own, then merges. */
static int smtputf8_send_some (smtpc *s, smtpc_msg *m, char const *keep, unsigned int k, char const *why)
{
  smtpc_msg sub = *m;
  char const **rcpts = calloc(k ? k : 1, sizeof *rcpts);
  unsigned int i, j = 0;
  int r = -2;
  sub.rtext = sub.mtext = (stralloc)STRALLOC_ZERO;
  sub.rstatus = malloc(k ? k : 1);
  sub.rcode = calloc(k ? k : 1, sizeof *sub.rcode);
  sub.rpos = calloc(k ? k : 1, sizeof *sub.rpos);
  if (rcpts && sub.rstatus && sub.rcode && sub.rpos)
  {
    for (i = 0; i < m->n; i++) if (keep[i]) rcpts[j++] = m->rcpts[i];
    sub.rcpts = rcpts;
    sub.n = k;
    sub.smtputf8 = 0;
    r = k ? smtpc_send(s, &sub) : 1;
    if (!k) { sub.mstatus = 'f'; sub.mclass = "smtp"; sub.mcode = 0; stralloc_cats(&sub.mtext, why); }
    if (r >= 0 && !smtputf8_merge(m, &sub, keep, why)) r = -2;
  }
  free(rcpts); free(sub.rstatus); free(sub.rcode); free(sub.rpos);
  stralloc_free(&sub.rtext); stralloc_free(&sub.mtext);
  return r == -2 ? smtputf8_oom(s) : r;
}

/* Whether the header holds an octet outside ASCII: the one the caller
   put in m->head when it replaced the file's (UPSTREAM_REWRITE: the fd
   is then past the file's header, at the body), else the file's. */
static int smtputf8_head8 (smtpc_msg const *m)
{
  smtputf8_head h = SMTPUTF8_HEAD_ZERO;
  if (!m->headlen) return smtputf8_head_fd(m->fd) > 0;
  smtputf8_head_feed(&h, m->head, m->headlen);
  return h.found;
}

int smtputf8_send (smtpc *s, smtpc_msg *m, int requested)
{
  stralloc why = STRALLOC_ZERO;
  char *keep;
  unsigned int i, k = 0;
  int sender8 = !utf8_ascii(m->sender, strlen(m->sender)), addr8 = sender8, head8 = 0, r;
  for (i = 0; i < m->n; i++) if (!utf8_ascii(m->rcpts[i], strlen(m->rcpts[i]))) addr8 = 1;
  m->smtputf8 = requested || addr8;
  if ((s->ext & SMTPC_EXT_SMTPUTF8) || !m->smtputf8) return smtpc_send(s, m);
  /* no SMTPUTF8 upstream: what can go, goes without it */
  m->smtputf8 = 0;
  if (requested && !sender8) head8 = smtputf8_head8(m);
  r = smtputf8_why(&why, s, sender8 ? "the sender address" : head8 ? "the UTF-8 header of this message" : "this address");
  keep = malloc(m->n ? m->n : 1);
  if (!r || !keep) { free(keep); stralloc_free(&why); return smtputf8_oom(s); }
  for (i = 0; i < m->n; i++)
  {
    keep[i] = !sender8 && !head8 && utf8_ascii(m->rcpts[i], strlen(m->rcpts[i]));
    k += keep[i];
  }
  r = k == m->n ? smtpc_send(s, m) : smtputf8_send_some(s, m, keep, k, why.s);
  free(keep);
  stralloc_free(&why);
  return r;
}
