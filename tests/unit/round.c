/* queue/queue_round: one attempt at a message as policy, fed results by
   hand with a clock of our own and no process: 421 then 454 then
   success, a refusal and its bounce, expiry held off during a pause, the
   delay warning, R lines naming the wrong recipient, rounds of several
   jobs, an empty address. */
#include <stdlib.h>
#include <string.h>
#include <skalibs/types.h>
#include "queue_round.h"
#include "tap.h"

static unsigned int const retry[3] = { 60, 240, 540 };

/* What the callbacks saw. */
static unsigned int n_delivered, n_failed, n_deferred, n_expired, n_bounces, n_warnings, last_bounce_n;
static char const *last_status;
static int bounce_works = 1;

static void on_attempt (queue_round const *r, char const *rcpt, char const *verdict, unsigned int code, char const *text, void *aux)
{
  (void)r; (void)rcpt; (void)code; (void)text; (void)aux;
  if (!strcmp(verdict, "delivered")) n_delivered++;
  else if (!strcmp(verdict, "failed")) n_failed++;
  else n_deferred++;
}

static void on_expired (queue_round const *r, char const *rcpt, void *aux)
{
  (void)r; (void)rcpt; (void)aux;
  n_expired++;
}

static int on_bounce (queue_round *r, uint32_t const *idx, size_t n, int delayed, char const *status, void *aux)
{
  (void)r; (void)idx; (void)aux;
  if (!bounce_works) return 0;
  if (delayed) n_warnings++; else n_bounces++;
  last_bounce_n = (unsigned int)n;
  last_status = status;
  return 1;
}

static queue_round_ops const ops = { &on_attempt, &on_expired, &on_bounce, 0 };

static void counts_zero (void)
{
  n_delivered = n_failed = n_deferred = n_expired = n_bounces = n_warnings = last_bounce_n = 0;
  last_status = 0;
  bounce_works = 1;
}

/* A message that arrived at arrival, to the n addresses given. */
static void round_start (queue_round *r, time_t arrival, char const *const *rcpts, unsigned int n)
{
  unsigned int i;
  memset(r, 0, sizeof *r);
  r->id[uint64_fmt(r->id, (uint64_t)arrival)] = 0;
  strcat(r->id, ".000000001.1");
  stralloc_catb(&r->env.sender, "s@example.org", 14);
  for (i = 0; i < n; i++) stralloc_catb(&r->env.rcpts, rcpts[i], strlen(rcpts[i]) + 1);
  r->env.nrcpt = n;
}

static job_result mline (unsigned int status, char const *class, unsigned int code, char const *text)
{
  job_result m = JOB_RESULT_ZERO;
  m.type = 'M'; m.status = status; m.class = class; m.code = code; m.text = text;
  return m;
}

static void rline (queue_round *r, char const *rcpt, unsigned int status, unsigned int code, char const *text)
{
  job_result x = JOB_RESULT_ZERO;
  x.type = 'R'; x.rcpt = rcpt; x.status = status; x.code = code; x.text = text;
  queue_round_line(r, &x);
}

/* One job at t: the gate counts it, the M line m ends it. */
static int attempt (queue_round *r, gate *g, time_t t, job_result const *m, int more)
{
  gate_event ev;
  int probe = gate_send(g, t);
  gate_result(g, m->class, probe, t, &ev);
  return queue_round_result(r, m, more, &ops);
}

static void throttle_then_success (void)
{
  static char const *const to[2] = { "a@example.com", "b@example.net" };
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  time_t t = 1000000;
  job_result m;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r, t, to, 2);
  tap_ok(queue_round_plan(&r) && queue_round_npend(&r) == 2, "a fresh message: both recipients in the round");
  tap_ok(queue_round_job(&r, "/q/cur/x", &jt) && queue_round_njob(&r) == 2, "one job carries both");
  tap_ok(jt.len && !memcmp(jt.s, "M /q/cur/x\n", 11), "the job names the message");
  m = mline(JOB_DEFER, "throttle", 421, "4.7.0 too many connections");
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_AGAIN, "421: the upstream, not the message: due again");
  tap_ok(n_deferred == 2 && !r.st.attempts, "each recipient logged deferred, no attempt counted");
  tap_is(gate_when(&g, t), t + 60, "and the gate holds the queue the first RETRY delay");
  t += 60;
  tap_ok(queue_round_plan(&r) && queue_round_npend(&r) == 2, "next round: both again");
  jt.len = 0;
  queue_round_job(&r, "/q/cur/x", &jt);
  m = mline(JOB_DEFER, "throttle", 454, "4.7.0 slow down");
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_AGAIN, "454 4.7.0: due again too");
  tap_is(gate_when(&g, t), t + 240, "held longer this time");
  t += 240;
  queue_round_plan(&r);
  jt.len = 0;
  queue_round_job(&r, "/q/cur/x", &jt);
  rline(&r, "a@example.com", JOB_OK, 250, "2.0.0 ok");
  rline(&r, "b@example.net", JOB_OK, 250, "2.0.0 ok");
  m = mline(JOB_OK, "smtp", 250, "2.0.0 queued");
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_SETTLE, "success: the round is over");
  tap_is(n_delivered, 2, "both delivered");
  tap_is(queue_round_settle(&r, &(bounce)BOUNCE_ZERO, &g, t, &ops), 1, "nothing left: the message is done");
  tap_ok(r.st.attempts == 1 && !n_bounces && !n_warnings, "one attempt counted, nothing bounced");
  tap_is(gate_when(&g, t), 0, "and the gate is open");
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void refusal_and_bounce (void)
{
  static char const *const to[2] = { "a@example.com", "b@example.net" };
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  bounce b = BOUNCE_ZERO;
  time_t t = 2000000;
  job_result m;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r, t, to, 2);
  queue_round_plan(&r);
  queue_round_job(&r, "p", &jt);
  rline(&r, "a@example.com", JOB_OK, 250, "ok");
  rline(&r, "b@example.net", JOB_FAIL, 550, "5.1.1 no such user");
  m = mline(JOB_OK, "smtp", 250, "queued");
  bounce_works = 0;
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_SETTLE, "550 for one: the round is over");
  tap_ok(n_delivered == 1 && n_failed == 1, "one delivered, one failed");
  tap_is(queue_round_settle(&r, &b, &g, t, &ops), 0, "the bounce cannot be queued: the message is kept");
  tap_ok(queue_state_rcpt(&r.st, 1)->status == QUEUE_RCPT_DEFER && r.st.next == t + 60, "the refused recipient stays, retried after the first delay");
  bounce_works = 1;
  queue_round_plan(&r);
  tap_ok(queue_round_npend(&r) == 1 && queue_round_pend(&r, 0) == 1, "the next round: only the recipient not done");
  jt.len = 0;
  queue_round_job(&r, "p", &jt);
  rline(&r, "b@example.net", JOB_FAIL, 550, "5.1.1 no such user");
  m = mline(JOB_OK, "smtp", 250, "queued");
  attempt(&r, &g, t + 60, &m, 1);
  tap_is(queue_round_settle(&r, &b, &g, t + 60, &ops), 1, "the bounce is queued: done");
  tap_ok(n_bounces == 1 && last_bounce_n == 1 && !last_status, "one bounce, of the one recipient, with its own status");
  tap_is(queue_state_rcpt(&r.st, 1)->status, QUEUE_RCPT_FAIL, "which is failed in the state");
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void expiry_during_pause (void)
{
  static char const *const to[1] = { "a@example.com" };
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  bounce b = BOUNCE_ZERO;
  time_t arrival = 3000000, t = arrival + b.lifetime + 10;
  job_result m;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r, arrival, to, 1);
  r.st.warned = 1;
  queue_round_plan(&r);
  queue_round_job(&r, "p", &jt);
  m = mline(JOB_DEFER, "auth", 535, "5.7.8 bad credentials");
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_AGAIN, "535 past LIFETIME: the upstream is broken, due again");
  tap_ok(g.pause_class && !n_expired && !n_bounces, "the queue pauses; nothing expires");
  r.tried = 1;   /* as after an earlier job of the round */
  tap_is(queue_round_settle(&r, &b, &g, t, &ops), 0, "settled during the pause: kept");
  tap_ok(!n_expired && !n_bounces, "not expired while paused (the time lost is ours)");
  t += 600;
  queue_round_plan(&r);
  jt.len = 0;
  queue_round_job(&r, "p", &jt);
  m = mline(JOB_DEFER, "smtp", 451, "4.3.0 try later");
  tap_is(attempt(&r, &g, t, &m, 1), QUEUE_ROUND_SETTLE, "the probe reaches SMTP, 451");
  tap_ok(!g.pause_class, "the pause is over");
  tap_is(queue_round_settle(&r, &b, &g, t, &ops), 1, "now past LIFETIME unpaused: expired, done");
  tap_ok(n_expired == 1 && n_bounces == 1 && last_status && !strcmp(last_status, "5.4.7"), "one expiry, bounced 5.4.7");
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void warning (void)
{
  static char const *const to[1] = { "a@example.com" };
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  bounce b = BOUNCE_ZERO;
  time_t arrival = 4000000, t = arrival + b.delaywarn;
  job_result m;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r, arrival, to, 1);
  queue_round_plan(&r);
  queue_round_job(&r, "p", &jt);
  m = mline(JOB_DEFER, "smtp", 451, "later");
  attempt(&r, &g, t, &m, 1);
  tap_is(queue_round_settle(&r, &b, &g, t, &ops), 0, "DELAYWARN reached: kept");
  tap_ok(n_warnings == 1 && r.st.warned, "one delay warning, remembered");
  queue_round_plan(&r);
  jt.len = 0;
  queue_round_job(&r, "p", &jt);
  attempt(&r, &g, t + 60, &m, 1);
  queue_round_settle(&r, &b, &g, t + 60, &ops);
  tap_is(n_warnings, 1, "never a second one");
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void wrong_rcpt (void)
{
  static char const *const to[2] = { "a@example.com", "b@example.net" };
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  job_result m;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r, 5000000, to, 2);
  queue_round_plan(&r);
  queue_round_job(&r, "p", &jt);
  rline(&r, "b@example.net", JOB_OK, 250, "ok");   /* the first line names the second recipient */
  m = mline(JOB_OK, "smtp", 250, "queued");
  attempt(&r, &g, 5000000, &m, 1);
  tap_ok(!n_delivered && !n_failed && n_deferred == 2, "an R line naming another recipient counts as deferred, and a recipient without one too");
  tap_ok(queue_state_rcpt(&r.st, 0)->status == QUEUE_RCPT_DEFER && queue_state_rcpt(&r.st, 1)->status == QUEUE_RCPT_DEFER, "neither is delivered");
  tap_ok(!strcmp(queue_state_text(&r.st, 0), "the worker's result named another recipient"), "the state says why");
  queue_round_plan(&r);
  jt.len = 0;
  queue_round_job(&r, "p", &jt);
  rline(&r, "b@example.net", JOB_FAIL, 550, "no");
  m = mline(JOB_OK, "smtp", 250, "queued");
  attempt(&r, &g, 5000000, &m, 1);
  tap_ok(!n_failed && !queue_round_nfailed(&r), "nor is a refusal naming the wrong one a bounce of the first");
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void several_jobs (void)
{
  unsigned int const n = JOB_RCPTS + 5;
  char const **to = calloc(n, sizeof *to);
  char (*addrs)[32] = calloc(n, 32);
  queue_round r;
  gate g;
  stralloc jt = STRALLOC_ZERO;
  job_result m;
  unsigned int i;
  counts_zero();
  gate_init(&g, retry, 3, 0, 0);
  for (i = 0; i < n; i++) { addrs[i][uint_fmt(addrs[i], i)] = 0; strcat(addrs[i], "@example.com"); to[i] = addrs[i]; }
  round_start(&r, 6000000, to, n);
  queue_round_plan(&r);
  queue_round_job(&r, "p", &jt);
  tap_is(queue_round_njob(&r), JOB_RCPTS, "the first job carries JOB_RCPTS recipients");
  m = mline(JOB_DEFER, "smtp", 451, "later");
  tap_is(attempt(&r, &g, 6000000, &m, 1), QUEUE_ROUND_NEXT, "an smtp answer: the next job, same session");
  tap_is(attempt(&r, &g, 6000000, &m, 0), QUEUE_ROUND_SETTLE, "but not when the worker cannot take it");
  jt.len = 0;
  queue_round_job(&r, "p", &jt);
  tap_is(queue_round_njob(&r), 5, "the second job carries the rest");
  m = mline(JOB_DEFER, "network", 0, "connection refused");
  tap_is(attempt(&r, &g, 6000000, &m, 1), QUEUE_ROUND_SETTLE, "a network failure after a verdict: settle");
  free(to);
  free(addrs);
  stralloc_free(&jt);
  queue_round_free(&r);
  gate_free(&g);
}

static void empty_address (void)
{
  static char const *const to[2] = { "", "a@example.com" };
  queue_round r;
  counts_zero();
  round_start(&r, 7000000, to, 2);
  queue_round_plan(&r);
  tap_ok(queue_round_npend(&r) == 1 && queue_round_nfailed(&r) == 1, "an empty address is refused at once, the other goes");
  tap_ok(!strncmp(queue_state_text(&r.st, queue_round_failed(&r, 0)), "5.1.3", 5), "with 5.1.3");
  tap_ok(queue_round_upstream_fault("tls") && queue_round_upstream_fault("throttle") && !queue_round_upstream_fault("smtp"),
    "the upstream's faults: tls, throttle; not smtp");
  queue_round_free(&r);
}

int main (void)
{
  throttle_then_success();
  refusal_and_bounce();
  expiry_during_pause();
  warning();
  wrong_rcpt();
  several_jobs();
  empty_address();
  tap_plan(tap_n);
  return tap_done();
}
