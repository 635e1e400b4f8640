/* queue/queue_attempt: a worker's results as smarthost-send acts on them,
   over the dispatch state of dispatch_fake.h, a spool in a temporary
   directory (the files removed or written are real) and ops that record
   the jobs sent, the notifications injected and the log lines: 250 for
   all settles and removes cur/ then state/ (and a cur/ID that cannot go
   keeps its state file and is retried); a 4xx defers and schedules a
   retry; a 5xx for one recipient bounces that one; a 421 throttle holds the gate and puts the message back unchanged;
   a lost or unstartable worker re-queues its message without loss;
   expiry during a deferral bounces; more than JOB_RCPTS recipients go as
   a second job on the same worker, unless the scheduler stops; and no
   log line carries a control or 8-bit byte, whatever the envelope or the
   worker says. And the first look at a message out of the schedule
   (read and sent, gone, malformed, not due yet by its state file), and
   a bounce by request. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/types.h>
#include "dispatch_fake.h"
#include "queue_attempt.h"
#include "queue_dirs.h"
#include "queue_status.h"
#include "tap.h"

typedef struct rig_s rig;
struct rig_s
{
  fake f;
  sendconf cf;
  queue_report rep;
  tain clock;
  int stopping;
  queue_attempt a;
  queue_dirs sp;
  char dir[40];
  stralloc trace;          /* the ops called, "send;inject;..." */
  stralloc log;            /* the lines said, each ending in LF */
  unsigned int injected;   /* notifications */
  unsigned int injected_n; /* their recipients */
  int injected_delayed;
};
static rig G;

static int op_send (pool_worker *w, void *aux)
{
  stralloc sa = STRALLOC_ZERO;
  int r;
  (void)aux;
  stralloc_cats(&G.trace, "send;");
  r = queue_round_job(&queue_dispatch_task(w)->r, "-", &sa) ? 0 : -1;
  w->busy = !r;
  stralloc_free(&sa);
  return r;
}

static int op_inject (bounce const *b, dsn *d, int fd, void *aux)
{
  (void)b; (void)fd; (void)aux;
  stralloc_cats(&G.trace, "inject;");
  G.injected++;
  G.injected_n += d->n;
  G.injected_delayed = d->delayed;
  return 0;  /* exited 0: queued */
}

static void op_say (int kind, char const *line, void *aux)
{
  (void)kind; (void)aux;
  stralloc_cats(&G.log, line);
  stralloc_catb(&G.log, "\n", 1);
}

static queue_attempt_ops const ops = { &op_send, &op_inject, &op_say };

static void rig_init (void)
{
  static sendconf const cf0 = SENDCONF_ZERO;
  static queue_report const rep0 = QUEUE_REPORT_ZERO;
  static queue_attempt const a0 = QUEUE_ATTEMPT_ZERO;
  static queue_dirs const sp0 = QUEUE_DIRS_ZERO;
  static char const *const sub[4] = { "cur", "new", "state", "tmp" };
  char path[80];
  unsigned int i;
  fake_init(&G.f, 0, 2);
  G.cf = cf0;
  G.rep = rep0;
  G.stopping = 0;
  G.trace.len = G.log.len = 0;
  G.injected = G.injected_n = 0;
  G.injected_delayed = -1;
  G.a = a0;
  G.a.cf = &G.cf;
  G.a.d = &G.f.d;
  G.a.report = &G.rep;
  G.a.spool = &G.sp;
  G.a.clock = &G.clock;
  G.a.stopping = &G.stopping;
  G.a.ops = &ops;
  tain_now(&G.clock);
  strcpy(G.dir, "/tmp/attempt-unit.XXXXXX");
  if (!mkdtemp(G.dir)) { perror("mkdtemp"); exit(2); }
  for (i = 0; i < 4; i++) { snprintf(path, sizeof path, "%s/%s", G.dir, sub[i]); mkdir(path, 0700); }
  snprintf(path, sizeof path, "%s/trigger", G.dir);
  mkfifo(path, 0600);
  G.sp = sp0;
  if (queue_dirs_open(&G.sp, G.dir, &(char const *){ 0 }) < 0) { perror("queue_dirs_open"); exit(2); }
}

static void rig_end (void)
{
  char cmd[80];
  fd_close(G.sp.cur); fd_close(G.sp.new); fd_close(G.sp.state); fd_close(G.sp.tmp); fd_close(G.sp.trigger);
  snprintf(cmd, sizeof cmd, "rm -rf %s", G.dir);
  if (system(cmd)) printf("# could not remove %s\n", G.dir);
  queue_attempt_free(&G.a);
}

static int exists (char const *sub, char const *id)
{
  char path[120];
  struct stat st;
  snprintf(path, sizeof path, "%s/%s/%s", G.dir, sub, id);
  return !lstat(path, &st);
}

/* A message that arrived at arrival, to rcpts[0..n), taken by a worker
   at t (its first job made); with a state file already (hadstate). */
static pool_worker *msg_go (time_t arrival, time_t t, char const *const *rcpts, unsigned int n, int hadstate)
{
  pool_worker *w;
  queue_round *r;
  uint32_t slot;
  stralloc sa = STRALLOC_ZERO;
  char path[120];
  unsigned int i;
  int fd, se;
  fake_msg(&G.f, arrival, 0, t);
  if (fake_next(&G.f, t, &w, &slot) != QUEUE_DISPATCH_GO) { printf("Bail out! no worker\n"); exit(2); }
  r = &queue_dispatch_task(w)->r;
  memcpy(r->id, queue_sched_msg(&G.f.sched, slot)->id, QUEUE_ID_SIZE);
  stralloc_cats(&r->env.sender, "s@example.org");
  stralloc_0(&r->env.sender);
  for (i = 0; i < n; i++) stralloc_catb(&r->env.rcpts, rcpts[i], strlen(rcpts[i]) + 1);
  r->env.nrcpt = n;
  snprintf(path, sizeof path, "%s/cur/%s", G.dir, r->id);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) fd_close(fd);
  queue_attempt_plan(&G.a, r);
  if (hadstate) { queue_msg_keep(&G.sp, r->id, &r->st, 0, &se); r->hadstate = 1; }
  queue_round_job(r, "-", &sa);
  w->started = G.clock;
  stralloc_free(&sa);
  return w;
}

/* The same, to two recipients a@example.com and b@example.net. */
static pool_worker *msg_go2 (time_t arrival, time_t t, int hadstate)
{
  static char const *const to[2] = { "a@example.com", "b@example.net" };
  return msg_go(arrival, t, to, 2, hadstate);
}

static int feed (pool_worker *w, char const *line, time_t t)
{
  char buf[512];
  snprintf(buf, sizeof buf, "%s", line);
  return queue_attempt_line(&G.a, w, buf, t);
}

static int said (char const *s)
{
  stralloc_0(&G.log);
  G.log.len--;
  return !!strstr(G.log.s, s);
}

static time_t sched_key (void)
{
  prioq_elt e;
  return prioq_min(&G.f.sched.q, &e) ? e.key : -1;
}

static void all_delivered (void)
{
  time_t t = 1000000;
  pool_worker *w;
  char id[QUEUE_ID_SIZE];
  rig_init();
  w = msg_go2(t - 100, t, 1);
  memcpy(id, queue_dispatch_task(w)->r.id, QUEUE_ID_SIZE);
  tap_ok(exists("cur", id) && exists("state", id), "a message with its state file, in flight");
  tap_ok(feed(w, "R\ta@example.com\tok\t250\t2.0.0 ok", t) && feed(w, "R\tb@example.net\tok\t250\t2.0.0 ok", t), "two R lines taken");
  tap_ok(exists("cur", id) && exists("state", id), "nothing done before the M line");
  tap_ok(feed(w, "M\tok\tsmtp\t250\t2.0.0 queued", t), "the M line taken");
  stralloc_0(&G.trace);
  tap_ok(!strcmp(G.trace.s, "") && !G.injected, "250 for all: no next job, nothing bounced");
  tap_ok(!exists("cur", id) && !exists("state", id), "cur/ID and state/ID are gone");
  tap_is(G.f.sched.n, 0, "its slot is free");
  tap_ok(!w->busy, "the worker is idle again");
  tap_ok(said(" <a@example.com> upstream=-") && said(": delivered 250 2.0.0 ok (") && said(" <b@example.net> "), "each recipient's verdict logged");
  rig_end();
}

/* cur/ID that cannot be removed (a directory here): state/ID stays, the
   message is retried after the first RETRY delay. The other order would
   resend to every recipient after a crash. */
static void cur_stays (void)
{
  static char const *const to[1] = { "a@example.com" };
  time_t t = 1100000;
  pool_worker *w;
  char id[QUEUE_ID_SIZE], path[120];
  rig_init();
  w = msg_go(t - 100, t, to, 1, 1);
  memcpy(id, queue_dispatch_task(w)->r.id, QUEUE_ID_SIZE);
  snprintf(path, sizeof path, "%s/cur/%s", G.dir, id);
  unlink(path);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/cur/%s/x", G.dir, id);
  close(open(path, O_WRONLY | O_CREAT, 0600));
  feed(w, "R\ta@example.com\tok\t250\t2.0.0 ok", t);
  feed(w, "M\tok\tsmtp\t250\t2.0.0 queued", t);
  tap_ok(exists("state", id), "cur/ID cannot go: state/ID is left as it was");
  tap_ok(said("remove cur/"), "said (the caller prefixes \"unable to\" and the error)");
  tap_is(G.f.sched.n, 1, "the message is still known");
  tap_is(sched_key(), t + 60, "and tried again after the first RETRY delay");
  rig_end();
}

static void deferred (void)
{
  time_t t = 2000000;
  pool_worker *w;
  queue_task *k;
  rig_init();
  w = msg_go2(t - 100, t, 0);
  k = queue_dispatch_task(w);
  feed(w, "R\ta@example.com\tdefer\t451\t4.3.0 try later", t);
  feed(w, "R\tb@example.net\tdefer\t451\t4.3.0 try later", t);
  feed(w, "M\tdefer\tsmtp\t451\t4.3.0 try later", t);
  stralloc_0(&G.trace);
  tap_ok(!strcmp(G.trace.s, "") && exists("state", k->r.id), "451: the state is written, nothing bounced");
  tap_ok(exists("cur", k->r.id) && exists("state", k->r.id) && k->r.hadstate, "cur/ID and state/ID are there");
  tap_is(k->r.st.next, t + 60, "the next attempt after the first RETRY delay");
  tap_is(sched_key(), t + 60, "and the message is scheduled then");
  tap_is(queue_status_pending(&k->r.st), 2, "both recipients still pending");
  tap_ok(said(": deferred 451 4.3.0 try later ("), "the deferral logged");
  rig_end();
}

static void one_refused (void)
{
  time_t t = 3000000;
  pool_worker *w;
  char id[QUEUE_ID_SIZE];
  rig_init();
  w = msg_go2(t - 100, t, 0);
  memcpy(id, queue_dispatch_task(w)->r.id, QUEUE_ID_SIZE);
  feed(w, "R\ta@example.com\tok\t250\t2.0.0 ok", t);
  feed(w, "R\tb@example.net\tfail\t550\t5.1.1 no such user", t);
  feed(w, "M\tok\tsmtp\t250\t2.0.0 queued", t);
  stralloc_0(&G.trace);
  tap_ok(!strcmp(G.trace.s, "inject;"), "550 for one: its bounce injected");
  tap_ok(G.injected == 1 && G.injected_n == 1 && G.injected_delayed == 0, "one bounce, of the one recipient refused");
  tap_is(G.rep.s.bounces, 1, "counted for the status");
  tap_ok(said(": bounce queued for <s@example.org>"), "the bounce logged, to the sender");
  tap_ok(!exists("cur", id), "cur/ID is gone");
  rig_end();
}

static void throttled (void)
{
  static char const *const to[1] = { "a@example.com" };
  time_t t = 4000000;
  pool_worker *w;
  queue_task *k;
  rig_init();
  w = msg_go(t - 100, t, to, 1, 0);
  k = queue_dispatch_task(w);
  feed(w, "M\tdefer\tthrottle\t421\t4.7.0 slow down", t);
  tap_ok(!G.trace.len && exists("cur", k->r.id) && !exists("state", k->r.id), "421 throttle: nothing written, removed or bounced");
  tap_is(sched_key(), t, "the message is back, due now, unchanged");
  tap_is(k->r.st.attempts, 0, "no attempt counted");
  tap_is(queue_dispatch_gate_at(&G.f.d, t, 0), t + 60, "the gate holds the queue");
  tap_ok(said("upstream throttles us (421 4.7.0 slow down): whole queue waits 60 s"), "said once, with the wait");
  rig_end();
}

static void lost_worker (void)
{
  time_t t = 5000000;
  pool_worker *w;
  queue_task *k;
  rig_init();
  w = msg_go2(t - 100, t, 0);
  k = queue_dispatch_task(w);
  feed(w, "R\ta@example.com\tok\t250\t2.0.0 ok", t);
  tap_ok(queue_attempt_lost(&G.a, w, POOL_TIMEDOUT, t), "the worker goes silent before its M line");
  stralloc_0(&G.trace);
  tap_ok(!strcmp(G.trace.s, "") && exists("cur", k->r.id) && exists("state", k->r.id), "its message is kept, its state written");
  tap_is(queue_status_pending(&k->r.st), 2, "with both recipients pending: an R ok without M ok is no delivery");
  tap_is(sched_key(), t + 60, "and scheduled again");
  tap_ok(said(": worker silent too long, killed") && !said("delivered"), "said, and nothing said delivered");
  rig_end();
}

static void unstartable (void)
{
  static char const *const to[1] = { "a@example.com" };
  time_t t = 5500000;
  pool_worker *w;
  queue_task *k;
  rig_init();
  G.cf.remote = "/nonexistent/remote";
  w = msg_go(t - 100, t, to, 1, 0);
  k = queue_dispatch_task(w);
  k->r.pendpos = k->r.jobstart = 0;  /* as dispatch leaves it: the job not made */
  w->spawnerr = ENOENT;
  tap_ok(queue_attempt_unstarted(&G.a, w, t), "a worker that could not start");
  tap_ok(said("unable to spawn /nonexistent/remote") && said(": deferred 000 worker exited at start: unable to spawn /nonexistent/remote: "), "said, and its recipient deferred 000");
  tap_is(queue_status_pending(&k->r.st), 1, "the recipient is pending");
  tap_is(sched_key(), t + 60, "the message is scheduled again");
  rig_end();
}

static void expiry_in_deferral (void)
{
  time_t t = 6000000;
  pool_worker *w;
  char id[QUEUE_ID_SIZE];
  rig_init();
  w = msg_go2(t - G.cf.bounce.lifetime - 10, t, 1);
  memcpy(id, queue_dispatch_task(w)->r.id, QUEUE_ID_SIZE);
  feed(w, "R\ta@example.com\tdefer\t451\t4.3.0 try later", t);
  feed(w, "R\tb@example.net\tdefer\t451\t4.3.0 try later", t);
  feed(w, "M\tdefer\tsmtp\t451\t4.3.0 try later", t);
  tap_ok(said(" <a@example.com>: expired, giving up after LIFETIME") && said(" <b@example.net>: expired"), "past LIFETIME, a deferral expires both");
  tap_ok(G.injected == 1 && G.injected_n == 2 && G.injected_delayed == 0, "one bounce of both");
  tap_ok(!exists("cur", id) && !exists("state", id) && G.f.sched.n == 0, "and the message is finished");
  rig_end();
}

static void second_job (void)
{
  static char addrs[JOB_RCPTS + 1][24];
  char const *to[JOB_RCPTS + 1];
  time_t t = 7000000;
  pool_worker *w;
  queue_task *k;
  unsigned int i;
  int stop;
  for (stop = 0; stop < 2; stop++)
  {
    rig_init();
    for (i = 0; i <= JOB_RCPTS; i++) { snprintf(addrs[i], sizeof addrs[i], "r%u@example.com", i); to[i] = addrs[i]; }
    w = msg_go(t - 100, t, to, JOB_RCPTS + 1, 0);
    k = queue_dispatch_task(w);
    k->probe = 1;
    G.stopping = stop;
    for (i = 0; i < JOB_RCPTS; i++)
    {
      char line[100];
      snprintf(line, sizeof line, "R\t%.23s\tok\t250\t2.0.0 ok", addrs[i]);
      feed(w, line, t);
    }
    feed(w, "M\tok\tsmtp\t250\t2.0.0 queued", t);
    stralloc_0(&G.trace);
    if (!stop)
    {
      tap_ok(!strcmp(G.trace.s, "send;") && w->busy, "the first job of 101 recipients done: the second goes to the same worker");
      tap_ok(!k->probe && queue_round_njob(&k->r) == 1, "as no probe, with the one recipient left");
    }
    else
    {
      tap_ok(!strcmp(G.trace.s, "") && !w->busy && exists("state", k->r.id), "stopping: no second job, the state is written");
      tap_is(queue_status_pending(&k->r.st), 1, "with the one recipient left pending, the 100 delivered");
    }
    rig_end();
  }
}

/* Whatever the envelope and the worker say, the log gets printable
   bytes only: random bytes in the address, the S line and the text. */
static void log_safe (void)
{
  unsigned int round, bad = 0, lines = 0;
  srand(11);
  for (round = 0; round < 40; round++)
  {
    char rc[40], host[20], text[30], line[200];
    char const *to[1];
    time_t t = 8000000 + round * 1000;
    pool_worker *w;
    size_t i;
    rig_init();
    for (i = 0; i < sizeof rc - 1; i++) rc[i] = (char)(1 + rand() % 255);
    rc[sizeof rc - 1] = 0;
    rc[5] = '@';
    for (i = 0; i < sizeof host - 1; i++) host[i] = (char)(1 + rand() % 255);
    host[sizeof host - 1] = 0;
    for (i = 0; i < sizeof text - 1; i++) { text[i] = (char)(1 + rand() % 255); if (text[i] == '\t' || text[i] == '\n') text[i] = 'x'; }
    text[sizeof text - 1] = 0;
    for (i = 0; host[i]; i++) if (host[i] == '\t' || host[i] == '\n') host[i] = 'y';
    to[0] = rc;
    w = msg_go(t - 100, t, to, 1, 0);
    snprintf(line, sizeof line, "S\t%s\tTLS\x9b\tPL\x1b", host);
    feed(w, line, t);
    snprintf(line, sizeof line, "R\tnot-the-recipient\tfail\t550\t5.1.1 %s", text);
    feed(w, line, t);
    snprintf(line, sizeof line, "M\t%s\tsmtp\t550\t5.0.0 %s", round & 1 ? "fail" : "defer", text);
    feed(w, line, t);
    for (i = 0; i < G.log.len; i++)
    {
      unsigned char c = G.log.s[i];
      if (c == '\n') lines++;
      else if (c < 0x20 || c > 0x7e) bad++;
    }
    rig_end();
  }
  tap_ok(lines >= 40, "log lines were said");
  tap_is(bad, 0, "none carries a byte outside 0x20-0x7e");
  rig_init();
  tap_ok(!strcmp(queue_attempt_safe(&G.a, 0, "a\x1b[2J\x9b@x"), "a?[2J?@x"), "queue_attempt_safe: printable form");
  rig_end();
}

static void put (char const *sub, char const *id, char const *text)
{
  char path[120];
  int fd;
  snprintf(path, sizeof path, "%s/%s/%s", G.dir, sub, id);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) printf("# could not write %s\n", path);
  if (fd >= 0) fd_close(fd);
}

/* queue_attempt_begin: the first look at a message out of the schedule. */
static void begin (void)
{
  time_t t = 9000000;
  pool_worker *w;
  uint32_t slot;
  queue_task *k;
  char id[QUEUE_ID_SIZE];
  int r;
  rig_init();
  /* a message read from cur/ and tried: the job goes out */
  fake_msg(&G.f, t - 100, 0, t);
  fake_next(&G.f, t, &w, &slot);
  memcpy(id, queue_sched_msg(&G.f.sched, slot)->id, QUEUE_ID_SIZE);
  put("cur", id, "F s@example.org\nT a@example.com\nT \nT b@example.net\n\nbody\n");
  r = queue_attempt_begin(&G.a, w, slot, t);
  k = queue_dispatch_task(w);
  stralloc_0(&G.trace);
  tap_ok(r == QUEUE_ATTEMPT_SENT && !strcmp(G.trace.s, "send;"), "a message read: its first job goes out");
  tap_ok(queue_round_npend(&k->r) == 2 && queue_round_nfailed(&k->r) == 1, "two recipients in the round, the empty one refused at once");
  tap_ok(said(" <>: failed 000 5.1.3 empty recipient address"), "said");
  rig_end();

  rig_init();
  /* gone from cur/ (removed by request, say): forgotten with its state */
  fake_msg(&G.f, t - 100, 0, t);
  fake_next(&G.f, t, &w, &slot);
  memcpy(id, queue_sched_msg(&G.f.sched, slot)->id, QUEUE_ID_SIZE);
  put("state", id, "");
  r = queue_attempt_begin(&G.a, w, slot, t);
  stralloc_0(&G.trace);
  tap_ok(r == QUEUE_ATTEMPT_NONE && !strcmp(G.trace.s, "") && !exists("state", id) && G.f.sched.n == 0, "a message gone: its state file goes, its slot is free");
  /* malformed: left alone, not scheduled */
  fake_msg(&G.f, t - 100, 0, t);
  fake_next(&G.f, t, &w, &slot);
  memcpy(id, queue_sched_msg(&G.f.sched, slot)->id, QUEUE_ID_SIZE);
  put("cur", id, "garbage");
  r = queue_attempt_begin(&G.a, w, slot, t);
  tap_ok(r == QUEUE_ATTEMPT_NONE && exists("cur", id) && G.f.sched.n == 0 && said(" is malformed: left alone, not scheduled"), "a malformed message: left alone, not scheduled");
  rig_end();

  rig_init();
  /* after a restart, a message whose state says later: back, cheaply */
  {
    queue_state st = QUEUE_STATE_ZERO;
    int se;
    queue_sched_new(&G.f.sched, "9000.000000001.1", QUEUE_SCHED_UNKNOWN, &slot);
    queue_sched_push(&G.f.sched, slot, t);
    fake_next(&G.f, t, &w, &slot);
    st.next = t + 500;
    queue_msg_keep(&G.sp, "9000.000000001.1", &st, 1, &se);
    r = queue_attempt_begin(&G.a, w, slot, t);
    tap_ok(r == QUEUE_ATTEMPT_NONE && sched_key() == t + 500 && !G.trace.len, "not due yet by its state file: scheduled then, cur/ not read (there is none)");
  }
  rig_end();
}

/* A bounce by request: the message read (its state, its envelope),
   every recipient not done refused, bounced, the message removed. */
static void bounce_by_request (void)
{
  time_t t = 9500000;
  uint32_t slot;
  char id[QUEUE_ID_SIZE];
  queue_state st = QUEUE_STATE_ZERO;
  int se;
  rig_init();
  slot = fake_msg(&G.f, t - 100, 0, t);
  memcpy(id, queue_sched_msg(&G.f.sched, slot)->id, QUEUE_ID_SIZE);
  tap_ok(!strcmp(queue_attempt_bounce_read(&G.a, slot), "error: cannot open the message"), "no cur/ID: cannot be read, said so");
  put("cur", id, "F s@example.org\nT a@example.com\nT b@example.net\nT c@example.org\n\nbody\n");
  tap_ok(!queue_attempt_bounce_read(&G.a, slot), "read");
  /* c was delivered at an earlier attempt */
  if (queue_attempt_plan(&G.a, &G.a.req.r)) queue_state_rcpt(&G.a.req.r.st, 2)->status = QUEUE_RCPT_DONE;
  st = G.a.req.r.st;
  queue_msg_keep(&G.sp, id, &st, 0, &se);
  queue_round_free(&G.a.req.r);
  memset(&G.a.req, 0, sizeof G.a.req);
  tap_ok(!queue_attempt_bounce_read(&G.a, slot) && queue_state_rcpt(&G.a.req.r.st, 2)->status == QUEUE_RCPT_DONE, "read again, with its state");
  tap_ok(queue_attempt_bounce(&G.a, "5.0.0 removed by its administrator", t), "bounced by request");
  tap_ok(said(" <a@example.com>: bounced by request: 5.0.0 removed") && said(" <b@example.net>: bounced by request") && !said("<c@example.org>"), "each recipient not done said, the one delivered not");
  tap_ok(G.injected == 1 && G.injected_n == 2 && !exists("cur", id) && !exists("state", id), "one bounce of the two, the message removed");
  rig_end();
}

int main (void)
{
  (void)&fake_result;  /* dispatch_fake.h's, for the dispatch tests */
  tap_plan(60);
  all_delivered();
  cur_stays();
  deferred();
  one_refused();
  throttled();
  lost_worker();
  unstartable();
  expiry_in_deferral();
  second_job();
  log_safe();
  begin();
  bounce_by_request();
  return tap_done();
}
