/* smarthost-send: the scheduler. Takes committed messages from the spool,
   feeds them to smarthost-remote workers, records per-recipient results in
   state/ID, retries, bounces, and pauses the whole queue when the upstream
   itself is broken. One process, one event loop (iopause):

     trigger FIFO ----\                     /--> worker 1 (smarthost-remote -w)
     signals (pipe) ---+--> loop --> prioq -+--> worker 2      jobs on stdin,
     worker stdouts --/     timers          \--> ...           results on stdout

   The schedule is a priority queue (lib/prioq.h) of messages keyed by their next attempt
   time, so each decision costs O(log n). At start-up only the names in cur/
   are read (the name is the id and the arrival time); a message's state
   file is read when it comes due, so 100,000 queued messages cost a readdir,
   not 100,000 opens. */

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/genalloc.h>
#include <skalibs/iopause.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <skalibs/unix-transactional.h>

#include "alert.h"
#include "envnum.h"
#include "dsn.h"
#include "bounce.h"
#include "gate.h"
#include "job.h"
#include "prioq.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "queue_control.h"
#include "queue_dirs.h"
#include "queue_state.h"
#include "queue_status.h"
#include "reply_fields.h"
#include "upconc.h"

#define USAGE "smarthost-send [ -v ]"
#define dieusage() strerr_dieusage(100, USAGE)

#define POPS_PER_TURN 1000    /* schedule pops per loop turn: stay responsive at scale */
#define JOB_TIMEOUT 1800      /* a worker silent this long on a job is killed */
#define RATE_MAX 1000000
#define CONCURRENCY_MAX 1000  /* each worker is a process and an upstream session */
#define TMP_MAXAGE 129600     /* tmp/ files older than 36 hours are removed */

/* ---- configuration, the spool, the loop's state ---- */

/* The environment, read once by config(). */
typedef struct config_s config;
struct config_s
{
  char const *qdir;            /* QUEUE */
  char const *remote;          /* REMOTE: the worker program */
  char const *upstream;        /* UPSTREAM, TLS, mechanism: for log lines without an S line */
  char const *tls;
  char const *mech;
  unsigned int concurrency;    /* CONCURRENCY, at most CONCURRENCY_MAX */
  unsigned int *retry;         /* RETRY, nretry >= 1 delays */
  unsigned int nretry;
  unsigned int rescan;         /* RESCAN */
  unsigned int rate_minute;    /* RATE_MINUTE, RATE_HOUR */
  unsigned int rate_hour;
  int verbose;                 /* -v */
  int token;                   /* UPSTREAM_TOKENCMD is set: OAuth2 */
  bounce bounce;               /* HELONAME, POSTMASTER, LIFETIME, DELAYWARN */
};
static config cf = { 0, "smarthost-remote", 0, "starttls", "none", 4, 0, 0, 600, 0, 0, 0, 0, BOUNCE_ZERO };

static queue_dirs SP = QUEUE_DIRS_ZERO;   /* the spool, open for the whole run */
static upconc conc = UPCONC_ZERO;         /* the upstream's session limit (lib/upconc.h) */

/* What the loop keeps between turns. */
typedef struct loop_s loopstate;
struct loop_s
{
  genalloc msgs;        /* msg, indexed by slot */
  genalloc freeslots;   /* uint32_t */
  prioq sched;          /* slots by next attempt (lib/prioq.h) */
  size_t nqueued;       /* messages known (scheduled or in flight) */
  gate gate;            /* pause, hold, pacing (lib/gate.h) */
  genalloc workers;     /* worker */
  genalloc pollfd;      /* iopause_fd: what the loop waits for */
  genalloc pollidx;     /* unsigned int: the worker of each pollfd after the first two */
  int sigpipe[2];       /* the signal handler writes, the loop reads */
  int stopping;         /* SIGTERM: finish jobs in flight, then exit */
};
static loopstate L = { GENALLOC_ZERO, GENALLOC_ZERO, PRIOQ_ZERO, 0, { 0 }, GENALLOC_ZERO, GENALLOC_ZERO, GENALLOC_ZERO, { -1, -1 }, 0 };

/* ---- messages and the schedule ---- */

#define MSG_UNKNOWN 1   /* state file not read since start-up: respect its next time */
#define MSG_HELD 2      /* held by smarthost-control: not dispatched */
#define MSG_PARKED 4    /* held and taken out of the schedule */

typedef struct msg_s msg;
struct msg_s
{
  char id[QUEUE_ID_SIZE];
  unsigned char flags;
};

static queue_status S = QUEUE_STATUS_ZERO;  /* for queue/status and METRICS_FILE */
static void status_attempt (char const *id, char const *verdict, char const *code, char const *text);
static void status_paused (char const *advice, char const *code, char const *text);
static int control_held (void);

#define MSG(i) (genalloc_s(msg, &L.msgs) + (i))

/* Among messages due at the same second, the oldest first: the id's
   seconds and nanoseconds. */
static uint64_t id_tie (char const *id)
{
  uint64_t sec = 0, ns = 0;
  size_t n = uint64_scan(id, &sec);
  if (id[n] == '.') uint64_scan(id + n + 1, &ns);
  return sec * 1000000000u + ns;
}

static void sched_push (uint32_t slot, time_t key)
{
  if (!prioq_push(&L.sched, key, id_tie(MSG(slot)->id), slot)) strerr_diefu(111, "grow the schedule");
}

static uint32_t msg_new (char const *id, unsigned char flags)
{
  uint32_t slot;
  msg m;
  memcpy(m.id, id, QUEUE_ID_SIZE);
  m.flags = flags;
  if (genalloc_len(uint32_t, &L.freeslots))
  {
    size_t n = genalloc_len(uint32_t, &L.freeslots) - 1;
    slot = genalloc_s(uint32_t, &L.freeslots)[n];
    genalloc_setlen(uint32_t, &L.freeslots, n);
    *MSG(slot) = m;
  }
  else
  {
    slot = genalloc_len(msg, &L.msgs);
    if (!genalloc_append(msg, &L.msgs, &m)) strerr_diefu(111, "grow the message table");
  }
  L.nqueued++;
  return slot;
}

static void msg_free (uint32_t slot)
{
  MSG(slot)->id[0] = 0;
  MSG(slot)->flags = 0;
  L.nqueued--;
  if (!genalloc_append(uint32_t, &L.freeslots, &slot)) strerr_diefu(111, "grow the free list");
}

static time_t id_arrival (char const *id)
{
  uint64_t t = 0;
  uint64_scan(id, &t);
  return (time_t)t;
}

/* ---- log lines ---- */

/* An address or other outside text in the printable form of
   lib/printable.h, for a log line: 8-bit and control bytes (a terminal's
   0x9b or 0x1b) never reach the log raw. One slot per argument of a line. */
static char const *logsafe (unsigned int slot, char const *s)
{
  static stralloc sa[2];
  sa[slot].len = 0;
  if (!printable_cat(&sa[slot], s, strlen(s)) || !stralloc_0(&sa[slot])) return "?";
  return sa[slot].s;
}

/* ---- time ---- */

static time_t now (void)
{
  return time(0);
}

static double mono (void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned int retry_delay (unsigned int n)
{
  return gate_retry_delay(&L.gate, n);
}

/* ---- the gate's log lines ---- */

/* What gate_result changed, said once, with what to fix. */
static void gate_log (gate_event const *ev, char const *code, char const *text)
{
  static stralloc once = STRALLOC_ZERO;
  char fmt[UINT64_FMT];
  unsigned int c = 0;
  /* the upstream's reply once: a text of ours may repeat the code */
  uint_scan(code, &c);
  once.len = 0;
  if (reply_text_once(&once, c, text) && stralloc_0(&once)) text = once.s;
  switch (ev->what)
  {
    case GATE_PAUSED:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      strerr_warnw("queue paused, mail is kept: ", gate_advice_cause(L.gate.pause_class, text, cf.token),
        " (upstream said: ", code, " ", text, "); probing again in ", fmt, " s");
      status_paused(gate_advice_cause(L.gate.pause_class, text, cf.token), code, text);
      break;
    case GATE_STILL_PAUSED:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      if (cf.verbose) strerr_warni("probe failed, still paused (", L.gate.pause_class, "): next probe in ", fmt, " s");
      break;
    case GATE_RESUMED:
      fmt[uint64_fmt(fmt, (uint64_t)ev->paused)] = 0;
      strerr_warni("upstream works again: queue resumed after ", fmt, " s paused");
      break;
    case GATE_HELD:
      fmt[uint_fmt(fmt, ev->delay)] = 0;
      strerr_warnw("upstream throttles us (", code, " ", text, "): whole queue waits ", fmt, " s");
      break;
  }
}

/* ---- signals: a self-pipe the loop reads ---- */

static void sig_handler (int sig)
{
  unsigned char c = sig;
  int e = errno;
  if (write(L.sigpipe[1], &c, 1) < 0) {}
  errno = e;
}

static void sig_setup (void)
{
  struct sigaction sa;
  if (pipe2(L.sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) strerr_diefusys(111, "create the signal pipe");
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = &sig_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  if (sigaction(SIGTERM, &sa, 0) < 0 || sigaction(SIGALRM, &sa, 0) < 0
   || sigaction(SIGCHLD, &sa, 0) < 0 || sigaction(SIGHUP, &sa, 0) < 0)
    strerr_diefusys(111, "trap signals");
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);
}

/* ---- workers ---- */

typedef struct worker_s worker;
struct worker_s
{
  pid_t pid;            /* 0: slot free (reaped) */
  int in, out;          /* its stdin (we write jobs), its stdout (we read results); -1 closed */
  int busy;
  int probe;
  uint32_t slot;        /* the message in flight */
  double started;
  time_t deadline;
  job_reader rd;        /* its output (lib/job.h) */
  stralloc info;        /* host, TLS version, AUTH mechanism from an S line */
  queue_env env;        /* the message's envelope */
  queue_state st;       /* its state, as read at dispatch */
  int hadstate;         /* state/ID existed at dispatch */
  /* One attempt at a message (a round) is one job per JOB_RCPTS recipients,
     all to this worker, so in one upstream session. */
  genalloc pend;        /* uint32_t: indices in st of the round's recipients */
  size_t pendpos;       /* pend[0..pendpos) went out in jobs */
  size_t jobstart;      /* the job in flight is pend[jobstart..pendpos) */
  genalloc res;         /* job_res: the R lines of the job in flight */
  stralloc restext;     /* their texts */
  genalloc failed;      /* uint32_t: indices in st refused for good this round */
  genalloc idx;         /* uint32_t: scratch list of indices in st */
  int tried;            /* a job of this round reached a verdict */
};

/* An R line of the job in flight, kept until its M line says what it
   counts for (doc/interfaces.md). */
typedef struct job_res_s job_res;
struct job_res_s
{
  unsigned int status;  /* JOB_OK, JOB_DEFER, JOB_FAIL */
  unsigned int code;
  size_t text;          /* in restext */
};

#define PEND(w) genalloc_s(uint32_t, &(w)->pend)
#define NPEND(w) genalloc_len(uint32_t, &(w)->pend)
#define NJOB(w) ((w)->pendpos - (w)->jobstart)

#define WORKER(i) (genalloc_s(worker, &L.workers) + (i))
#define NWORKERS genalloc_len(worker, &L.workers)

static unsigned int workers_live (void)
{
  unsigned int i = 0, n = 0;
  for (; i < NWORKERS; i++) if (WORKER(i)->in >= 0) n++;
  return n;
}

static unsigned int workers_busy (void)
{
  unsigned int i = 0, n = 0;
  for (; i < NWORKERS; i++) if (WORKER(i)->busy) n++;
  return n;
}

static worker *worker_spawn (void)
{
  int in[2], out[2];
  pid_t pid;
  worker *w = 0;
  unsigned int i = 0;
  for (; i < NWORKERS; i++)
    if (!WORKER(i)->pid && WORKER(i)->in < 0 && WORKER(i)->out < 0) { w = WORKER(i); break; }
  if (!w)
  {
    worker z;
    memset(&z, 0, sizeof z);
    z.in = z.out = -1;
    z.rd.max = JOB_RESULT_LINE_MAX;
    if (!genalloc_append(worker, &L.workers, &z)) { strerr_warnwu("grow the worker table"); return 0; }
    w = WORKER(NWORKERS - 1);
  }
  if (pipe2(in, O_CLOEXEC) < 0) { strerr_warnwusys("create a pipe"); return 0; }
  if (pipe2(out, O_CLOEXEC) < 0) { strerr_warnwusys("create a pipe"); fd_close(in[0]); fd_close(in[1]); return 0; }
  pid = fork();
  if (pid < 0)
  {
    strerr_warnwusys("fork");
    fd_close(in[0]); fd_close(in[1]); fd_close(out[0]); fd_close(out[1]);
    return 0;
  }
  if (!pid)
  {
    char const *argv[3] = { cf.remote, "-w", 0 };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, 0);
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0) _exit(111);
    execvp(cf.remote, (char *const *)argv);
    strerr_dieexec(111, cf.remote);
  }
  fd_close(in[0]);
  fd_close(out[1]);
  if (ndelay_on(out[0]) < 0) strerr_warnwusys("set a pipe non-blocking");
  w->pid = pid;
  w->in = in[1];
  w->out = out[0];
  w->busy = 0;
  w->rd.buf.len = w->rd.start = 0;
  if (cf.verbose) { char fmt[PID_FMT]; fmt[pid_fmt(fmt, pid)] = 0; strerr_warni("started worker ", fmt); }
  return w;
}

/* An idle worker (spawned if need be) while the upstream's session
   limit leaves room; else 0. */
static worker *worker_idle (void)
{
  unsigned int i = 0;
  if (workers_busy() >= conc.limit) return 0;
  for (; i < NWORKERS; i++)
    if (WORKER(i)->in >= 0 && !WORKER(i)->busy) return WORKER(i);
  if (workers_live() < conc.limit) return worker_spawn();
  return 0;
}

static void worker_close (worker *w)
{
  if (w->in >= 0) fd_close(w->in);
  if (w->out >= 0) fd_close(w->out);
  w->in = w->out = -1;
}

/* Idle workers beyond the upstream's session limit end (EOF on their
   stdin: QUIT, exit): an idle session still counts against the
   upstream's cap. */
static void workers_trim (void)
{
  unsigned int i = 0;
  for (; i < NWORKERS && workers_live() > conc.limit; i++)
    if (WORKER(i)->in >= 0 && !WORKER(i)->busy) worker_close(WORKER(i));
}

/* ---- the upstream's SIZE, known before the first message ---- */

static pid_t sizeprobe_pid;  /* REMOTE --probe-size, until reaped */

/* The smtpd judges even the first message by the upstream's SIZE
   ($QUEUE/upstream-size): REMOTE --probe-size learns it at start, which
   is after every change of the configuration (a restart reads it). */
static void sizeprobe_start (void)
{
  char const *argv[3] = { cf.remote, "--probe-size", 0 };
  if (!cf.upstream) return;
  sizeprobe_pid = child_spawn0(cf.remote, argv, (char const *const *)environ);
  if (!sizeprobe_pid) strerr_warnwu("spawn ", cf.remote, " --probe-size");
}

static void sizeprobe_reap (void)
{
  int wstat;
  if (sizeprobe_pid && waitpid(sizeprobe_pid, &wstat, WNOHANG) == sizeprobe_pid) sizeprobe_pid = 0;
}

/* ---- message files ---- */

/* Opens cur/ID for reading (queue_msg_openat: a regular file, not
   through a link, never blocking on a FIFO). -1 with errno; EPROTO: not
   a regular file. */
static int msg_open (char const *id)
{
  int fd = queue_msg_openat(SP.cur, id);
  if (fd < 0 && (errno == ELOOP || errno == EFTYPE_QUEUE)) errno = EPROTO;
  return fd;
}

/* ---- bounces ---- */

/* Injects a notification (lib/bounce.h) for the recipients idx[0..n-1]
   of the message w carries. Returns 1 when it is queued (or need not be
   sent), 0 when it failed (the caller keeps the recipients for a later
   try). */
static int bounce_send (worker *w, uint32_t const *idx, size_t n, int delayed, char const *status)
{
  char const *id = MSG(w->slot)->id;
  char const *what = delayed ? "delay warning" : "bounce";
  dsn d;
  int fd, wstat;
  size_t i;
  /* on the heap: a message may have 100,000 recipients */
  dsn_rcpt *rr = calloc(n ? n : 1, sizeof *rr);
  if (!rr) { strerr_warnwu("allocate the bounce of ", id); return 0; }
  for (i = 0; i < n; i++)
  {
    rr[i].addr = queue_state_addr(&w->st, idx[i]);
    rr[i].code = queue_state_rcpt(&w->st, idx[i])->code;
    rr[i].status = status;
    rr[i].text = queue_state_text(&w->st, idx[i]);
  }
  d.id = id; d.arrival = id_arrival(id); d.now = now(); d.delayed = delayed;
  d.rcpts = rr; d.n = (unsigned int)n;
  d.to = bounce_to(&cf.bounce, w->env.sender.s, delayed, rr, d.n);
  if (!d.to)
  {
    /* never a bounce of a bounce: no loop */
    for (i = 0; !delayed && i < n; i++)
      strerr_warnw(id, ": dropping failed bounce to <", logsafe(0, rr[i].addr), ">: ", rr[i].text);
    free(rr);
    return 1;
  }
  fd = msg_open(id);
  if (fd < 0 || lseek(fd, w->env.body, SEEK_SET) < 0)
  {
    strerr_warnwusys("open cur/", id, " for its ", what);
    if (fd >= 0) fd_close(fd);
    free(rr);
    return 0;
  }
  {
    /* Remote-MTA: the upstream the worker names (its S line), else UPSTREAM */
    bounce b = cf.bounce;
    if (w->info.len) b.upstream = w->info.s;
    wstat = bounce_queue(&b, &d, fd);
  }
  fd_close(fd);
  free(rr);
  if (wstat < 0) { strerr_warnwusys("start the injector for a ", what, " of ", id); return 0; }
  if (!WIFEXITED(wstat) || WEXITSTATUS(wstat))
  {
    qq_verdict const *v = qq_verdict_of(wstat);
    strerr_warnwu("queue the ", what, " of ", id, ": ", v->ecode, " ", v->text);
    return 0;
  }
  strerr_warni(id, ": ", what, " queued for <", logsafe(0, d.to), ">");
  if (!delayed) S.bounces++;
  return 1;
}

/* ---- removing and requeueing ---- */

static void msg_done (worker *w)
{
  char const *what;
  char const *id = MSG(w->slot)->id;
  int r = queue_msg_done(&SP, id, w->hadstate, &what);
  if (r < 0)
  {
    strerr_warnwusys("remove cur/", id);
    sched_push(w->slot, now() + retry_delay(0));
    return;
  }
  if (r > 0) strerr_warnwusys(what, id);
  if (cf.verbose) strerr_warni(id, ": finished");
  msg_free(w->slot);
}

/* ---- dispatching ---- */

/* Sends the next job of the round: up to JOB_RCPTS recipients. 0, or -1
   when the worker cannot take it. */
static int job_send (worker *w, time_t t)
{
  stralloc s = STRALLOC_ZERO, path = STRALLOC_ZERO;
  char const *id = MSG(w->slot)->id;
  size_t end = NPEND(w) - w->pendpos > JOB_RCPTS ? w->pendpos + JOB_RCPTS : NPEND(w);
  size_t i;
  int r;
  if (!stralloc_cats(&s, cf.qdir) || !stralloc_cats(&s, "/cur/") || !stralloc_cats(&s, id)
   || !stralloc_0(&s) || !job_put_start(&path, s.s)) goto nomem;
  for (i = w->pendpos; i < end; i++)
    if (!job_put_rcpt(&path, queue_state_addr(&w->st, PEND(w)[i]))) goto nomem;
  if (!job_put_end(&path)) goto nomem;
  r = allwrite(w->in, path.s, path.len) == path.len ? 0 : -1;
  stralloc_free(&s);
  stralloc_free(&path);
  w->jobstart = w->pendpos;
  w->pendpos = end;
  genalloc_setlen(job_res, &w->res, 0);
  w->restext.len = 0;
  w->info.len = 0;
  w->started = mono();
  w->deadline = t + JOB_TIMEOUT;
  return r;
 nomem:
  stralloc_free(&s);
  stralloc_free(&path);
  return -1;
}

static void idx_add (genalloc *g, uint32_t k)
{
  if (!genalloc_append(uint32_t, g, &k)) strerr_diefu(111, "allocate");
}

/* The round: every recipient of the envelope not done or failed, each
   once however often and in whatever case of its domain the envelope names
   it (addr_same). An empty address (the injector takes one) can never be
   delivered: it is refused for good at once. */
static void round_plan (worker *w)
{
  size_t i, pos = 0, n;
  stralloc seen = STRALLOC_ZERO;
  genalloc_setlen(uint32_t, &w->pend, 0);
  genalloc_setlen(uint32_t, &w->failed, 0);
  w->pendpos = w->jobstart = 0;
  w->tried = 0;
  /* which recipients of the state the envelope names: a state line for
     an address not in the envelope (a file edited by hand) is left alone */
  for (i = 0; i < w->env.nrcpt; i++)
  {
    char const *a = w->env.rcpts.s + pos;
    int k = queue_state_add(&w->st, a);
    pos += strlen(a) + 1;
    if (k < 0) strerr_diefu(111, "allocate");
    if (seen.len <= (size_t)k)
    {
      size_t old = seen.len;
      if (!stralloc_readyplus(&seen, k + 1 - old)) strerr_diefu(111, "allocate");
      memset(seen.s + old, 0, k + 1 - old);
      seen.len = k + 1;
    }
    seen.s[k] = 1;
  }
  n = queue_state_n(&w->st);
  for (i = 0; i < n && i < seen.len; i++)
  {
    if (!seen.s[i] || queue_state_rcpt(&w->st, i)->status != QUEUE_RCPT_DEFER) continue;
    if (!*queue_state_addr(&w->st, i))
    {
      if (!queue_state_set_at(&w->st, i, QUEUE_RCPT_DEFER, 0, "5.1.3 empty recipient address")) strerr_diefu(111, "allocate");
      idx_add(&w->failed, i);
      strerr_warni(MSG(w->slot)->id, " <>: failed 000 5.1.3 empty recipient address");
    }
    else idx_add(&w->pend, i);
  }
  stralloc_free(&seen);
}

static void msg_settle (worker *w, time_t t);

/* Returns 1 when a job went out, 0 when the message needed nothing now
   (rescheduled, finished or dropped), -1 when the worker is unusable. */
static int dispatch (worker *w, uint32_t slot, time_t t)
{
  msg *m = MSG(slot);
  int fd, r;
  w->slot = slot;
  /* the state first: a message not due yet after a restart costs one open */
  r = queue_state_read(SP.state, m->id, &w->st);
  if (r < 0)
  {
    strerr_warnwusys("read state/", m->id, ", trying every recipient not known done");
    queue_state_clear(&w->st);
  }
  w->hadstate = r != 0;
  if (m->flags & MSG_HELD) { m->flags |= MSG_PARKED; return 0; }  /* out of the schedule until released */
  if (r > 0 && (m->flags & MSG_UNKNOWN) && w->st.next > t)
  {
    /* first look since start-up, and not due yet: reschedule, cheaply */
    m->flags &= ~MSG_UNKNOWN;
    sched_push(slot, w->st.next);
    return 0;
  }
  fd = msg_open(m->id);
  if (fd < 0)
  {
    if (errno == ENOENT) { queue_state_remove(SP.state, m->id); msg_free(slot); return 0; }
    if (errno == EPROTO) { strerr_warnw("cur/", m->id, " is not a regular file: left alone, not scheduled"); msg_free(slot); return 0; }
    strerr_warnwusys("open cur/", m->id);
    sched_push(slot, t + retry_delay(0));
    return 0;
  }
  r = queue_env_read(fd, &w->env);
  fd_close(fd);
  if (r <= 0)
  {
    if (r < 0) { strerr_warnwusys("read cur/", m->id); sched_push(slot, t + retry_delay(0)); }
    else { strerr_warnw("cur/", m->id, " is malformed: left alone, not scheduled"); msg_free(slot); }
    return 0;
  }
  m->flags &= ~MSG_UNKNOWN;
  round_plan(w);
  if (!NPEND(w))
  {
    if (genalloc_len(uint32_t, &w->failed)) msg_settle(w, t);
    else msg_done(w);
    return 0;
  }
  if (job_send(w, t) < 0)
  {
    /* the worker died between jobs: not an attempt, try another one */
    worker_close(w);
    sched_push(slot, t);
    return -1;
  }
  w->busy = 1;
  w->probe = gate_send(&L.gate, t);
  return 1;
}

/* When the next message may go out, ignoring the schedule: 0 now, -1
   never (stopping, or a probe in flight), else a time. */
static time_t gate_at (time_t t)
{
  return L.stopping || control_held() ? -1 : gate_when(&L.gate, t);
}

/* 1 when the first message of the schedule may go now. */
static int due_now (time_t t)
{
  prioq_elt e;
  return prioq_min(&L.sched, &e) && e.key <= t && !gate_at(t);
}

static void dispatch_due (void)
{
  unsigned int pops = 0;
  time_t t = now();
  while (pops++ < POPS_PER_TURN && due_now(t))
  {
    worker *w = worker_idle();
    prioq_elt e;
    if (!w) break;
    prioq_pop(&L.sched, &e);
    if (dispatch(w, e.item, t) < 0)
    {
      /* a worker that dies before taking a job (REMOTE cannot run?):
         wait a second rather than fork in a loop */
      gate_hold_min(&L.gate, t + 1);
      break;
    }
  }
}

/* ---- results ---- */

static void log_attempt (worker *w, char const *rcpt, char const *verdict, unsigned int code, char const *text, double lat)
{
  static stralloc once = STRALLOC_ZERO;
  char fmt[UINT_FMT];
  char ms[UINT64_FMT];
  /* without an S line from the worker: what the configuration asks for */
  char const *host = cf.upstream ? cf.upstream : "-", *tls = cf.tls, *mech = cf.mech;
  if (w->info.len)
  {
    /* the S line, stored as host\0tls\0mech\0 */
    host = w->info.s;
    tls = host + strlen(host) + 1;
    mech = tls + strlen(tls) + 1;
  }
  /* three digits always: 000 is "no reply, the failure is ours" */
  fmt[0] = '0' + code / 100 % 10; fmt[1] = '0' + code / 10 % 10; fmt[2] = '0' + code % 10; fmt[3] = 0;
  ms[uint64_fmt(ms, (uint64_t)(lat * 1000))] = 0;
  /* the code once: a text of ours may repeat it (lib/reply_fields.h) */
  once.len = 0;
  if (reply_text_once(&once, code, text) && stralloc_0(&once)) text = once.s;
  strerr_warni(MSG(w->slot)->id, " <", logsafe(0, rcpt), "> upstream=", logsafe(1, host), " tls=", tls, " auth=", mech,
    ": ", verdict, " ", fmt, " ", text, " (", ms, " ms)");
  status_attempt(MSG(w->slot)->id, verdict, fmt, text);
}

/* Collects the recipients of st with status DEFER into g. */
static void deferred_list (queue_state const *st, genalloc *g)
{
  size_t i = 0, len = queue_state_n(st);
  genalloc_setlen(uint32_t, g, 0);
  for (; i < len; i++)
    if (queue_state_rcpt(st, i)->status == QUEUE_RCPT_DEFER) idx_add(g, i);
}

static void status_set (genalloc const *g, queue_state *st, unsigned int status)
{
  size_t i = 0, n = genalloc_len(uint32_t, g);
  for (; i < n; i++) queue_state_rcpt(st, genalloc_s(uint32_t, g)[i])->status = status;
}

/* After a round reached a verdict: bounce what failed, expire, warn, and
   either finish the message or write its state and reschedule it. */
static void msg_settle (worker *w, time_t t)
{
  uint32_t slot = w->slot;
  size_t i, n;
  int due;
  w->st.attempts++;
  if (genalloc_len(uint32_t, &w->failed)
   && bounce_send(w, genalloc_s(uint32_t, &w->failed), genalloc_len(uint32_t, &w->failed), 0, 0))
    status_set(&w->failed, &w->st, QUEUE_RCPT_FAIL);
  deferred_list(&w->st, &w->idx);
  n = genalloc_len(uint32_t, &w->idx);
  due = bounce_due(&cf.bounce, id_arrival(MSG(slot)->id), t, w->st.warned, L.gate.pause_class != 0);
  if (n && due & BOUNCE_EXPIRE)
  {
    for (i = 0; i < n; i++)
      strerr_warni(MSG(slot)->id, " <", logsafe(0, queue_state_addr(&w->st, genalloc_s(uint32_t, &w->idx)[i])), ">: expired, giving up after LIFETIME");
    if (bounce_send(w, genalloc_s(uint32_t, &w->idx), n, 0, "5.4.7"))
    {
      status_set(&w->idx, &w->st, QUEUE_RCPT_FAIL);
      n = 0;
    }
  }
  if (!n) { msg_done(w); return; }
  if (due & BOUNCE_WARN)
    if (bounce_send(w, genalloc_s(uint32_t, &w->idx), n, 1, 0)) w->st.warned = 1;
  w->st.next = t + retry_delay(w->st.attempts - 1);
  /* the move from new/ to cur/ on disk before the first state file: a
     power loss must not bring back new/ID (whose scan then takes it again
     as never tried) while state/ID says who has it already */
  if (!w->hadstate && (fsync(SP.cur) < 0 || fsync(SP.new) < 0) && errno != EINVAL)
    strerr_warnwusys("fsync cur/ and new/");
  if (queue_state_write(SP.state, MSG(slot)->id, &w->st) < 0)
    strerr_warnwusys("write state/", MSG(slot)->id);
  else w->hadstate = 1;
  sched_push(slot, w->st.next);
}

/* The result of the job in flight's j-th recipient from its R line;
   without one, the caller's values (the M line's) are left. */
static void job_res_at (worker const *w, size_t j, unsigned int *status, unsigned int *code, char const **text)
{
  if (j < genalloc_len(job_res, &w->res))
  {
    job_res const *r = genalloc_s(job_res, &w->res) + j;
    *status = r->status;
    *code = r->code;
    *text = w->restext.s + r->text;
  }
  /* else: as given */
}

/* Applies the job's per-recipient results to the state. */
static void job_record (worker *w, job_result const *m, double lat)
{
  int smtp = !strcmp(m->class, "smtp");
  size_t j;
  for (j = 0; j < NJOB(w); j++)
  {
    uint32_t k = PEND(w)[w->jobstart + j];
    unsigned int rs = m->status, rc = m->code;
    char const *rt = m->text;
    char const *verdict = "deferred";
    job_res_at(w, j, &rs, &rc, &rt);
    /* delivered only on an R ok inside an M ok (doc/interfaces.md) */
    if (m->status == JOB_OK && j < genalloc_len(job_res, &w->res) && rs == JOB_OK) verdict = "delivered";
    else if (smtp && rs == JOB_FAIL) { verdict = "failed"; idx_add(&w->failed, k); }
    /* a failed recipient stays DEFER until its bounce is queued */
    if (!queue_state_set_at(&w->st, k, !strcmp(verdict, "delivered") ? QUEUE_RCPT_DONE : QUEUE_RCPT_DEFER, rc, rt))
      strerr_diefu(111, "allocate");
    log_attempt(w, queue_state_addr(&w->st, k), verdict, rc, rt, lat);
  }
}

/* The upstream's session limit (lib/upconc.h) sees a job's result before
   the gate: a session refused as too many while others of ours are open
   goes back to the schedule, its worker ends (it has no session left)
   and the gate holds nothing. Returns 1 when that happened. */
static int conc_job (worker *w, char const *class, unsigned int code, char const *text, double lat, time_t t)
{
  char fmt[UINT_FMT];
  unsigned int others = workers_live() - (w->in >= 0);
  unsigned int r = upconc_job(&conc, class, code, text, w->probe ? 0 : others, t);
  size_t j;
  fmt[uint_fmt(fmt, conc.limit)] = 0;
  if (r == UPCONC_GREW) strerr_warni("upstream sessions: at most ", fmt, " at once again");
  if (r != UPCONC_REFUSED) return 0;
  for (j = 0; j < NJOB(w); j++)
    log_attempt(w, queue_state_addr(&w->st, PEND(w)[w->jobstart + j]), "deferred", code, text, lat);
  strerr_warnw("upstream refused a session as too many: at most ", fmt, " sessions at once from now on; the others go on");
  worker_close(w);
  workers_trim();
  if (w->tried || genalloc_len(uint32_t, &w->failed)) msg_settle(w, t);
  else sched_push(w->slot, t);
  return 1;
}

/* The job is over: M line (status, class, code, text), or a dead worker. */
static void job_finish (worker *w, job_result const *m)
{
  time_t t = now();
  double lat = mono() - w->started;
  char const *class = m->class, *text = m->text;
  unsigned int ucode = m->code;
  size_t j;
  int smtp = !strcmp(class, "smtp");
  char code[UINT_FMT];
  gate_event ev;
  code[uint0_fmt(code, ucode > 999 ? 0 : ucode, 3)] = 0;
  w->busy = 0;
  if (conc_job(w, class, ucode, text, lat, t)) return;
  gate_result(&L.gate, class, w->probe, t, &ev);
  if (gate_class_broken(class) || !strcmp(class, "throttle"))
  {
    /* the upstream is broken, not the message: keep it, count nothing */
    for (j = 0; j < NJOB(w); j++)
      log_attempt(w, queue_state_addr(&w->st, PEND(w)[w->jobstart + j]), "deferred", ucode, text, lat);
    gate_log(&ev, code, text);
    /* what earlier jobs of the round found is kept */
    if (w->tried || genalloc_len(uint32_t, &w->failed)) msg_settle(w, t);
    else sched_push(w->slot, t);
    return;
  }
  gate_log(&ev, code, text);
  job_record(w, m, lat);
  w->tried = 1;
  /* the rest of the round: the next job on the same worker, so in the
     same upstream session, while the upstream answers transactions */
  if (smtp && w->pendpos < NPEND(w) && !L.stopping && w->in >= 0)
  {
    /* an smtp answer ended any pause: the rest is no probe */
    if (job_send(w, t) == 0) { w->busy = 1; w->probe = 0; return; }
    worker_close(w);
  }
  msg_settle(w, t);
}

/* Keeps an R line of the job in flight. R lines come in job order, and
   their recipient field is the printable form of the address (lib/job.h):
   the j-th line counts for the j-th recipient of the job only if it names
   it so. A worker that named another one has its line counted as
   "deferred": a retry, never a delivery or a bounce of the wrong
   recipient. */
static void job_rline (worker *w, job_result const *res)
{
  size_t j = genalloc_len(job_res, &w->res);
  char const *addr;
  job_res r;
  int same;
  if (j >= NJOB(w)) return;
  addr = queue_state_addr(&w->st, PEND(w)[w->jobstart + j]);
  r.text = w->restext.len;
  if (!printable_cat(&w->restext, addr, strlen(addr)) || !stralloc_0(&w->restext)) strerr_diefu(111, "allocate");
  same = !strcmp(w->restext.s + r.text, res->rcpt);
  w->restext.len = r.text;
  r.status = same ? res->status : JOB_DEFER;
  r.code = same ? res->code : 0;
  if (!stralloc_cats(&w->restext, same ? res->text : "the worker's result named another recipient")
   || !stralloc_0(&w->restext) || !genalloc_append(job_res, &w->res, &r)) strerr_diefu(111, "allocate");
}

static void job_line (worker *w, char *line)
{
  job_result res;
  if (!job_result_parse(&res, line) || !w->busy) return;
  if (res.type == 'R') job_rline(w, &res);
  else if (res.type == 'M') job_finish(w, &res);
  else if (res.type == 'S')
  {
    /* optional: upstream host, TLS version, AUTH mechanism, for the log */
    w->info.len = 0;
    if (!stralloc_cats(&w->info, res.host) || !stralloc_0(&w->info)
     || !stralloc_cats(&w->info, res.tls) || !stralloc_0(&w->info)
     || !stralloc_cats(&w->info, res.mech) || !stralloc_0(&w->info))
      strerr_diefu(111, "allocate");
  }
}

/* A worker that dies or goes silent without an M line: try again, never "delivered". */
static void worker_lost (worker *w, char const *why)
{
  job_result res = JOB_RESULT_ZERO;
  worker_close(w);
  res.type = 'M';
  res.class = "worker";
  res.text = why;
  if (w->busy) job_finish(w, &res);
}

static void worker_read (worker *w)
{
  for (;;)
  {
    char *line;
    size_t len;
    int r;
    ssize_t n = job_reader_fill(&w->rd, w->out);
    if (n < 0)
    {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      worker_lost(w, "worker output unreadable");
      return;
    }
    if (!n) { worker_lost(w, "worker exited without a result"); return; }
    while ((r = job_reader_line(&w->rd, &line, &len)) > 0 && w->out >= 0) job_line(w, line);
    if (r < 0) { worker_lost(w, "worker result line too long"); return; }
    if (w->out < 0) return;
  }
}

static void workers_reap (void)
{
  unsigned int i = 0;
  for (; i < NWORKERS; i++)
  {
    worker *w = WORKER(i);
    int wstat;
    if (!w->pid) continue;
    if (waitpid(w->pid, &wstat, WNOHANG) != w->pid) continue;
    w->pid = 0;
    if (w->out >= 0) worker_read(w);  /* what it wrote before dying */
    if (w->out >= 0 || w->in >= 0) worker_lost(w, "worker exited without a result");
  }
}

static void workers_watchdog (time_t t)
{
  unsigned int i = 0;
  for (; i < NWORKERS; i++)
  {
    worker *w = WORKER(i);
    if (w->busy && w->deadline <= t && w->pid)
    {
      strerr_warnw(MSG(w->slot)->id, ": worker silent too long, killed");
      kill(w->pid, SIGKILL);
      worker_lost(w, "worker timed out");
    }
  }
}

/* ---- the spool (queue/queue_dirs.h) ---- */

/* What a walk of new/ found: a message to schedule, or what to log. */
static void found_new (char const *id, int what, void *aux)
{
  (void)aux;
  if (what == QUEUE_FOUND) sched_push(msg_new(id, 0), id_arrival(id));
  else if (what == QUEUE_NOTREG) strerr_warnw("new/", id, " is not a regular file: left alone");
  else if (what == QUEUE_CLASH)
    strerr_warnw("move new/", id, " to cur/: File exists: another message under a queued id, left in new/, not scheduled");
  else strerr_warnwusys("move new/", id, " to cur/");
}

/* new/ to cur/: the scheduler has taken it. Attempted at once. */
static void scan_new (void)
{
  if (queue_scan_new(&SP, &found_new, 0) < 0) strerr_warnwusys("open new/");
}

/* At start-up only the names in cur/ are read (the id is the arrival). */
static void found_cur (char const *id, int what, void *aux)
{
  (void)what; (void)aux;
  if (!prioq_append(&L.sched, id_arrival(id), id_tie(id), msg_new(id, MSG_UNKNOWN)))
    strerr_diefu(111, "grow the schedule");
}

static void scan_cur (void)
{
  if (queue_scan_cur(&SP, &found_cur, 0) < 0) strerr_diefusys(111, "open ", cf.qdir, "/cur");
  prioq_order(&L.sched);
}

static int id_cmp (void const *a, void const *b)
{
  return strcmp(MSG(*(uint32_t const *)a)->id, MSG(*(uint32_t const *)b)->id);
}

static int slot_cmp_key (void const *key, void const *b)
{
  return strcmp((char const *)key, MSG(*(uint32_t const *)b)->id);
}

typedef struct sorted_s sorted;
struct sorted_s
{
  uint32_t *slots;
  size_t n;
};

static int queued (char const *id, void *aux)
{
  sorted const *q = aux;
  return bsearch(id, q->slots, q->n, sizeof(uint32_t), &slot_cmp_key) != 0;
}

static void state_failed (char const *name, int what, void *aux)
{
  (void)what; (void)aux;
  strerr_warnwusys("remove state/", logsafe(0, name));
}

/* State files of no queued message go. Run after scan_new has taken new/
   into the schedule: a message a power loss put back into new/ keeps its
   state (queue/README.md). */
static void clean_state (void)
{
  sorted q;
  size_t i;
  q.n = prioq_len(&L.sched);
  q.slots = malloc((q.n ? q.n : 1) * sizeof(uint32_t));
  if (!q.slots) strerr_diefu(111, "allocate");
  for (i = 0; i < q.n; i++) q.slots[i] = prioq_at(&L.sched, i)->item;
  qsort(q.slots, q.n, sizeof(uint32_t), &id_cmp);
  if (queue_clean_state(&SP, &queued, &state_failed, &q) < 0) strerr_warnwusys("open state/");
  free(q.slots);
}

static void swept (char const *name, int what, void *aux)
{
  (void)aux;
  if (what == QUEUE_REMOVED) strerr_warni("removed tmp/", logsafe(0, name), ": left over for more than 36 hours");
  else strerr_warnwusys("remove tmp/", logsafe(0, name));
}

/* tmp/ files older than 36 hours are what a killed injector left
   (queue/README.md): removed, at start and every RESCAN seconds. */
static void sweep_tmp (time_t t)
{
  if (queue_sweep_tmp(&SP, t - TMP_MAXAGE, &swept, 0) < 0) strerr_warnwusys("open tmp/");
}

/* SIGALRM: everything is due now, gates open. */
static void retry_all_from (int opengate);
static void retry_all (void)
{
  retry_all_from(1);
}

/* A byte other than NUL on the trigger (sendmail -q) asks the same, but
   the trigger is writable by the smtpd's group too, so that asker is not
   trusted with more: it never ends a pause (a wrong password would be
   tried again at every byte, and the ISP may lock the account) and it
   counts at most once a minute. SIGALRM (s6-svc -a) and
   smarthost-control flush are the ways that open the gate. */
static void retry_all_trigger (void)
{
  static time_t last;
  time_t t = now();
  if (last && t >= last && t - last < 60) return;
  last = t;
  retry_all_from(0);
}

static void retry_all_from (int opengate)
{
  size_t i = 0;
  time_t t = now();
  for (; i < prioq_len(&L.sched); i++)
  {
    prioq_elt *e = prioq_at(&L.sched, i);
    if (e->key > t) e->key = t;
    MSG(e->item)->flags &= ~MSG_UNKNOWN;
  }
  prioq_order(&L.sched);
  if (opengate) gate_open(&L.gate);
  strerr_warni("retrying everything now");
}

/* ---- status, metrics, alerts (queue_status.h, alert.h) ---- */

static char const *metrics_file;  /* METRICS_FILE: 0, none */
static char const *alert_cmd;     /* ALERT_CMD: 0, none */
static alert A = ALERT_ZERO;
static stralloc pause_reason = STRALLOC_ZERO;
static stralloc status_last = STRALLOC_ZERO;  /* the text last written */
static time_t status_written;     /* when queue/status was last written */
static time_t status_looked;      /* when the table was last gathered: once a second at most */
static int status_due;            /* a change may wait for the next second */
static int manual_hold;           /* smarthost-control hold: the whole queue */
static int ctlfd = -1;            /* control/, or -1 */

#define STATUS_EVERY 30           /* the oldest's age in METRICS_FILE is this fresh */

static int control_held (void)
{
  return manual_hold;
}

static void status_attempt (char const *id, char const *verdict, char const *code, char const *text)
{
  if (!strcmp(verdict, "delivered"))
  {
    S.deliveries++;
    S.last_delivery = now();
    memcpy(S.last_delivery_id, id, QUEUE_ID_SIZE);
    return;
  }
  if (!strcmp(verdict, "failed")) S.failures++; else S.deferrals++;
  S.last_failure = now();
  S.last_failure_text.len = 0;
  /* text is printable already (lib/printable.h) */
  if (!stralloc_cats(&S.last_failure_text, id) || !stralloc_cats(&S.last_failure_text, " ")
   || !stralloc_cats(&S.last_failure_text, verdict) || !stralloc_cats(&S.last_failure_text, ": ")
   || !stralloc_cats(&S.last_failure_text, code) || !stralloc_cats(&S.last_failure_text, " ")
   || !stralloc_cats(&S.last_failure_text, text) || !stralloc_0(&S.last_failure_text)) S.last_failure_text.len = 0;
}

/* The pause's reason, for the status file and ALERT_CMD: the advice and
   what the upstream said (printable, never a secret: the worker's text). */
static void status_paused (char const *advice, char const *code, char const *text)
{
  pause_reason.len = 0;
  if (!stralloc_cats(&pause_reason, advice) || !stralloc_cats(&pause_reason, " (upstream said: ")
   || !stralloc_cats(&pause_reason, code) || !stralloc_cats(&pause_reason, " ")
   || !stralloc_cats(&pause_reason, text) || !stralloc_cats(&pause_reason, ")") || !stralloc_0(&pause_reason))
    pause_reason.len = 0;
}

/* Fills S from the gate and the message table: O(messages), so at most
   once a second. */
static void status_gather (time_t t)
{
  size_t i, n = genalloc_len(msg, &L.msgs);
  S.oldest[0] = 0;
  S.held = 0;
  for (i = 0; i < n; i++)
  {
    msg const *m = MSG(i);
    if (!m->id[0]) continue;
    if (m->flags & MSG_HELD) S.held++;
    if (!S.oldest[0] || strcmp(m->id, S.oldest) < 0) memcpy(S.oldest, m->id, QUEUE_ID_SIZE);
  }
  S.messages = L.nqueued;
  S.session_limit = conc.limit;
  S.concurrency = conc.max;
  S.hold_until = L.gate.hold_until > t ? L.gate.hold_until : 0;
  {
    /* the gate says later, and neither pause nor throttle: the pacing */
    time_t g = gate_when(&L.gate, t);
    S.paced_until = g > t && !L.gate.pause_class && !S.hold_until && prioq_len(&L.sched) ? g : 0;
  }
  if (manual_hold)
  {
    if (!S.pause_class || strcmp(S.pause_class, "manual")) S.pause_since = t;
    S.pause_class = "manual";
    S.pause_reason = "held by smarthost-control";
    S.next_probe = 0;
  }
  else if (L.gate.pause_class)
  {
    S.pause_class = L.gate.pause_class;
    S.pause_reason = pause_reason.len ? pause_reason.s : "";
    S.pause_since = L.gate.pause_since;
    S.next_probe = L.gate.pause_until;
  }
  else S.pause_class = 0;
}

static void status_alerts (time_t t)
{
  stralloc why = STRALLOC_ZERO;
  time_t since;
  int kind, i;
  for (i = 0; i < 3 && (kind = alert_check(&A, &S, t, &why, &since)) > 0; i++)
  {
    strerr_warnw("alert ", alert_kind(kind), ": ", why.s, alert_cmd ? "" : " (no ALERT_CMD to run)");
    if (alert_cmd && alert_run(alert_cmd, alert_kind(kind), why.s, since) < 0)
      strerr_warnwusys("run ALERT_CMD");
  }
  stralloc_free(&why);
}

static void status_write_file (char const *name, stralloc *sa, unsigned int mode)
{
  if (queue_status_replace(name, sa->s, sa->len, mode) < 0) strerr_warnwusys("write ", name);
}

/* Writes queue/status when it changed (at most once a second) and
   METRICS_FILE with it, and at least every STATUS_EVERY seconds; runs the
   alerts. force: now, whatever the second (a control request). */
static void status_update (time_t t, int force)
{
  static stralloc sa = STRALLOC_ZERO, path = STRALLOC_ZERO;
  if (!force && t == status_looked) { status_due = 1; return; }
  status_due = 0;
  status_looked = t;
  status_gather(t);
  status_alerts(t);
  sa.len = 0;
  if (!queue_status_text(&sa, &S)) return;
  if (!force && t < status_written + STATUS_EVERY && sa.len == status_last.len && !memcmp(sa.s, status_last.s, sa.len)) return;
  if (!stralloc_copy(&status_last, &sa)) status_last.len = 0;
  path.len = 0;
  if (!queue_status_stamp(&sa, t) || !stralloc_cats(&path, cf.qdir) || !stralloc_cats(&path, "/status") || !stralloc_0(&path)) return;
  /* the send user's (and root's): ids and the upstream's texts are for the administrator */
  status_write_file(path.s, &sa, 0600);
  status_written = t;
  if (!metrics_file) return;
  sa.len = 0;
  if (queue_status_metrics(&sa, &S, t)) status_write_file(metrics_file, &sa, 0644);
}

/* ---- control requests (queue_control.h, smarthost-control) ---- */

/* The slot of a queued message, or -1: a walk of the table, for a person's request. */
static int64_t slot_of (char const *id)
{
  size_t i, n = genalloc_len(msg, &L.msgs);
  for (i = 0; i < n; i++) if (!strcmp(MSG(i)->id, id)) return (int64_t)i;
  return -1;
}

static worker *worker_of (uint32_t slot)
{
  unsigned int i = 0;
  for (; i < NWORKERS; i++) if (WORKER(i)->busy && WORKER(i)->slot == slot) return WORKER(i);
  return 0;
}

/* Takes a message out of the schedule (an O(n) walk and reorder: rare). 1 if it was there. */
static int sched_pull (uint32_t slot)
{
  size_t i, n = prioq_len(&L.sched);
  for (i = 0; i < n; i++)
    if (prioq_at(&L.sched, i)->item == slot)
    {
      *prioq_at(&L.sched, i) = *prioq_at(&L.sched, n - 1);
      genalloc_setlen(prioq_elt, &L.sched.h, n - 1);
      prioq_order(&L.sched);
      return 1;
    }
  return 0;
}

/* A marker file in control/ (hold-all, held.ID) made or removed. */
static void control_mark (char const *name, char const *id, int on)
{
  if (ctlfd < 0) return;
  if (queue_control_mark(ctlfd, name, id, on) < 0)
    strerr_warnwusys(on ? "create control/" : "remove control/", name, id ? id : "");
}

/* Gives up a message the scheduler holds no worker for: its files, then the slot. */
static int msg_drop (uint32_t slot)
{
  char const *what;
  char const *id = MSG(slot)->id;
  int r = queue_msg_done(&SP, id, 1, &what);
  if (r < 0) return -1;
  if (r > 0) strerr_warnwusys(what, id);
  control_mark("held.", id, 0);
  msg_free(slot);
  return 0;
}

/* Bounces every recipient not done of a message out of the schedule, now,
   with reason: the normal round with each pending recipient refused. */
static char const *msg_bounce_now (uint32_t slot, char const *reason, time_t t)
{
  static worker bw;
  size_t i;
  MSG(slot)->flags &= ~(MSG_HELD | MSG_PARKED | MSG_UNKNOWN);
  bw.slot = slot;
  if (queue_state_read(SP.state, MSG(slot)->id, &bw.st) < 0) queue_state_clear(&bw.st);
  bw.hadstate = 1;
  {
    int fd = msg_open(MSG(slot)->id), r;
    if (fd < 0) { sched_push(slot, t); return "error: cannot open the message"; }
    r = queue_env_read(fd, &bw.env);
    fd_close(fd);
    if (r <= 0) { sched_push(slot, t); return "error: cannot read the message's envelope"; }
  }
  round_plan(&bw);
  for (i = 0; i < NPEND(&bw); i++)
  {
    if (!queue_state_set_at(&bw.st, PEND(&bw)[i], QUEUE_RCPT_DEFER, 0, reason)) strerr_diefu(111, "allocate");
    idx_add(&bw.failed, PEND(&bw)[i]);
    strerr_warni(MSG(slot)->id, " <", logsafe(0, queue_state_addr(&bw.st, PEND(&bw)[i])), ">: bounced by request: ", reason);
  }
  control_mark("held.", MSG(slot)->id, 0);
  msg_settle(&bw, t);  /* bounces the failed, and removes the message when nothing is left */
  return "ok: bounced";
}

/* Applies one request; the answer for the requester. */
static char const *control_do (queue_control const *c, time_t t)
{
  int64_t s;
  uint32_t slot;
  if (!c->id[0])
  {
    if (!strcmp(c->verb, "hold")) { manual_hold = 1; control_mark("hold-all", 0, 1); strerr_warnw("queue held by request: nothing goes out until release"); return "ok: the queue is held"; }
    if (!strcmp(c->verb, "release")) { manual_hold = 0; control_mark("hold-all", 0, 0); strerr_warni("queue released by request"); return "ok: the queue is released"; }
    return "error: remove and bounce need a message id";
  }
  s = slot_of(c->id);
  if (s < 0) return "error: no such message in the queue";
  slot = (uint32_t)s;
  if (worker_of(slot)) return "error: the message is being delivered right now; ask again in a moment";
  if (!strcmp(c->verb, "hold"))
  {
    if (!(MSG(slot)->flags & MSG_HELD)) { MSG(slot)->flags |= MSG_HELD; control_mark("held.", c->id, 1); }
    if (sched_pull(slot)) MSG(slot)->flags |= MSG_PARKED;
    strerr_warni(c->id, ": held by request");
    return "ok: held";
  }
  if (!strcmp(c->verb, "release"))
  {
    if (!(MSG(slot)->flags & MSG_HELD)) return "ok: was not held";
    if (MSG(slot)->flags & MSG_PARKED) sched_push(slot, t);
    MSG(slot)->flags &= ~(MSG_HELD | MSG_PARKED);
    control_mark("held.", c->id, 0);
    strerr_warni(c->id, ": released by request");
    return "ok: released";
  }
  if (!(MSG(slot)->flags & MSG_PARKED)) sched_pull(slot);
  if (!strcmp(c->verb, "remove"))
  {
    if (msg_drop(slot) < 0) { strerr_warnwusys("remove cur/", c->id); sched_push(slot, t); return "error: cannot remove the message file"; }
    strerr_warni(c->id, ": removed by request");
    return "ok: removed";
  }
  return msg_bounce_now(slot, c->reason[0] ? c->reason : "5.0.0 removed from the queue by its administrator", t);
}

/* The requests in control/, in the order of their names (the order they
   were made in), each applied, answered, removed. */
static void control_apply (void)
{
  genalloc names = GENALLOC_ZERO;  /* char *, strdup'ed */
  size_t i;
  if (ctlfd < 0) return;
  if (queue_control_pending(ctlfd, &names) < 0)
  {
    if (errno == ENOMEM) strerr_diefu(111, "allocate");
    strerr_warnwusys("read control/");
  }
  for (i = 0; i < genalloc_len(char *, &names); i++)
  {
    char const *req = genalloc_s(char *, &names)[i];
    char const *what;
    queue_control c;
    int r = queue_control_read(ctlfd, req, &c);
    if (r < 0 && errno == ENOENT) continue;  /* withdrawn */
    if (queue_control_answer(ctlfd, req, r > 0 ? control_do(&c, now()) : "error: malformed request", &what) < 0)
      strerr_warnwusys(what, req);
  }
  queue_control_names_free(&names);
  status_update(now(), 1);
}

/* control/ and what it keeps across a restart: the whole queue held,
   messages held. */
static void control_open (void)
{
  DIR *dir;
  struct dirent *d;
  ctlfd = queue_control_open(cf.qdir);
  if (ctlfd < 0) { strerr_warnwusys("open ", cf.qdir, "/control: no control requests"); return; }
  if (faccessat(ctlfd, "hold-all", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
  {
    manual_hold = 1;
    strerr_warnw("the queue is held (control/hold-all): nothing goes out until smarthost-control release");
  }
  if (!(dir = queue_dir_open(ctlfd))) return;
  while ((d = readdir(dir)))
  {
    int64_t s;
    if (strncmp(d->d_name, "held.", 5) || !queue_id_valid(d->d_name + 5)) continue;
    s = slot_of(d->d_name + 5);
    if (s < 0) { unlinkat(ctlfd, d->d_name, 0); continue; }  /* gone while we were stopped */
    MSG(s)->flags |= MSG_HELD;
  }
  closedir(dir);
}

/* ---- configuration ---- */

/* A numeric setting (lib/envnum.h); dies 100 on garbage. */
static unsigned int env_uint (char const *name, unsigned int dflt, unsigned int max)
{
  unsigned int v;
  if (!envnum_uint(name, dflt, max, &v)) strerr_dieinvalid(100, name);
  return v;
}

static void retry_parse (char const *s)
{
  unsigned int n = 1;
  char const *p;
  for (p = s; *p; p++) if (*p == ',') n++;
  cf.retry = calloc(n, sizeof(unsigned int));
  if (!cf.retry) strerr_diefu(111, "allocate");
  for (cf.nretry = 0; cf.nretry < n; cf.nretry++)
  {
    size_t len = uint_scan(s, cf.retry + cf.nretry);
    if (!len || (s[len] && s[len] != ',')) strerr_dieinvalid(100, "RETRY");
    if (!cf.retry[cf.nretry]) cf.retry[cf.nretry] = 1;  /* 0 would hammer the upstream */
    s += len + (s[len] == ',');
  }
}

static void config_read (void)
{
  char const *s;
  static char host[256];
  cf.qdir = getenv("QUEUE");
  if (!cf.qdir || !*cf.qdir) strerr_dienotset(100, "QUEUE");
  s = getenv("REMOTE"); if (s && *s) cf.remote = s;
  s = getenv("POSTMASTER"); if (s && *s) cf.bounce.postmaster = s;
  s = getenv("UPSTREAM"); if (s && *s) cf.bounce.upstream = cf.upstream = s;
  s = getenv("UPSTREAM_TLS"); if (s && *s) cf.tls = s;
  s = getenv("UPSTREAM_USER"); if (s && *s) cf.mech = "any";
  s = getenv("UPSTREAM_TOKENCMD"); cf.token = s && *s;
  s = getenv("UPSTREAM_MECH"); if (s && *s && strcmp(cf.mech, "none")) cf.mech = s;
  s = getenv("HELONAME");
  if (s && *s) cf.bounce.me = s;
  else
  {
    if (gethostname(host, sizeof host - 1) < 0) strcpy(host, "localhost");
    cf.bounce.me = host;
  }
  cf.concurrency = env_uint("CONCURRENCY", 4, CONCURRENCY_MAX);
  if (!cf.concurrency) cf.concurrency = 1;
  cf.bounce.lifetime = env_uint("LIFETIME", 432000, ENVNUM_SECONDS_MAX);
  cf.bounce.delaywarn = env_uint("DELAYWARN", 14400, ENVNUM_SECONDS_MAX);
  cf.rescan = env_uint("RESCAN", 600, ENVNUM_SECONDS_MAX);
  if (!cf.rescan) cf.rescan = 600;
  cf.rate_minute = env_uint("RATE_MINUTE", 0, UINT_MAX);
  cf.rate_hour = env_uint("RATE_HOUR", 0, UINT_MAX);
  if (cf.rate_minute > RATE_MAX || cf.rate_hour > RATE_MAX) strerr_dief(100, "RATE_MINUTE and RATE_HOUR are at most 1000000");
  s = getenv("METRICS_FILE"); if (s && *s) metrics_file = s;
  s = getenv("ALERT_CMD"); if (s && *s) alert_cmd = s;
  A.maxage = env_uint("ALERT_AGE", 0, ENVNUM_SECONDS_MAX);
  s = getenv("RETRY");
  retry_parse(s && *s ? s : "60,240,540,960,1500,2160,2940,3600");
  if (!cf.upstream)
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

static time_t next_wake (time_t t)
{
  time_t wake = t + cf.rescan;
  unsigned int i;
  prioq_elt e;
  if (prioq_min(&L.sched, &e) && !L.stopping && (workers_busy() < conc.limit))
  {
    time_t g = gate_at(t);
    time_t k = e.key;
    if (g >= 0)
    {
      if (g > k) k = g;
      if (k < wake) wake = k;
    }
  }
  for (i = 0; i < NWORKERS; i++)
    if (WORKER(i)->busy && WORKER(i)->deadline < wake) wake = WORKER(i)->deadline;
  if (wake > t + STATUS_EVERY) wake = t + STATUS_EVERY;  /* the status's ages stay fresh */
  if (status_due && wake > t + 1) wake = t + 1;
  return wake;
}

static int handle_signals (void)
{
  unsigned char c;
  int rescan_now = 0;
  while (read(L.sigpipe[0], &c, 1) == 1)
  {
    if (c == SIGHUP) rescan_now = 1;  /* nothing to reload: look into new/ */
    else if (c == SIGTERM)
    {
      if (!L.stopping) strerr_warni("stopping: finishing jobs in flight");
      L.stopping = 1;
    }
    else if (c == SIGALRM) { retry_all(); rescan_now = 1; }
    else if (c == SIGCHLD) { workers_reap(); sizeprobe_reap(); }
  }
  return rescan_now;
}

/* Sleeps until wake, or until a signal, the trigger or a worker's output
   comes, and handles what came. Returns 1 when new/ was scanned. The
   descriptors are on the heap (L.pollfd): there is one per worker. */
static int loop_wait (time_t wake)
{
  unsigned int n = 2, i;
  int scanned = 0;
  iopause_fd *x;
  tain deadline;
  time_t t = now();
  if (!genalloc_ready(iopause_fd, &L.pollfd, 2 + NWORKERS) || !genalloc_ready(unsigned int, &L.pollidx, NWORKERS + 1))
    strerr_diefu(111, "allocate");
  x = genalloc_s(iopause_fd, &L.pollfd);
  x[0].fd = L.sigpipe[0]; x[0].events = IOPAUSE_READ;
  x[1].fd = SP.trigger; x[1].events = IOPAUSE_READ;
  for (i = 0; i < NWORKERS; i++)
    if (WORKER(i)->out >= 0)
    {
      genalloc_s(unsigned int, &L.pollidx)[n - 2] = i;
      x[n].fd = WORKER(i)->out; x[n].events = IOPAUSE_READ; n++;
    }
  tain_now_g();
  tain_addsec_g(&deadline, wake <= t ? 0 : wake - t > 86400 ? 86400 : (int)(wake - t));
  if (iopause_g(x, n, &deadline) < 0)
  {
    if (errno == EINTR) return 0;
    strerr_diefusys(111, "iopause");
  }
  if (x[0].revents & IOPAUSE_READ && handle_signals()) { scan_new(); scanned = 1; }
  if (x[1].revents & IOPAUSE_READ)
  {
    if (queue_trigger_read(&SP)) retry_all_trigger();
    scan_new();  /* first: a request may name a message just committed */
    control_apply();
    scanned = 1;
  }
  for (i = 2; i < n; i++)
    if (x[i].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
    {
      worker *w = WORKER(genalloc_s(unsigned int, &L.pollidx)[i - 2]);
      if (w->out >= 0) worker_read(w);
    }
  return scanned;
}

static void loop (void)
{
  time_t last_scan = now(), last_sweep = last_scan;
  for (;;)
  {
    time_t t, wake;
    if (L.stopping && !workers_busy()) return;
    dispatch_due();
    t = now();
    /* the pop budget ran out with work left: come straight back */
    wake = due_now(t) && worker_idle() ? t : next_wake(t);
    if (loop_wait(wake)) last_scan = now();
    t = now();
    workers_watchdog(t);
    if (t - last_scan >= (time_t)cf.rescan) { scan_new(); last_scan = t; }
    if (t - last_sweep >= (time_t)cf.rescan) { sweep_tmp(t); last_sweep = t; }
    status_update(t, 0);
  }
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  unsigned int i;
  PROG = "smarthost-send";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "v", &l);
    if (opt == -1) break;
    if (opt == 'v') cf.verbose = 1; else dieusage();
  }
  argc -= l.ind; argv += l.ind;
  if (argc) dieusage();
  config_read();
  spool_open();
  sig_setup();
  if (!gate_init(&L.gate, cf.retry, cf.nretry, cf.rate_minute, cf.rate_hour)) strerr_diefu(111, "allocate the rate limiter");
  {
    unsigned int n;
    char const *s = getenv("PAUSE_PROBE");
    unsigned int *probe = gate_schedule_parse(s && *s ? s : GATE_PROBE_DEFAULT, &n);
    if (!probe) { if (errno == EINVAL) strerr_dieinvalid(100, "PAUSE_PROBE"); strerr_diefu(111, "allocate"); }
    gate_set_probe(&L.gate, probe, n);
  }
  upconc_init(&conc, cf.concurrency);
  sizeprobe_start();
  sweep_tmp(now());
  scan_cur();
  scan_new();
  clean_state();
  control_open();
  S.started = now();
  {
    char fmt[UINT64_FMT];
    fmt[uint64_fmt(fmt, L.nqueued)] = 0;
    strerr_warni("started: ", fmt, " messages queued");
  }
  control_apply();
  loop();
  /* EOF on their stdin tells idle workers to QUIT and exit */
  for (i = 0; i < NWORKERS; i++) worker_close(WORKER(i));
  strerr_warni("stopped");
  return 0;
}
