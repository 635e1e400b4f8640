/* DSN in smarthost-send's policy, without a process: which recipients a
   notification goes to by their NOTIFY (bounce_wanted, lib/bounce.h),
   and the "relayed" report a round owes for NOTIFY=SUCCESS when the
   worker's S line says the upstream has no DSN, and not when it has
   (queue/queue_round.h). */
#include <stdlib.h>
#include <string.h>
#include <skalibs/types.h>
#include "bounce.h"
#include "dsnparam.h"
#include "queue_round.h"
#include "tap.h"

static unsigned int const retry[3] = { 60, 240, 540 };
static unsigned int n_relayed, n_bounces, relayed_n;
static char relayed_addr[64];

static void on_attempt (queue_round const *r, char const *rcpt, char const *verdict, unsigned int code, char const *text, void *aux)
{
  (void)r; (void)rcpt; (void)verdict; (void)code; (void)text; (void)aux;
}

static void on_expired (queue_round const *r, char const *rcpt, void *aux)
{
  (void)r; (void)rcpt; (void)aux;
}

static int on_bounce (queue_round *r, uint32_t const *idx, size_t n, int delayed, char const *status, void *aux)
{
  (void)status; (void)aux;
  if (delayed == 2) { n_relayed++; relayed_n = (unsigned int)n; strncpy(relayed_addr, queue_state_addr(&r->st, idx[0]), sizeof relayed_addr - 1); }
  else if (!delayed) n_bounces++;
  return 1;
}

static queue_round_ops const ops = { &on_attempt, &on_expired, &on_bounce, 0 };

/* a@ asks for SUCCESS, b@ for nothing */
static void round_start (queue_round *r)
{
  memset(r, 0, sizeof *r);
  strcpy(r->id, "1795816346.549471893.0005904000");
  stralloc_catb(&r->env.sender, "s@example.org", 14);
  stralloc_catb(&r->env.rcpts, "a@example.com\0b@example.net", sizeof "a@example.com\0b@example.net");
  stralloc_catb(&r->env.rdsn, " NOTIFY=SUCCESS,FAILURE\0", sizeof " NOTIFY=SUCCESS,FAILURE\0");
  stralloc_0(&r->env.dsn);
  r->env.nrcpt = 2;
  r->env.ndsn = 1;
}

/* One round: an S line (ext: "DSN" or ""), both recipients accepted. */
static int one_round (char const *ext)
{
  queue_round r;
  stralloc jt = STRALLOC_ZERO;
  gate g;
  job_result s = JOB_RESULT_ZERO, x = JOB_RESULT_ZERO, m = JOB_RESULT_ZERO;
  int ok;
  gate_init(&g, retry, 3, 0, 0);
  round_start(&r);
  n_relayed = n_bounces = relayed_n = 0;
  relayed_addr[0] = 0;
  queue_round_plan(&r);
  queue_round_job(&r, "/q/cur/x", &jt);
  s.type = 'S'; s.host = "up:25"; s.tls = "none"; s.mech = "none"; s.ext = ext;
  queue_round_line(&r, &s);
  x.type = 'R'; x.status = JOB_OK; x.code = 250; x.text = "ok";
  x.rcpt = "a@example.com"; queue_round_line(&r, &x);
  x.rcpt = "b@example.net"; queue_round_line(&r, &x);
  m.type = 'M'; m.status = JOB_OK; m.class = "smtp"; m.code = 250; m.text = "ok";
  ok = queue_round_result(&r, &m, 0, &ops) == QUEUE_ROUND_SETTLE
    && queue_round_settle(&r, &(bounce)BOUNCE_ZERO, &g, 1795816400, &ops) == 1;
  stralloc_free(&jt);
  queue_round_free(&r);
  return ok;
}

static void round_tests (void)
{
  tap_ok(one_round(""), "an upstream without DSN: the round is over, the message done");
  tap_is(n_relayed, 1, "one relayed report");
  tap_ok(relayed_n == 1 && !strcmp(relayed_addr, "a@example.com"), "for the recipient that asked for SUCCESS only");
  tap_is(n_bounces, 0, "no bounce");
  tap_ok(one_round("DSN"), "an upstream with DSN: done");
  tap_is(n_relayed, 0, "no report of ours: the upstream reports");
}

static void wanted_tests (void)
{
  queue_env e = QUEUE_ENV_ZERO;
  dsn_rcpt r[5];
  dsn d;
  static char const *const addr[5] = { "never@x", "fail@x", "none@x", "succ@x", "delay@x" };
  unsigned int i;
  stralloc_catb(&e.rcpts, "never@x\0fail@x\0none@x\0succ@x\0delay@x", sizeof "never@x\0fail@x\0none@x\0succ@x\0delay@x");
  stralloc_catb(&e.rdsn, " NOTIFY=NEVER\0 NOTIFY=FAILURE ORCPT=rfc822;o+2Bf@x\0\0 NOTIFY=SUCCESS\0 NOTIFY=DELAY", sizeof " NOTIFY=NEVER\0 NOTIFY=FAILURE ORCPT=rfc822;o+2Bf@x\0\0 NOTIFY=SUCCESS\0 NOTIFY=DELAY");
  stralloc_cats(&e.dsn, " RET=FULL ENVID=E+2B1");
  stralloc_0(&e.dsn);
  e.nrcpt = 5; e.ndsn = 4;
  memset(&d, 0, sizeof d);
  for (i = 0; i < 5; i++) { memset(r + i, 0, sizeof r[i]); r[i].addr = addr[i]; }
  d.n = 5;
  tap_is(bounce_wanted(&d, r, &e), 2, "a bounce: FAILURE and no NOTIFY");
  tap_ok(!strcmp(r[0].addr, "fail@x") && !strcmp(r[1].addr, "none@x"), "those two, in order");
  tap_ok(r[0].orcpt && r[0].orcptlen == 14 && !memcmp(r[0].orcpt, "rfc822;o+2Bf@x", 14), "with the ORCPT as given");
  tap_ok(d.envid && d.envidlen == 5 && !memcmp(d.envid, "E+2B1", 5) && d.retfull, "and the ENVID and RET=FULL");
  for (i = 0; i < 5; i++) { memset(r + i, 0, sizeof r[i]); r[i].addr = addr[i]; }
  d.n = 5; d.delayed = 1;
  tap_is(bounce_wanted(&d, r, &e), 2, "a delay warning: DELAY and no NOTIFY");
  tap_ok(!strcmp(r[0].addr, "none@x") && !strcmp(r[1].addr, "delay@x"), "those two");
  for (i = 0; i < 5; i++) { memset(r + i, 0, sizeof r[i]); r[i].addr = addr[i]; }
  d.n = 5; d.delayed = 0; d.relayed = 1;
  tap_ok(bounce_wanted(&d, r, &e) == 1 && !strcmp(r[0].addr, "succ@x"), "a relayed report: SUCCESS only");
  tap_is(bounce_notify(&e, "delay@x"), DSN_NOTIFY_DELAY, "bounce_notify finds a recipient's NOTIFY");
  tap_is(bounce_notify(&e, "other@x"), 0, "and 0 for an address not in the envelope");
  queue_env_free(&e);
}

/* The S line's fifth field (lib/job.h): written and read back only when
   the upstream offers DSN. */
static void sline_tests (void)
{
  job_result s = JOB_RESULT_ZERO, back;
  stralloc sa = STRALLOC_ZERO;
  s.type = 'S'; s.host = "up:25"; s.tls = "TLSv1.3"; s.mech = "PLAIN"; s.ext = "DSN";
  job_result_put(&sa, &s);
  stralloc_0(&sa);
  tap_ok(!strcmp(sa.s, "S\tup:25\tTLSv1.3\tPLAIN\tDSN\n"), "S line with DSN");
  sa.s[sa.len - 2] = 0;
  tap_ok(job_result_parse(&back, sa.s) == 'S' && !strcmp(back.ext, "DSN") && !strcmp(back.mech, "PLAIN"), "read back");
  sa.len = 0;
  s.ext = "";
  job_result_put(&sa, &s);
  stralloc_0(&sa);
  tap_ok(!strcmp(sa.s, "S\tup:25\tTLSv1.3\tPLAIN\n"), "without DSN: the four fields of before");
  sa.s[sa.len - 2] = 0;
  tap_ok(job_result_parse(&back, sa.s) == 'S' && !*back.ext, "read back: no DSN");
  stralloc_free(&sa);
}

int main (void)
{
  tap_plan(19);
  sline_tests();
  round_tests();
  wanted_tests();
  return tap_done();
}
