/* One attempt at a message: queue_round.h. Pure policy over the state
   record (queue/queue_state.h); the caller does the I/O. */

#include <stdlib.h>
#include <string.h>
#include <skalibs/genalloc.h>
#include <skalibs/stralloc.h>
#include "dsnparam.h"
#include "printable.h"
#include "queue_round.h"
#include "queue_status.h"

/* An R line of the job in flight, kept until its M line says what it
   counts for (doc/interfaces.md). */
typedef struct round_res_s round_res;
struct round_res_s
{
  unsigned int status;  /* JOB_OK, JOB_DEFER, JOB_FAIL */
  unsigned int code;
  size_t text;          /* in restext */
};

static int idx_add (genalloc *g, uint32_t k)
{
  return genalloc_append(uint32_t, g, &k);
}

/* Marks which indices of st the envelope names in seen (one byte each). */
static int envelope_seen (queue_round *r, stralloc *seen)
{
  size_t i, pos = 0;
  for (i = 0; i < r->env.nrcpt; i++)
  {
    char const *a = r->env.rcpts.s + pos;
    int k = queue_state_add(&r->st, a);
    pos += strlen(a) + 1;
    if (k < 0) return 0;
    if (seen->len <= (size_t)k)
    {
      size_t old = seen->len;
      if (!stralloc_readyplus(seen, k + 1 - old)) return 0;
      memset(seen->s + old, 0, k + 1 - old);
      seen->len = k + 1;
    }
    seen->s[k] = 1;
  }
  return 1;
}

int queue_round_plan (queue_round *r)
{
  size_t i, n;
  stralloc seen = STRALLOC_ZERO;
  genalloc_setlen(uint32_t, &r->pend, 0);
  genalloc_setlen(uint32_t, &r->failed, 0);
  genalloc_setlen(uint32_t, &r->relayed, 0);
  r->pendpos = r->jobstart = 0;
  r->tried = 0;
  /* which recipients of the state the envelope names: a state line for
     an address not in the envelope (a file edited by hand) is left alone */
  if (!envelope_seen(r, &seen)) goto nomem;
  n = queue_state_n(&r->st);
  for (i = 0; i < n && i < seen.len; i++)
  {
    if (!seen.s[i] || queue_state_rcpt(&r->st, i)->status != QUEUE_RCPT_DEFER) continue;
    if (!*queue_state_addr(&r->st, i))
    {
      if (!queue_state_set_at(&r->st, i, QUEUE_RCPT_DEFER, 0, "5.1.3 empty recipient address")
       || !idx_add(&r->failed, i)) goto nomem;
    }
    else if (!idx_add(&r->pend, i)) goto nomem;
  }
  stralloc_free(&seen);
  return 1;
 nomem:
  stralloc_free(&seen);
  return 0;
}

int queue_round_job (queue_round *r, char const *path, stralloc *sa)
{
  size_t n = queue_round_npend(r);
  size_t end = n - r->pendpos > JOB_RCPTS ? r->pendpos + JOB_RCPTS : n;
  size_t i;
  if (!job_put_start(sa, path)) return 0;
  for (i = r->pendpos; i < end; i++)
    if (!job_put_rcpt(sa, queue_state_addr(&r->st, queue_round_pend(r, i)))) return 0;
  if (!job_put_end(sa)) return 0;
  r->jobstart = r->pendpos;
  r->pendpos = end;
  genalloc_setlen(round_res, &r->res, 0);
  r->restext.len = 0;
  r->info.len = 0;
  return 1;
}

static int round_rline (queue_round *r, job_result const *res)
{
  size_t j = genalloc_len(round_res, &r->res);
  char const *addr;
  round_res x;
  int same;
  if (j >= queue_round_njob(r)) return 1;
  addr = queue_state_addr(&r->st, queue_round_pend(r, r->jobstart + j));
  x.text = r->restext.len;
  if (!printable_cat(&r->restext, addr, strlen(addr)) || !stralloc_0(&r->restext)) return 0;
  same = !strcmp(r->restext.s + x.text, res->rcpt);
  r->restext.len = x.text;
  x.status = same ? res->status : JOB_DEFER;
  x.code = same ? res->code : 0;
  return stralloc_cats(&r->restext, same ? res->text : "the worker's result named another recipient")
    && stralloc_0(&r->restext) && genalloc_append(round_res, &r->res, &x);
}

int queue_round_line (queue_round *r, job_result const *res)
{
  if (res->type == 'R') return round_rline(r, res);
  if (res->type != 'S') return 1;
  /* optional: upstream host, TLS version, AUTH mechanism, for the log;
     and whether the upstream offers DSN */
  r->updsn = !strcmp(res->ext, "DSN");
  r->info.len = 0;
  return stralloc_cats(&r->info, res->host) && stralloc_0(&r->info)
    && stralloc_cats(&r->info, res->tls) && stralloc_0(&r->info)
    && stralloc_cats(&r->info, res->mech) && stralloc_0(&r->info);
}

int queue_round_upstream_fault (char const *class)
{
  return gate_class_broken(class) || !strcmp(class, "throttle");
}

/* Applies the job's per-recipient results to the state: the j-th
   recipient's from its R line, else the M line's. Delivered only on an R
   ok inside an M ok (doc/interfaces.md); a failed recipient stays DEFER
   until its bounce is queued. */
static int round_record (queue_round *r, job_result const *m, queue_round_ops const *ops)
{
  int smtp = !strcmp(m->class, "smtp");
  size_t j, nres = genalloc_len(round_res, &r->res);
  for (j = 0; j < queue_round_njob(r); j++)
  {
    uint32_t k = queue_round_pend(r, r->jobstart + j);
    unsigned int rs = m->status, rc = m->code;
    char const *rt = m->text;
    char const *verdict = "deferred";
    if (j < nres)
    {
      round_res const *x = genalloc_s(round_res, &r->res) + j;
      rs = x->status; rc = x->code; rt = r->restext.s + x->text;
    }
    if (m->status == JOB_OK && j < nres && rs == JOB_OK) verdict = "delivered";
    else if (smtp && rs == JOB_FAIL)
    {
      verdict = "failed";
      if (!idx_add(&r->failed, k)) return 0;
    }
    /* DSN: an upstream without it reports nothing; we say "relayed" */
    if (!strcmp(verdict, "delivered") && !r->updsn && bounce_notify(&r->env, queue_state_addr(&r->st, k)) & DSN_NOTIFY_SUCCESS
     && !idx_add(&r->relayed, k)) return 0;
    if (!queue_state_set_at(&r->st, k, !strcmp(verdict, "delivered") ? QUEUE_RCPT_DONE : QUEUE_RCPT_DEFER, rc, rt))
      return 0;
    ops->attempt(r, queue_state_addr(&r->st, k), verdict, rc, rt, ops->aux);
  }
  return 1;
}

int queue_round_result (queue_round *r, job_result const *m, int more, queue_round_ops const *ops)
{
  if (queue_round_upstream_fault(m->class))
  {
    /* the upstream is broken, not the message: keep it, count nothing */
    size_t j;
    for (j = 0; j < queue_round_njob(r); j++)
      ops->attempt(r, queue_state_addr(&r->st, queue_round_pend(r, r->jobstart + j)), "deferred", m->code, m->text, ops->aux);
    /* what earlier jobs of the round found is kept */
    return r->tried || queue_round_nfailed(r) ? QUEUE_ROUND_SETTLE : QUEUE_ROUND_AGAIN;
  }
  if (!round_record(r, m, ops)) return -1;
  r->tried = 1;
  /* the rest of the round: the next job on the same worker, so in the
     same upstream session, while the upstream answers transactions */
  if (!strcmp(m->class, "smtp") && r->pendpos < queue_round_npend(r) && more) return QUEUE_ROUND_NEXT;
  return QUEUE_ROUND_SETTLE;
}

/* Collects the recipients of st with status DEFER into g. */
static int deferred_list (queue_state const *st, genalloc *g)
{
  size_t i = 0, len = queue_state_n(st);
  genalloc_setlen(uint32_t, g, 0);
  for (; i < len; i++)
    if (queue_state_rcpt(st, i)->status == QUEUE_RCPT_DEFER && !idx_add(g, i)) return 0;
  return 1;
}

static void status_set (genalloc const *g, queue_state *st, unsigned int status)
{
  size_t i = 0, n = genalloc_len(uint32_t, g);
  for (; i < n; i++) queue_state_rcpt(st, genalloc_s(uint32_t, g)[i])->status = status;
}

int queue_round_settle (queue_round *r, bounce const *b, gate const *g, time_t t, queue_round_ops const *ops)
{
  size_t i, n;
  int due;
  r->st.attempts++;
  if (queue_round_nfailed(r)
   && ops->bounce(r, genalloc_s(uint32_t, &r->failed), queue_round_nfailed(r), 0, 0, ops->aux))
    status_set(&r->failed, &r->st, QUEUE_RCPT_FAIL);
  /* delivered already: a report that fails to queue is not tried again */
  if (genalloc_len(uint32_t, &r->relayed))
    ops->bounce(r, genalloc_s(uint32_t, &r->relayed), genalloc_len(uint32_t, &r->relayed), 2, "2.0.0", ops->aux);
  /* on allocation failure, nothing is listed: the message is kept as it is */
  if (!deferred_list(&r->st, &r->idx)) genalloc_setlen(uint32_t, &r->idx, 0);
  n = genalloc_len(uint32_t, &r->idx);
  due = bounce_due(b, queue_status_id_time(r->id), t, r->st.warned, g->pause_class != 0);
  if (n && due & BOUNCE_EXPIRE)
  {
    for (i = 0; i < n; i++)
      ops->expired(r, queue_state_addr(&r->st, genalloc_s(uint32_t, &r->idx)[i]), ops->aux);
    if (ops->bounce(r, genalloc_s(uint32_t, &r->idx), n, 0, "5.4.7", ops->aux))
    {
      status_set(&r->idx, &r->st, QUEUE_RCPT_FAIL);
      n = 0;
    }
  }
  if (!n) return 1;
  if (due & BOUNCE_WARN && ops->bounce(r, genalloc_s(uint32_t, &r->idx), n, 1, 0, ops->aux)) r->st.warned = 1;
  r->st.next = bounce_next(b, queue_status_id_time(r->id), t, r->st.warned, t + gate_retry_delay(g, r->st.attempts - 1));
  return 0;
}

int queue_round_fail_all (queue_round *r, char const *text)
{
  size_t i;
  for (i = 0; i < queue_round_npend(r); i++)
    if (!queue_state_set_at(&r->st, queue_round_pend(r, i), QUEUE_RCPT_DEFER, 0, text)
     || !idx_add(&r->failed, queue_round_pend(r, i))) return 0;
  return 1;
}

void queue_round_free (queue_round *r)
{
  queue_env_free(&r->env);
  queue_state_free(&r->st);
  genalloc_free(uint32_t, &r->pend);
  genalloc_free(round_res, &r->res);
  stralloc_free(&r->restext);
  stralloc_free(&r->info);
  genalloc_free(uint32_t, &r->failed);
  genalloc_free(uint32_t, &r->idx);
  genalloc_free(uint32_t, &r->relayed);
}

dsn_rcpt *queue_round_dsn (queue_round const *r, uint32_t const *idx, size_t n, int delayed, char const *status, time_t t, dsn *d)
{
  size_t i;
  /* on the heap: a message may have 100,000 recipients */
  dsn_rcpt *rr = calloc(n ? n : 1, sizeof *rr);
  if (!rr) return 0;
  for (i = 0; i < n; i++)
  {
    rr[i].addr = queue_state_addr(&r->st, idx[i]);
    rr[i].code = queue_state_rcpt(&r->st, idx[i])->code;
    rr[i].status = status;
    rr[i].text = queue_state_text(&r->st, idx[i]);
  }
  memset(d, 0, sizeof *d);
  d->relayed = delayed == 2;
  d->delayed = delayed == 1;
  d->id = r->id;
  d->arrival = queue_status_id_time(r->id);
  d->now = t;
  d->rcpts = rr;
  d->n = (unsigned int)n;
  return rr;
}
