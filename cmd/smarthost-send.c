/* smarthost-send: the scheduler. Takes committed messages from the spool,
   feeds them to smarthost-remote workers, records per-recipient results in
   state/ID, retries, bounces, and pauses the whole queue when the upstream
   itself is broken. One process, one event loop (iopause). This file is
   the loop and its wiring; the decisions are modules, each with its state
   in a struct (doc/design.md, "The scheduler"):

     trigger FIFO ------\                       /--> worker 1 (smarthost-remote -w)
     signals (selfpipe) -+--> loop --> schedule -+--> worker 2      jobs on stdin,
     worker stdouts ----/    (tain)   gate, round \--> ...           results on stdout

     queue/queue_sched    the messages, a priority queue by next attempt
     queue/queue_dispatch which message to which worker when, the wake time
     lib/gate             pause, throttle hold, pacing
     queue/queue_attempt  an attempt carried out: the message read, jobs out,
                          results in, the gate told, bounces, removed or kept
     queue/queue_round    its policy: recipients, jobs, results, settle
     lib/bounce           bounces and delay warnings
     lib/pool             the worker processes
     queue/queue_report   queue/status, METRICS_FILE, ALERT_CMD
     queue/queue_verbs    smarthost-control's requests, the flush (over queue_control)
     queue/queue_pickup   new/ and cur/ into the schedule, state/ cleaned
     queue/queue_list     MAILQ_FILE
     lib/sendconf         the settings

   At start-up only the names in cur/ are read (the name is the id and the
   arrival time); a message's state file is read when it comes due, so
   100,000 queued messages cost a readdir, not 100,000 opens. */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/djbunix.h>
#include <skalibs/genalloc.h>
#include <skalibs/iopause.h>
#include <skalibs/selfpipe.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>

#include "bounce.h"
#include "gate.h"
#include "job.h"
#include "pool.h"
#include "route.h"
#include "route_gate.h"
#include "sendconf.h"
#include "queue.h"
#include "queue_attempt.h"
#include "queue_control.h"
#include "queue_dirs.h"
#include "queue_dispatch.h"
#include "queue_report.h"
#include "queue_round.h"
#include "queue_sched.h"
#include "queue_state.h"
#include "queue_list.h"
#include "queue_pickup.h"
#include "queue_status.h"
#include "queue_verbs.h"
#include "upconc.h"

#define USAGE "smarthost-send [ -v ]"
#define dieusage() strerr_dieusage(100, USAGE)

#define POPS_PER_TURN 1000    /* schedule pops per loop turn: stay responsive at scale */
#define JOB_TIMEOUT 1800      /* a worker silent this long on a job is killed */

/* ---- configuration, the spool, the loop's state ---- */

/* The settings, read once at start (lib/sendconf.h). */
static sendconf cf = SENDCONF_ZERO;

static queue_dirs SP = QUEUE_DIRS_ZERO;   /* the spool, open for the whole run */
/* With routes, each route has its own gate (pause, hold, probes): a
   password refused for one account must not stop the mail of another.
   L.gate then keeps only the pacing, which RATE_* sets for the relay.
   Without routes, L.gate is the one gate, as it always was. */
static route_gates RG = ROUTE_GATES_ZERO;
static upconc conc = UPCONC_ZERO;         /* the upstream's session limit (lib/upconc.h) */
static route_conc RC = ROUTE_CONC_ZERO;   /* with routes: one per route */

/* What the loop keeps between turns. */
typedef struct loop_s loopstate;
struct loop_s
{
  queue_sched sched;    /* the messages, by next attempt (queue/queue_sched.h) */
  gate gate;            /* pause, hold, pacing (lib/gate.h) */
  pool pool;            /* the workers (lib/pool.h) */
  genalloc pollfd;      /* iopause_fd: what the loop waits for */
  genalloc pollidx;     /* unsigned int: the worker of each pollfd after the first two */
  int sigfd;            /* the selfpipe */
  int stopping;         /* SIGTERM: finish jobs in flight, then exit */
  pid_t sizeprobe;      /* REMOTE --probe-size, until reaped */
};
static loopstate L = { QUEUE_SCHED_ZERO, { 0 }, POOL_ZERO, GENALLOC_ZERO, GENALLOC_ZERO, -1, 0, 0 };
static queue_verbs V = QUEUE_VERBS_ZERO;    /* requests, and the hold of the whole queue (queue/queue_verbs.h) */

static queue_report R = QUEUE_REPORT_ZERO;  /* queue/status, METRICS_FILE, ALERT_CMD */

/* ---- messages and the schedule (queue/queue_sched.h) ---- */

static void sched_push (uint32_t slot, time_t key)
{
  if (!queue_sched_push(&L.sched, slot, key)) strerr_diefu(111, "grow the schedule");
}

/* ---- time ---- */

/* The one clock is skalibs' STAMP: read at each turn of the loop and
   when a wait ends (iopause_g). The schedule, the state files and the
   logs count its seconds on the system clock. */
static time_t now (void)
{
  time_t t;
  return time_sysclock_from_tai(&t, tain_secp(&STAMP)) ? t : 0;
}

/* The dispatch decisions (queue/queue_dispatch.h) over the loop's state. */
static unsigned int route_of (char const *id, void *aux);
static queue_dispatch D = { &L.sched, &L.gate, &RG, &L.pool, &conc, 0, &route_of, 0, 0, QUEUE_DISPATCH_COUNT_ZERO };
#define STOP (L.stopping || V.held)

/* ---- signals: skalibs' selfpipe, which the loop reads ---- */

/* SIGPIPE is trapped too, and so ignored: a write to a dead worker says
   EPIPE. Trapped signals are blocked, and the workers and injectors
   start with none blocked, so with their default actions. */
static void sig_setup (void)
{
  sigset_t set;
  L.sigfd = selfpipe_init();
  if (L.sigfd < 0) strerr_diefusys(111, "create the selfpipe");
  sigemptyset(&set);
  sigaddset(&set, SIGTERM); sigaddset(&set, SIGALRM); sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGHUP); sigaddset(&set, SIGPIPE);
  if (!selfpipe_trapset(&set)) strerr_diefusys(111, "trap signals");
}

/* ---- workers (lib/pool.h) and what each carries ---- */

/* A worker's job: the message in flight and its round (queue/queue_dispatch.h). */
typedef queue_task task;

static task *task_of (pool_worker *w)
{
  task *k = queue_dispatch_task(w);
  if (!k) strerr_diefu(111, "allocate");
  return k;
}

/* A worker for route ri, started now (pool_new with the route's
   environment), or 0. */
static pool_worker *worker_start (unsigned int ri)
{
  pool_worker *w;
  L.pool.envp = cf.route_env[ri];
  w = pool_new(&L.pool);
  if (!w && errno) strerr_warnwu("grow the worker table");
  /* its task: no message carried yet (queue_dispatch_start) */
  if (w && !queue_dispatch_start(w, ri)) { strerr_warnwu("allocate a worker's task"); pool_close(w); w = 0; }
  if (w && !w->spawnerr && cf.verbose)
  {
    char fmt[PID_FMT];
    fmt[pid_fmt(fmt, w->pid)] = 0;
    strerr_warni("started worker ", fmt);
  }
  return w;
}

/* ---- the upstream's SIZE, known before the first message ---- */

/* The smtpd judges even the first message by the upstream's SIZE
   ($QUEUE/upstream-size): REMOTE --probe-size learns it at start, which
   is after every change of the configuration (a restart reads it). */
static void sizeprobe_start (void)
{
  char const *argv[3] = { cf.remote, "--probe-size", 0 };
  if (!cf.upstream && routes_n(&cf.routes) <= 1) return;  /* with routes: each route's */
  L.sizeprobe = child_spawn0(cf.remote, argv, (char const *const *)environ);
  if (!L.sizeprobe) strerr_warnwu("spawn ", cf.remote, " --probe-size");
}

static void sizeprobe_reap (void)
{
  int wstat;
  if (L.sizeprobe && waitpid(L.sizeprobe, &wstat, WNOHANG) == L.sizeprobe) L.sizeprobe = 0;
}

/* ---- results (queue/queue_attempt.h) ---- */

/* What queue_attempt decides is done to the worker's pipe, the
   injector and the log here. */

/* Sends the next job of the round: up to JOB_RCPTS recipients. 0, or -1
   when the worker cannot take it. */
static int attempt_send (pool_worker *w, void *aux)
{
  task *k = w->user;
  stralloc path = STRALLOC_ZERO, jobtext = STRALLOC_ZERO;
  int r = -1;
  (void)aux;
  if (!queue_msg_path(&path, cf.qdir, k->r.id) || !queue_round_job(&k->r, path.s, &jobtext)) goto end;
  r = pool_send(&L.pool, w, jobtext.s, jobtext.len, &STAMP);
 end:
  stralloc_free(&path);
  stralloc_free(&jobtext);
  return r;
}

static int attempt_inject (bounce const *b, dsn *d, int fd, void *aux)
{
  (void)aux;
  return bounce_queue(b, d, fd);
}

static void attempt_say (int kind, char const *line, void *aux)
{
  (void)aux;
  switch (kind)
  {
    case QUEUE_ATTEMPT_INFO: strerr_warni(line); break;
    case QUEUE_ATTEMPT_WARN: strerr_warnw(line); break;
    case QUEUE_ATTEMPT_UNABLE: strerr_warnwu(line); break;
    default: strerr_warnwusys(line); break;
  }
}

static queue_attempt_ops const attempt_ops = { &attempt_send, &attempt_inject, &attempt_say };
static queue_attempt A = { &cf, &D, &R, &SP, &STAMP, &L.stopping, &attempt_ops, 0, STRALLOC_ZERO, { STRALLOC_ZERO, STRALLOC_ZERO }, STRALLOC_ZERO,
  QUEUE_TASK_ZERO };

#define logsafe(slot, s) queue_attempt_safe(&A, (slot), (s))

static void job_line (pool_worker *w, char *line, void *aux)
{
  (void)aux;
  if (!queue_attempt_line(&A, w, line, now())) strerr_diefu(111, "allocate");
}

/* A worker that died or went silent without an M line: try again, never "delivered". */
static void job_lost (pool_worker *w, char const *why, void *aux)
{
  (void)aux;
  if (!queue_attempt_lost(&A, w, why, now())) strerr_diefu(111, "allocate");
}

static pool_ops const workers_ops = { &job_line, &job_lost, 0 };

/* ---- dispatching ---- */

/* The route of a message (ROUTES) plus 1, from its sender, or 0 when
   cur/ID cannot be read (queue_attempt_begin says why). Asked once per run
   (queue_dispatch_route). */
static unsigned int route_of (char const *id, void *aux)
{
  queue_env env = QUEUE_ENV_ZERO;
  unsigned int r = 0;
  (void)aux;
  if (queue_msg_env(&SP, id, &env) > 0) r = routes_match(&cf.routes, env.sender.s) + 1;
  queue_env_free(&env);
  return r;
}

/* Whether the loop can do something now: send the first message, or
   put it back because its route waits. */
static int progress_now (time_t t)
{
  return queue_dispatch_progress(&D, t, STOP);
}

/* What is due goes out, as the decisions say (queue/queue_dispatch.h). */
static void dispatch_due (void)
{
  unsigned int pops = 0;
  time_t t = now();
  queue_dispatch_pick p;
  int r;
  while (pops++ < POPS_PER_TURN && (r = queue_dispatch_next(&D, t, STOP, &p)))
  {
    pool_worker *w;
    if (r == QUEUE_DISPATCH_PARKED) continue;
    w = p.w ? p.w : worker_start(p.route);
    if (!w) { sched_push(p.slot, p.key); break; }
    r = queue_attempt_begin(&A, w, p.slot, t);
    if (r == QUEUE_ATTEMPT_NOMEM) strerr_diefu(111, "allocate");
    if (r == QUEUE_ATTEMPT_UNUSABLE)
    {
      /* a worker that dies before taking a job (REMOTE cannot run?):
         wait a second rather than fork in a loop */
      gate_hold_min(&L.gate, t + 1);
      break;
    }
  }
}

/* ---- the spool (queue/queue_dirs.h) ---- */

/* What a walk of the spool found wrong, or removed (queue/queue_dirs.h);
   aux is the directory walked. */
static void spool_said (char const *name, int what, void *aux)
{
  char const *dir = aux;
  name = logsafe(0, name);
  if (what == QUEUE_NOTREG) strerr_warnw(dir, name, " is not a regular file: left alone");
  else if (what == QUEUE_CLASH)
    strerr_warnw("move new/", name, " to cur/: File exists: another message under a queued id, left in new/, not scheduled");
  else if (what == QUEUE_REMOVED) strerr_warni("removed ", dir, name, ": left over for more than 36 hours");
  else if (!strcmp(dir, "new/")) strerr_warnwusys("move new/", name, " to cur/");
  else strerr_warnwusys("remove ", dir, name);
}

/* new/ to cur/: the scheduler has taken it. Attempted at once. */
static void scan_new (void)
{
  int r = queue_pickup_new(&L.sched, &SP, &spool_said, "new/");
  if (!r) strerr_diefu(111, "grow the message table");
  if (r < 0) strerr_warnwusys("open new/");
}

static void scan_cur (void)
{
  int r = queue_pickup_cur(&L.sched, &SP);
  if (!r) strerr_diefu(111, "grow the schedule");
  if (r < 0) strerr_diefusys(111, "open ", cf.qdir, "/cur");
}

/* State files of no queued message go, after scan_new took new/. */
static void clean_state (void)
{
  int r = queue_pickup_clean(&L.sched, &SP, &spool_said, "state/");
  if (!r) strerr_diefu(111, "allocate");
  if (r < 0) strerr_warnwusys("open state/");
}

static void swept_new (char const *name, int what, void *aux)
{
  (void)aux;
  if (what == QUEUE_REMOVED) strerr_warnw("removed new/", logsafe(0, name), ": no message, left there for more than 36 hours");
  else strerr_warnwusys("remove new/", logsafe(0, name), " (no message)");
}

/* tmp/ files older than 36 hours are what a killed injector left
   (queue/README.md): removed, at start and every RESCAN seconds; so is
   what is no message in new/ (queue_sweep_new). */
static void sweep_tmp (time_t t)
{
  if (queue_sweep_tmp(&SP, t - QUEUE_TMP_MAXAGE, &spool_said, "tmp/") < 0) strerr_warnwusys("open tmp/");
  if (queue_sweep_new(&SP, t - QUEUE_TMP_MAXAGE, &swept_new, 0) < 0) strerr_warnwusys("open new/");
}

/* ---- status, metrics, alerts (queue_status.h, alert.h) ---- */

static void alerted (char const *kind, char const *why, int run, void *aux)
{
  (void)aux;
  if (run < 0) strerr_warnwusys("run ALERT_CMD");
  else strerr_warnw("alert ", kind, ": ", why, run ? "" : " (no ALERT_CMD to run)");
}

/* The status, the metrics and the alerts (queue/queue_report.h). force:
   now, whatever the second (a control request). */
static void status_update (time_t t, int force)
{
  char const *failed;
  if (!queue_report_due(&R, t, force)) return;
  /* with routes: the first route paused or held (the reason names it) */
  queue_report_take(&R, &L.sched, &conc, route_gates_shown(&RG, t, &L.gate), V.held, t);
  queue_report_routes(&R, &RG, &cf.routes, &RC, t);  /* and every route's own line */
  queue_report_alerts(&R, t, &alerted, 0);
  if (queue_report_write(&R, t, force, &failed) < 0) strerr_warnwusys("write ", failed);
}

/* ---- requests: smarthost-control, sendmail -q, SIGALRM (queue/queue_verbs.h) ---- */

/* What the requests decide is queue/queue_verbs'; what they do to a
   message's files and workers, and the log lines, are here. */

static int in_flight (uint32_t slot, void *aux)
{
  unsigned int i = 0;
  (void)aux;
  for (; i < pool_n(&L.pool); i++)
    if (pool_at(&L.pool, i)->busy && task_of(pool_at(&L.pool, i))->slot == slot) return 1;
  return 0;
}

static int msg_remove (char const *id, void *aux)
{
  char const *what;
  int r = queue_msg_done(&SP, id, 1, &what);
  (void)aux;
  if (r > 0) strerr_warnwusys(what, id);
  return r < 0 ? -1 : 0;
}

/* A bounce by request (queue/queue_attempt.h) */
static char const *bounce_read (uint32_t slot, time_t t, void *aux)
{
  (void)t; (void)aux;
  return queue_attempt_bounce_read(&A, slot);
}

static int bounce_now (uint32_t slot, char const *reason, time_t t, void *aux)
{
  (void)slot; (void)aux;
  return queue_attempt_bounce(&A, reason, t);
}

static void verb_said (int what, char const *id, void *aux)
{
  (void)aux;
  switch (what)
  {
    case QUEUE_VERBS_HELD_ALL: strerr_warnw("queue held by request: nothing goes out until release"); break;
    case QUEUE_VERBS_RELEASED_ALL: strerr_warni("queue released by request"); break;
    case QUEUE_VERBS_HELD: strerr_warni(id, ": held by request"); break;
    case QUEUE_VERBS_RELEASED: strerr_warni(id, ": released by request"); break;
    case QUEUE_VERBS_REMOVED: strerr_warni(id, ": removed by request"); break;
    case QUEUE_VERBS_NOREMOVE: strerr_warnwusys("remove cur/", id); break;
    case QUEUE_VERBS_MARK: strerr_warnwusys("create control/", id ? "held." : "hold-all", id ? id : ""); break;
    case QUEUE_VERBS_UNMARK: strerr_warnwusys("remove control/", id ? "held." : "hold-all", id ? id : ""); break;
    case QUEUE_VERBS_RESTORED: strerr_warnw("the queue is held (control/hold-all): nothing goes out until smarthost-control release"); break;
    case QUEUE_VERBS_FLUSH: strerr_warni("retrying everything now"); break;
  }
}

static void verb_failed (char const *what, char const *req, void *aux)
{
  (void)aux;
  strerr_warnwusys(what, req);
}

static queue_verbs_ops const verbs_ops = { &in_flight, &msg_remove, &bounce_read, &bounce_now, &verb_said, &verb_failed };

/* The requests in control/, in the order they were made, each applied,
   answered, removed. */
static void control_apply (void)
{
  if (V.ctl < 0) return;
  if (queue_verbs_apply(&V, now()) < 0)
  {
    if (errno == ENOMEM) strerr_diefu(111, "allocate");
    strerr_warnwusys("read control/");
  }
  status_update(now(), 1);
}

/* control/ and what it keeps across a restart: the whole queue held,
   messages held. */
static void control_open (void)
{
  V.sched = &L.sched; V.gate = &L.gate; V.rg = &RG; V.ops = &verbs_ops;
  if (queue_verbs_open(&V, cf.qdir) < 0) strerr_warnwusys("open ", cf.qdir, "/control: no control requests");
}

/* ---- MAILQ_FILE (queue_list.h) ---- */

static queue_listing LQ = QUEUE_LISTING_ZERO;  /* MAILQ_FILE, for the instance's group */

static void listing_update (time_t t)
{
  if (queue_listing_update(&LQ, R.written, t) == -1) strerr_warnwusys("write the listing ", LQ.file);
}

/* ---- configuration ---- */

/* A bad setting stops the start, named (lib/sendconf.h). */
static void config_read (void)
{
  stralloc err = STRALLOC_ZERO;
  static stralloc status = STRALLOC_ZERO;
  int r = sendconf_read(&cf, &err);
  if (r < 0 && !err.len) strerr_diefu1sys(111, "allocate");
  if (r < 0) strerr_diefsys(111, err.s);
  if (!r) strerr_dief(100, err.s);
  stralloc_free(&err);
  if (!queue_status_path(&status, cf.qdir)) strerr_diefu(111, "allocate");
  R.status = status.s;
  R.metrics = cf.metrics;
  R.alert_cmd = cf.alert_cmd;
  R.alert.maxage = cf.alert_age;
  LQ.q = cf.qdir;
  LQ.file = cf.mailq_file;
  if (!cf.upstream && routes_n(&cf.routes) <= 1)
    strerr_warni("no upstream configured: mail is accepted and held in ", cf.qdir,
      "; write host:port into the instance's conf/UPSTREAM (and UPSTREAM_USER, UPSTREAM_PASSFILE for AUTH),"
      " then restart this service (s6-svc -r)");
}

static void spool_open (void)
{
  char const *what;
  if (queue_dirs_open(&SP, cf.qdir, &what) < 0) strerr_diefusys(111, "open ", cf.qdir, *what ? "/" : "", what);
}

/* ---- the loop ---- */

/* When the loop wakes at the latest: the first message due (if the gate
   and a worker let it go), a worker's deadline, RESCAN, the status. */
static void next_wake (time_t t, tain *wake)
{
  time_t w = queue_dispatch_wake(&D, t, STOP, t + cf.rescan);
  if (w > t + QUEUE_REPORT_EVERY) w = t + QUEUE_REPORT_EVERY;  /* the status's ages stay fresh */
  if (R.due && w > t + 1) w = t + 1;
  w = queue_listing_wake(&LQ, R.written, w);
  tain_addsec(wake, &STAMP, w <= t ? 0 : (int)(w - t));
  pool_wake(&L.pool, wake);
}

static int handle_signals (void)
{
  int c, rescan_now = 0;
  while ((c = selfpipe_read()) > 0)
  {
    if (c == SIGHUP) rescan_now = 1;  /* nothing to reload: look into new/ */
    else if (c == SIGTERM)
    {
      if (!L.stopping) strerr_warni("stopping: finishing jobs in flight");
      L.stopping = 1;
    }
    else if (c == SIGALRM) { queue_verbs_flush(&V, 1, now()); rescan_now = 1; }
    else if (c == SIGCHLD) { pool_reap(&L.pool, &workers_ops); sizeprobe_reap(); }
    /* SIGPIPE: nothing (a dead worker's pipe said EPIPE) */
  }
  if (c < 0) strerr_diefusys(111, "read the selfpipe");
  return rescan_now;
}

/* Sleeps until deadline, or until a signal, the trigger or a worker's
   output comes, and handles what came. Returns 1 when new/ was scanned.
   The descriptors are on the heap (L.pollfd): there is one per worker. */
static int loop_wait (tain const *deadline)
{
  unsigned int n, i;
  int scanned = 0;
  iopause_fd head[2], *x;
  head[0].fd = L.sigfd; head[1].fd = SP.trigger;
  head[0].events = head[1].events = IOPAUSE_READ;
  head[0].revents = head[1].revents = 0;
  genalloc_setlen(iopause_fd, &L.pollfd, 0);
  genalloc_setlen(unsigned int, &L.pollidx, 0);
  if (!genalloc_catb(iopause_fd, &L.pollfd, head, 2) || !pool_pollfds(&L.pool, &L.pollfd, &L.pollidx))
    strerr_diefu(111, "allocate");
  x = genalloc_s(iopause_fd, &L.pollfd);
  n = genalloc_len(iopause_fd, &L.pollfd);
  if (iopause_g(x, n, deadline) < 0)
  {
    if (errno == EINTR) return 0;
    strerr_diefusys(111, "iopause");
  }
  if (x[0].revents & IOPAUSE_READ && handle_signals()) { scan_new(); scanned = 1; }
  if (x[1].revents & IOPAUSE_READ)
  {
    if (queue_trigger_read(&SP)) queue_verbs_flush_trigger(&V, now());
    scan_new();  /* first: a request may name a message just committed */
    control_apply();
    scanned = 1;
  }
  for (i = 2; i < n; i++)
    if (x[i].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    {
      pool_worker *w = pool_at(&L.pool, genalloc_s(unsigned int, &L.pollidx)[i - 2]);
      if (w->out >= 0) pool_read(w, &workers_ops);
    }
  return scanned;
}

static void loop (void)
{
  time_t last_scan = now(), last_sweep = last_scan;
  for (;;)
  {
    time_t t;
    tain wake;
    if (L.stopping && !pool_busy(&L.pool)) return;
    tain_now_g();
    dispatch_due();
    t = now();
    /* the pop budget ran out with work left: come straight back */
    if (progress_now(t)) wake = STAMP;
    else next_wake(t, &wake);
    if (loop_wait(&wake)) last_scan = now();
    t = now();
    pool_watchdog(&L.pool, &STAMP, &workers_ops);
    if (t - last_scan >= (time_t)cf.rescan) { scan_new(); last_scan = t; }
    if (t - last_sweep >= (time_t)cf.rescan) { sweep_tmp(t); last_sweep = t; }
    status_update(t, 0);
    listing_update(t);
  }
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  PROG = "smarthost-send";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "v", &l);
    if (opt == -1) break;
    if (opt == 'v') cf.verbose = 1; else dieusage();
  }
  argc -= l.ind; argv += l.ind;
  if (argc) dieusage();
  tain_now_g();
  config_read();
  D.nroutes = routes_n(&cf.routes);
  L.pool.prog = cf.remote;
  L.pool.max = cf.concurrency;
  L.pool.timeout = JOB_TIMEOUT;
  spool_open();
  sig_setup();
  if (!gate_init(&L.gate, cf.retry, cf.nretry, cf.rate_minute, cf.rate_hour)) strerr_diefu(111, "allocate the rate limiter");
  gate_set_probe(&L.gate, cf.probe, cf.nprobe);
  if (!route_gates_init(&RG, routes_n(&cf.routes), cf.retry, cf.nretry, cf.probe, cf.nprobe)) strerr_diefu(111, "allocate");
  if (RG.n && !route_conc_init(&RC, RG.n, cf.concurrency)) strerr_diefu(111, "allocate");
  D.rconc = &RC;  /* a session limit per route (none without routes) */
  upconc_init(&conc, cf.concurrency);
  sizeprobe_start();
  sweep_tmp(now());
  scan_cur();
  scan_new();
  clean_state();
  control_open();
  R.s.started = now();
  {
    char fmt[UINT64_FMT];
    fmt[uint64_fmt(fmt, L.sched.n)] = 0;
    strerr_warni("started: ", fmt, " messages queued");
  }
  control_apply();
  loop();
  /* EOF on their stdin tells idle workers to QUIT and exit */
  pool_close_all(&L.pool);
  strerr_warni("stopped");
  return 0;
}
