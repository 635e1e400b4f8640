/* queue_attempt.c: a worker's results, as smarthost-send acts on them
   (queue_attempt.h). */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/types.h>

#include "gate.h"
#include "printable.h"
#include "qq.h"
#include "queue_dirs.h"
#include "queue_attempt.h"
#include "queue_status.h"
#include "reply_fields.h"
#include "route.h"
#include "upconc.h"

/* ---- log lines ---- */

/* Says the concatenation of parts (0-terminated), each made printable:
   whatever a worker or an envelope says, no control or 8-bit byte
   reaches the log. errno is kept for QUEUE_ATTEMPT_UNABLESYS. */
static void say_v (queue_attempt *a, int kind, char const *const *parts)
{
  int e = errno, ok = 1;
  a->line.len = 0;
  for (; *parts && ok; parts++) ok = printable_cat(&a->line, *parts, strlen(*parts));
  if (!ok || !stralloc_0(&a->line)) return;
  errno = e;
  a->ops->say(kind, a->line.s, a->aux);
}
#define say(a, kind, ...) say_v((a), (kind), (char const *const[]){ __VA_ARGS__, 0 })

char const *queue_attempt_safe (queue_attempt *a, unsigned int slot, char const *s)
{
  stralloc *sa = &a->safe[slot & 1];
  sa->len = 0;
  if (!printable_cat(sa, s, strlen(s)) || !stralloc_0(sa)) return "?";
  return sa->s;
}

/* "" without routes, else "route of line N: " (or "of conf/"), for the
   gate's log lines. */
static char const *route_prefix (queue_attempt *a, unsigned int ri, char *buf)
{
  size_t n;
  if (!a->d->rg->n) return "";
  if (!ri) return "route of conf/: ";
  memcpy(buf, "route of line ", 14);
  n = 14 + uint_fmt(buf + 14, routes_get(&a->cf->routes, ri)->line);
  memcpy(buf + n, ": ", 3);
  return buf;
}
#define ROUTE_PREFIX_SIZE (20 + UINT_FMT)

/* text, without the code it may repeat (lib/reply_fields.h) */
static char const *text_once (queue_attempt *a, unsigned int code, char const *text)
{
  a->once.len = 0;
  return reply_text_once(&a->once, code, text) && stralloc_0(&a->once) ? a->once.s : text;
}

/* What gate_result changed on route ri's gate, said once, with what to fix. */
static void gate_log (queue_attempt *a, unsigned int ri, gate_event const *ev, char const *code, char const *text)
{
  char fmt[UINT64_FMT];
  char buf[ROUTE_PREFIX_SIZE];
  gate const *g = queue_dispatch_gate(a->d, ri);
  char const *pre = route_prefix(a, ri, buf);
  int token = ri ? !!routes_get(&a->cf->routes, ri)->tokenfile : a->cf->token;
  unsigned int c = 0;
  uint_scan(code, &c);
  text = text_once(a, c, text);
  switch (ev->what)
  {
    case GATE_PAUSED:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      say(a, QUEUE_ATTEMPT_WARN, pre, "queue paused, mail is kept: ", gate_advice_cause(g->pause_class, text, token),
        " (upstream said: ", code, " ", text, "); probing again in ", fmt, " s");
      {
        /* the status names the route too: other routes still go */
        stralloc adv = STRALLOC_ZERO;
        if (stralloc_cats(&adv, pre) && stralloc_cats(&adv, gate_advice_cause(g->pause_class, text, token)) && stralloc_0(&adv))
          queue_report_paused(a->report, ri, adv.s, code, text);
        stralloc_free(&adv);
      }
      break;
    case GATE_STILL_PAUSED:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      if (a->cf->verbose) say(a, QUEUE_ATTEMPT_INFO, pre, "probe failed, still paused (", g->pause_class, "): next probe in ", fmt, " s");
      break;
    case GATE_RESUMED:
      fmt[uint64_fmt(fmt, (uint64_t)ev->paused)] = 0;
      say(a, QUEUE_ATTEMPT_INFO, pre, "upstream works again: queue resumed after ", fmt, " s paused");
      break;
    case GATE_HELD:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      say(a, QUEUE_ATTEMPT_WARN, pre, "upstream throttles us (", code, " ", text, "): ", a->d->rg->n ? "its mail" : "whole queue", " waits ", fmt, " s");
      break;
  }
}

/* ---- the round's callbacks (queue_round_ops) ---- */

/* What the round's callbacks need besides the round. */
typedef struct ctx_s ctx;
struct ctx_s
{
  queue_attempt *a;
  pool_worker const *w;   /* the worker of the job, or 0 */
  time_t t;
};

static void log_attempt (queue_round const *r, char const *rcpt, char const *verdict, unsigned int code, char const *text, void *aux)
{
  ctx const *c = aux;
  queue_attempt *a = c->a;
  int msecs = 0;
  char fmt[UINT_FMT];
  char ms[UINT64_FMT];
  /* without an S line from the worker: what the configuration asks for */
  char const *host = a->cf->upstream ? a->cf->upstream : "-", *tls = a->cf->tls, *mech = a->cf->mech;
  if (r->info.len)
  {
    /* the S line, stored as host\0tls\0mech\0 */
    host = r->info.s;
    tls = host + strlen(host) + 1;
    mech = tls + strlen(tls) + 1;
  }
  /* three digits always: 000 is "no reply, the failure is ours" */
  fmt[0] = '0' + code / 100 % 10; fmt[1] = '0' + code / 10 % 10; fmt[2] = '0' + code % 10; fmt[3] = 0;
  if (c->w && !tain_less(a->clock, &c->w->started))  /* the clock set back: 0 */
  {
    tain lat;
    tain_sub(&lat, a->clock, &c->w->started);
    msecs = tain_to_millisecs(&lat);
  }
  ms[uint64_fmt(ms, msecs < 0 ? 0 : (uint64_t)msecs)] = 0;
  text = text_once(a, code, text);
  say(a, QUEUE_ATTEMPT_INFO, r->id, " <", queue_attempt_safe(a, 0, rcpt), "> upstream=", queue_attempt_safe(a, 1, host),
    " tls=", tls, " auth=", mech, ": ", verdict, " ", fmt, " ", text, " (", ms, " ms)");
  queue_report_attempt(a->report, r->id, verdict, fmt, text, c->t);
}

static void log_expired (queue_round const *r, char const *rcpt, void *aux)
{
  ctx const *c = aux;
  say(c->a, QUEUE_ATTEMPT_INFO, r->id, " <", queue_attempt_safe(c->a, 0, rcpt), ">: expired, giving up after LIFETIME");
}

/* Injects a notification (lib/bounce.h) for the recipients idx[0..n-1]
   of the round. Returns 1 when it is queued (or need not be sent), 0
   when it failed (the round keeps the recipients for a later try). */
static int bounce_send (queue_round *r, uint32_t const *idx, size_t n, int delayed, char const *status, void *aux)
{
  ctx const *c = aux;
  queue_attempt *a = c->a;
  char const *id = r->id;
  char const *what = delayed == 2 ? "relayed report" : delayed ? "delay warning" : "bounce";
  dsn d;
  int fd, wstat;
  size_t i;
  dsn_rcpt *rr = queue_round_dsn(r, idx, n, delayed, status, c->t, &d);
  if (!rr) { say(a, QUEUE_ATTEMPT_UNABLE, "allocate the bounce of ", id); return 0; }
  /* NOTIFY decides who is told (DSN); nobody: nothing to send */
  if (!bounce_wanted(&d, rr, &r->env)) { say(a, QUEUE_ATTEMPT_INFO, id, ": no ", what, ": NOTIFY asks for none"); free(rr); return 1; }
  d.to = bounce_to(&a->cf->bounce, r->env.sender.s, delayed, rr, d.n);
  if (!d.to)
  {
    /* never a bounce of a bounce: no loop */
    for (i = 0; !delayed && i < n; i++)
      say(a, QUEUE_ATTEMPT_WARN, id, ": dropping failed bounce to <", queue_attempt_safe(a, 0, rr[i].addr), ">: ", rr[i].text);
    free(rr);
    return 1;
  }
  fd = queue_msg_cur(a->spool, id);
  if (fd < 0 || lseek(fd, r->env.body, SEEK_SET) < 0)
  {
    say(a, QUEUE_ATTEMPT_UNABLESYS, "open cur/", id, " for its ", what);
    if (fd >= 0) fd_close(fd);
    free(rr);
    return 0;
  }
  {
    /* Remote-MTA: the upstream the worker names (its S line), else UPSTREAM */
    bounce b = a->cf->bounce;
    if (r->info.len) b.upstream = r->info.s;
    wstat = a->ops->inject(&b, &d, fd, a->aux);
  }
  fd_close(fd);
  free(rr);
  if (wstat < 0) { say(a, QUEUE_ATTEMPT_UNABLESYS, "start the injector for a ", what, " of ", id); return 0; }
  if (!WIFEXITED(wstat) || WEXITSTATUS(wstat))
  {
    qq_verdict const *v = qq_verdict_of(wstat);
    say(a, QUEUE_ATTEMPT_UNABLE, "queue the ", what, " of ", id, ": ", v->ecode, " ", v->text);
    return 0;
  }
  say(a, QUEUE_ATTEMPT_INFO, id, ": ", what, " queued for <", queue_attempt_safe(a, 0, d.to), ">");
  if (!delayed) a->report->s.bounces++;
  return 1;
}

/* ---- the round's end ---- */

int queue_attempt_plan (queue_attempt *a, queue_round *r)
{
  size_t i;
  if (!queue_round_plan(r)) return 0;
  for (i = 0; i < queue_round_nfailed(r); i++)
    say(a, QUEUE_ATTEMPT_INFO, r->id, " <>: failed 000 5.1.3 empty recipient address");
  return 1;
}

int queue_attempt_done (queue_attempt *a, queue_task *k, time_t t)
{
  char const *what;
  char const *id = queue_sched_msg(a->d->sched, k->slot)->id;
  int r = queue_msg_done(a->spool, id, k->r.hadstate, &what);
  if (r < 0)
  {
    say(a, QUEUE_ATTEMPT_UNABLESYS, "remove cur/", id);
    return queue_sched_push(a->d->sched, k->slot, t + gate_retry_delay(a->d->gate, 0));
  }
  if (r > 0) say(a, QUEUE_ATTEMPT_UNABLESYS, what, id);
  if (a->cf->verbose) say(a, QUEUE_ATTEMPT_INFO, id, ": finished");
  return queue_sched_free(a->d->sched, k->slot);
}

static int settle (queue_attempt *a, queue_task *k, time_t t, pool_worker const *w)
{
  ctx c = { a, w, t };
  queue_round_ops ops = { &log_attempt, &log_expired, &bounce_send, &c };
  int r, syncerr;
  if (queue_round_settle(&k->r, &a->cf->bounce, queue_dispatch_gate(a->d, k->route), t, &ops))
    return queue_attempt_done(a, k, t);
  /* the state file, after the move from new/ is durable (queue_msg_keep) */
  r = queue_msg_keep(a->spool, k->r.id, &k->r.st, k->r.hadstate, &syncerr);
  if (syncerr) { int e = errno; errno = syncerr; say(a, QUEUE_ATTEMPT_UNABLESYS, "fsync cur/ and new/"); errno = e; }
  if (r < 0) say(a, QUEUE_ATTEMPT_UNABLESYS, "write state/", k->r.id);
  else k->r.hadstate = 1;
  queue_sched_counted(a->d->sched, k->slot, queue_status_pending(&k->r.st));
  return queue_sched_push(a->d->sched, k->slot, k->r.st.next);
}

int queue_attempt_settle (queue_attempt *a, queue_task *k, time_t t)
{
  return settle(a, k, t, 0);
}

/* ---- a job's result ---- */

/* The upstream's session limit (lib/upconc.h) sees a job's result before
   the gate: a session refused as too many while others of ours are open
   ends its worker (it has no session left), its message goes back to
   the schedule as after any throttle, and the gate holds nothing
   (queue_dispatch_result). */
static void conc_job (queue_attempt *a, pool_worker *w, job_result const *m, time_t t, gate_event *ev)
{
  char fmt[UINT_FMT];
  char buf[ROUTE_PREFIX_SIZE];
  unsigned int ri = queue_dispatch_task(w)->route;  /* w may be closed below */
  unsigned int r = queue_dispatch_result(a->d, w, m, t, ev);
  fmt[uint_fmt(fmt, queue_dispatch_conc(a->d, ri)->limit)] = 0;
  if (r == UPCONC_GREW) say(a, QUEUE_ATTEMPT_INFO, route_prefix(a, ri, buf), "upstream sessions: at most ", fmt, " at once again");
  if (r == UPCONC_REFUSED)
    say(a, QUEUE_ATTEMPT_WARN, route_prefix(a, ri, buf), "upstream refused a session as too many: at most ", fmt, " sessions at once from now on; the others go on");
}

/* The job is over: M line (status, class, code, text), or a dead worker. */
static int finish (queue_attempt *a, pool_worker *w, job_result const *m, time_t t)
{
  queue_task *k = w->user;
  ctx c = { a, w, t };
  queue_round_ops ops = { &log_attempt, &log_expired, &bounce_send, &c };
  int fault = queue_round_upstream_fault(m->class);
  char code[UINT_FMT];
  gate_event ev;
  code[uint0_fmt(code, m->code > 999 ? 0 : m->code, 3)] = 0;
  w->busy = 0;
  conc_job(a, w, m, t, &ev);
  if (!fault) gate_log(a, k->route, &ev, code, m->text);
  switch (queue_round_result(&k->r, m, !*a->stopping && pool_worker_live(w), &ops))
  {
    case QUEUE_ROUND_AGAIN:
      gate_log(a, k->route, &ev, code, m->text);
      return queue_sched_push(a->d->sched, k->slot, t);
    case QUEUE_ROUND_NEXT:
      /* an smtp answer ended any pause: the rest is no probe */
      if (a->ops->send(w, a->aux) == 0) { k->probe = 0; return 1; }
      pool_close(w);
      break;
    case QUEUE_ROUND_SETTLE: if (fault) gate_log(a, k->route, &ev, code, m->text); break;
    default: return 0;
  }
  return settle(a, k, t, w);
}

int queue_attempt_line (queue_attempt *a, pool_worker *w, char *line, time_t t)
{
  job_result res;
  if (!job_result_parse(&res, line) || !w->busy) return 1;
  if (res.type == 'M') return finish(a, w, &res, t);
  return queue_round_line(&queue_dispatch_task(w)->r, &res);
}

int queue_attempt_lost (queue_attempt *a, pool_worker *w, char const *why, time_t t)
{
  job_result res = JOB_RESULT_ZERO;
  if (!strcmp(why, POOL_TIMEDOUT))
    say(a, QUEUE_ATTEMPT_WARN, queue_sched_msg(a->d->sched, queue_dispatch_task(w)->slot)->id, ": worker silent too long, killed");
  res.type = 'M';
  res.class = "worker";
  res.text = why;
  return finish(a, w, &res, t);
}

int queue_attempt_unstarted (queue_attempt *a, pool_worker *w, time_t t)
{
  job_result res = JOB_RESULT_ZERO;
  stralloc jobtext = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int r = 0;
  errno = w->spawnerr;
  say(a, QUEUE_ATTEMPT_UNABLESYS, "spawn ", a->cf->remote);
  if (!queue_round_job(&queue_dispatch_task(w)->r, "-", &jobtext)  /* the job it was for */
   || !stralloc_cats(&why, "worker exited at start: unable to spawn ") || !stralloc_cats(&why, a->cf->remote)
   || !stralloc_cats(&why, ": ") || !stralloc_cats(&why, strerror(w->spawnerr)) || !stralloc_0(&why))
    goto end;
  res.type = 'M';
  res.class = "worker";
  res.text = why.s;
  w->started = *a->clock;
  w->busy = 1;
  r = finish(a, w, &res, t);
 end:
  stralloc_free(&jobtext);
  stralloc_free(&why);
  return r;
}

/* ---- the start ---- */

int queue_attempt_begin (queue_attempt *a, pool_worker *w, uint32_t slot, time_t t)
{
  queue_sched *s = a->d->sched;
  queue_sched_msg *m = queue_sched_msg(s, slot);
  queue_task *k = queue_dispatch_task(w);
  queue_round *rd;
  int r;
  if (!k) return QUEUE_ATTEMPT_NOMEM;
  rd = &k->r;
  k->slot = slot;
  memcpy(rd->id, m->id, QUEUE_ID_SIZE);
  /* the state first: a message not due yet after a restart costs one open */
  r = queue_state_read(a->spool->state, m->id, &rd->st);
  if (r < 0)
  {
    say(a, QUEUE_ATTEMPT_UNABLESYS, "read state/", m->id, ", trying every recipient not known done");
    queue_state_clear(&rd->st);
  }
  rd->hadstate = r != 0;
  if (r > 0) queue_sched_counted(s, slot, queue_status_pending(&rd->st));
  switch (queue_dispatch_look(a->d, slot, r > 0, rd->st.next, t))
  {
    case QUEUE_DISPATCH_HELD: return QUEUE_ATTEMPT_NONE;  /* out of the schedule until released */
    case QUEUE_DISPATCH_LATER: return queue_sched_push(s, slot, rd->st.next) ? QUEUE_ATTEMPT_NONE : QUEUE_ATTEMPT_NOMEM;
  }
  r = queue_msg_env(a->spool, m->id, &rd->env);
  if (r <= 0)
  {
    if (r < 0 && errno == ENOENT) queue_state_remove(a->spool->state, m->id);
    else if (r < 0 && errno == EPROTO) say(a, QUEUE_ATTEMPT_WARN, "cur/", m->id, " is not a regular file: left alone, not scheduled");
    else if (r < 0)
    {
      say(a, QUEUE_ATTEMPT_UNABLESYS, "read cur/", m->id);
      return queue_sched_push(s, slot, t + gate_retry_delay(a->d->gate, 0)) ? QUEUE_ATTEMPT_NONE : QUEUE_ATTEMPT_NOMEM;
    }
    else say(a, QUEUE_ATTEMPT_WARN, "cur/", m->id, " is malformed: left alone, not scheduled");
    return queue_sched_free(s, slot) ? QUEUE_ATTEMPT_NONE : QUEUE_ATTEMPT_NOMEM;
  }
  m->flags &= ~QUEUE_SCHED_UNKNOWN;
  if (!queue_attempt_plan(a, rd)) return QUEUE_ATTEMPT_NOMEM;
  queue_sched_counted(s, slot, queue_round_npend(rd) + queue_round_nfailed(rd));
  if (!queue_round_npend(rd))
  {
    r = queue_round_nfailed(rd) ? queue_attempt_settle(a, k, t) : queue_attempt_done(a, k, t);
    return r ? QUEUE_ATTEMPT_NONE : QUEUE_ATTEMPT_NOMEM;
  }
  if (w->spawnerr)
  {
    queue_dispatch_sent(a->d, k, t);
    return queue_attempt_unstarted(a, w, t) ? QUEUE_ATTEMPT_SENT : QUEUE_ATTEMPT_NOMEM;
  }
  if (a->ops->send(w, a->aux) < 0)
  {
    /* the worker died between jobs: not an attempt, try another one */
    pool_close(w);
    return queue_sched_push(s, slot, t) ? QUEUE_ATTEMPT_UNUSABLE : QUEUE_ATTEMPT_NOMEM;
  }
  queue_dispatch_sent(a->d, k, t);
  return QUEUE_ATTEMPT_SENT;
}

char const *queue_attempt_bounce_read (queue_attempt *a, uint32_t slot)
{
  queue_round *r = &a->req.r;
  int fd, e;
  a->req.slot = slot;
  memcpy(r->id, queue_sched_msg(a->d->sched, slot)->id, QUEUE_ID_SIZE);
  if (queue_state_read(a->spool->state, r->id, &r->st) < 0) queue_state_clear(&r->st);
  r->hadstate = 1;
  fd = queue_msg_cur(a->spool, r->id);
  if (fd < 0) return "error: cannot open the message";
  e = queue_env_read(fd, &r->env);
  fd_close(fd);
  return e <= 0 ? "error: cannot read the message's envelope" : 0;
}

int queue_attempt_bounce (queue_attempt *a, char const *reason, time_t t)
{
  queue_task *k = &a->req;
  queue_round *r = &k->r;
  size_t i;
  if (!queue_attempt_plan(a, r) || !queue_round_fail_all(r, reason)) return 0;
  for (i = 0; i < queue_round_npend(r); i++)
    say(a, QUEUE_ATTEMPT_INFO, r->id, " <", queue_attempt_safe(a, 0, queue_state_addr(&r->st, queue_round_pend(r, i))), ">: bounced by request: ", reason);
  return queue_attempt_settle(a, k, t);  /* bounces the failed, and removes the message when nothing is left */
}

void queue_attempt_free (queue_attempt *a)
{
  queue_round_free(&a->req.r);
  stralloc_free(&a->line);
  stralloc_free(&a->safe[0]);
  stralloc_free(&a->safe[1]);
  stralloc_free(&a->once);
}
