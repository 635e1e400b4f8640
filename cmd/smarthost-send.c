/* smarthost-send: the scheduler. Takes committed messages from the spool,
   feeds them to smarthost-remote workers, records per-recipient results in
   state/ID, retries, bounces, and pauses the whole queue when the upstream
   itself is broken. One process, one event loop (iopause):

     trigger FIFO ----\                     /--> worker 1 (smarthost-remote -w)
     signals (pipe) ---+--> loop --> heap --+--> worker 2      jobs on stdin,
     worker stdouts --/     timers          \--> ...           results on stdout

   The schedule is a binary heap of messages keyed by their next attempt
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

#include "envnum.h"
#include "dsn.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "queue_state.h"

#define USAGE "smarthost-send [ -v ]"
#define dieusage() strerr_dieusage(100, USAGE)

#define NETFAIL_MAX 3         /* network failures in a row that pause the queue */
#define POPS_PER_TURN 1000    /* heap pops per loop turn: stay responsive at scale */
#define JOB_TIMEOUT 1800      /* a worker silent this long on a job is killed */
#define RATE_MAX 1000000

/* ---- configuration ---- */

static char const *qdir;
static char const *remote = "smarthost-remote";
static char const *me;
static char const *upstream_name;
static char const *postmaster;
static char const *cf_tls = "starttls";
static char const *cf_mech = "none";
static unsigned int concurrency = 4;
static unsigned int *retry;
static unsigned int nretry;
static unsigned int lifetime = 432000;
static unsigned int delaywarn = 14400;
static unsigned int rescan = 600;
static unsigned int rate_minute, rate_hour;
static int verbose;

static int curfd, newfd, statefd, trigfd;
static int sigpipe[2];
static int stopping;

/* ---- messages and the heap ---- */

#define MSG_UNKNOWN 1   /* state file not read since start-up: respect its next time */
#define MSG_INHEAP 2

typedef struct msg_s msg;
struct msg_s
{
  char id[QUEUE_ID_SIZE];
  unsigned char flags;
  time_t key;
  uint32_t pos;         /* index in the heap */
};

static genalloc msgs = GENALLOC_ZERO;   /* msg, indexed by slot */
static genalloc freeslots = GENALLOC_ZERO; /* uint32_t */
static genalloc heap = GENALLOC_ZERO;   /* uint32_t slots */
static size_t nqueued;                  /* messages known (heap or in flight) */

#define MSG(i) (genalloc_s(msg, &msgs) + (i))
#define HEAP genalloc_s(uint32_t, &heap)
#define HEAPLEN genalloc_len(uint32_t, &heap)

static int heap_less (uint32_t a, uint32_t b)
{
  msg *x = MSG(a), *y = MSG(b);
  if (x->key != y->key) return x->key < y->key;
  return strcmp(x->id, y->id) < 0;
}

static void heap_set (size_t pos, uint32_t slot)
{
  HEAP[pos] = slot;
  MSG(slot)->pos = pos;
}

static void heap_up (size_t pos)
{
  uint32_t slot = HEAP[pos];
  while (pos)
  {
    size_t parent = (pos - 1) / 2;
    if (!heap_less(slot, HEAP[parent])) break;
    heap_set(pos, HEAP[parent]);
    pos = parent;
  }
  heap_set(pos, slot);
}

static void heap_down (size_t pos)
{
  size_t n = HEAPLEN;
  uint32_t slot = HEAP[pos];
  for (;;)
  {
    size_t c = 2 * pos + 1;
    if (c >= n) break;
    if (c + 1 < n && heap_less(HEAP[c+1], HEAP[c])) c++;
    if (!heap_less(HEAP[c], slot)) break;
    heap_set(pos, HEAP[c]);
    pos = c;
  }
  heap_set(pos, slot);
}

static void heap_push (uint32_t slot, time_t key)
{
  MSG(slot)->key = key;
  MSG(slot)->flags |= MSG_INHEAP;
  if (!genalloc_append(uint32_t, &heap, &slot)) strerr_diefu(111, "grow the heap");
  heap_up(HEAPLEN - 1);
}

static uint32_t heap_pop (void)
{
  uint32_t top = HEAP[0];
  size_t n = HEAPLEN - 1;
  if (n) { heap_set(0, HEAP[n]); genalloc_setlen(uint32_t, &heap, n); heap_down(0); }
  else genalloc_setlen(uint32_t, &heap, 0);
  MSG(top)->flags &= ~MSG_INHEAP;
  return top;
}

static void heap_rebuild (void)
{
  size_t i = HEAPLEN / 2;
  while (i--) heap_down(i);
}

static uint32_t msg_new (char const *id, time_t key, unsigned char flags)
{
  uint32_t slot;
  msg m;
  memcpy(m.id, id, QUEUE_ID_SIZE);
  m.flags = flags;
  m.key = key;
  m.pos = 0;
  if (genalloc_len(uint32_t, &freeslots))
  {
    size_t n = genalloc_len(uint32_t, &freeslots) - 1;
    slot = genalloc_s(uint32_t, &freeslots)[n];
    genalloc_setlen(uint32_t, &freeslots, n);
    *MSG(slot) = m;
  }
  else
  {
    slot = genalloc_len(msg, &msgs);
    if (!genalloc_append(msg, &msgs, &m)) strerr_diefu(111, "grow the message table");
  }
  nqueued++;
  return slot;
}

static void msg_free (uint32_t slot)
{
  MSG(slot)->id[0] = 0;
  MSG(slot)->flags = 0;
  nqueued--;
  if (!genalloc_append(uint32_t, &freeslots, &slot)) strerr_diefu(111, "grow the free list");
}

static time_t id_arrival (char const *id)
{
  uint64_t t = 0;
  uint64_scan(id, &t);
  return (time_t)t;
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
  return retry[n < nretry ? n : nretry - 1];
}

/* ---- pause, throttle, pacing ---- */

/* The whole queue waits while the upstream is broken (auth, tls, config,
   or NETFAIL_MAX network failures in a row): no message is failed or
   bounced for it. One probe at a time goes out on the retry schedule. */
static char const *pause_class;  /* NULL: not paused */
static time_t pause_since, pause_until;
static unsigned int pause_n;
static int probe_inflight;
static unsigned int netfails;
/* 421 and 454 4.7.0: the upstream asks everyone to slow down */
static time_t hold_until;
static unsigned int hold_n;

static char const *pause_advice (char const *class)
{
  if (!strcmp(class, "auth"))
    return "the upstream refused our authentication: check UPSTREAM_USER and the password in UPSTREAM_PASSFILE (or UPSTREAM_TOKENCMD, UPSTREAM_MECH)";
  if (!strcmp(class, "tls"))
    return "TLS with the upstream failed: check UPSTREAM_TLS, UPSTREAM_CAFILE, the client certificate (UPSTREAM_CERTFILE, UPSTREAM_KEYFILE) and the upstream's certificate";
  if (!strcmp(class, "config"))
    return "the configuration is unusable: check UPSTREAM and the files UPSTREAM_* name";
  return "no upstream is reachable: check UPSTREAM, the network and the upstream's state";
}

/* probe: the result came from the probe (a job sent while paused); other
   jobs in flight when the pause began only confirm it. */
static void pause_enter (char const *class, char const *code, char const *text, int probe)
{
  time_t t = now();
  char fmt[UINT_FMT];
  if (pause_class && !strcmp(pause_class, class) && !probe) return;
  if (pause_class && !strcmp(pause_class, class)) pause_n++;
  else
  {
    unsigned int d = retry_delay(0);
    fmt[uint_fmt(fmt, d)] = 0;
    if (!pause_class) { pause_since = t; pause_n = 0; }
    strerr_warnw("queue paused, mail is kept: ", pause_advice(class),
      " (upstream said: ", code, " ", text, "); probing again in ", fmt, " s");
  }
  pause_class = class;
  pause_until = t + retry_delay(pause_n);
  if (verbose && pause_n)
  {
    fmt[uint_fmt(fmt, retry_delay(pause_n))] = 0;
    strerr_warni("probe failed, still paused (", class, "): next probe in ", fmt, " s");
  }
}

static void pause_leave (void)
{
  char fmt[UINT64_FMT];
  if (!pause_class) return;
  fmt[uint64_fmt(fmt, (uint64_t)(now() - pause_since))] = 0;
  strerr_warni("upstream works again: queue resumed after ", fmt, " s paused");
  pause_class = 0;
  pause_n = 0;
  netfails = 0;
}

static void hold_enter (char const *code, char const *text)
{
  char fmt[UINT_FMT];
  unsigned int d = retry_delay(hold_n++);
  fmt[uint_fmt(fmt, d)] = 0;
  hold_until = now() + d;
  strerr_warnw("upstream throttles us (", code, " ", text, "): whole queue waits ", fmt, " s");
}

/* Pacing: a ring of the last N dispatch times per window. */
typedef struct ring_s ring;
struct ring_s
{
  time_t *t;
  unsigned int n, len, head;
  unsigned int window;
};
static ring rate_m = { 0, 0, 0, 0, 60 }, rate_h = { 0, 0, 0, 0, 3600 };

static void ring_init (ring *r, unsigned int n)
{
  r->n = n;
  if (!n) return;
  r->t = calloc(n, sizeof(time_t));
  if (!r->t) strerr_diefu(111, "allocate the rate limiter");
}

/* 0 if a message may go now, else the time it may. */
static time_t ring_wait (ring const *r, time_t t)
{
  time_t oldest;
  if (!r->n || r->len < r->n) return 0;
  oldest = r->t[r->head];
  return oldest + (time_t)r->window > t ? oldest + (time_t)r->window : 0;
}

static void ring_add (ring *r, time_t t)
{
  if (!r->n) return;
  r->t[r->head] = t;
  r->head = (r->head + 1) % r->n;
  if (r->len < r->n) r->len++;
}

/* ---- signals: a self-pipe the loop reads ---- */

static void sig_handler (int sig)
{
  unsigned char c = sig;
  int e = errno;
  if (write(sigpipe[1], &c, 1) < 0) {}
  errno = e;
}

static void sig_setup (void)
{
  struct sigaction sa;
  if (pipe2(sigpipe, O_CLOEXEC | O_NONBLOCK) < 0) strerr_diefusys(111, "create the signal pipe");
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
  stralloc rbuf;        /* unparsed output */
  stralloc info;        /* host, TLS version, AUTH mechanism from an S line */
  queue_env env;        /* the message's envelope */
  queue_state st;       /* its state, as read at dispatch */
  queue_state res;      /* R lines of this job */
  stralloc job;         /* the job's recipients, NUL-separated */
  unsigned int njob;
  unsigned int nres;    /* R lines read for this job */
};

static genalloc workers = GENALLOC_ZERO;  /* worker */
#define WORKER(i) (genalloc_s(worker, &workers) + (i))
#define NWORKERS genalloc_len(worker, &workers)

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
    if (!genalloc_append(worker, &workers, &z)) { strerr_warnwu("grow the worker table"); return 0; }
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
    char const *argv[3] = { remote, "-w", 0 };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &sa, 0);
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0) _exit(111);
    execvp(remote, (char *const *)argv);
    strerr_dieexec(111, remote);
  }
  fd_close(in[0]);
  fd_close(out[1]);
  if (ndelay_on(out[0]) < 0) strerr_warnwusys("set a pipe non-blocking");
  w->pid = pid;
  w->in = in[1];
  w->out = out[0];
  w->busy = 0;
  w->rbuf.len = 0;
  if (verbose) { char fmt[PID_FMT]; fmt[pid_fmt(fmt, pid)] = 0; strerr_warni("started worker ", fmt); }
  return w;
}

static worker *worker_idle (void)
{
  unsigned int i = 0;
  for (; i < NWORKERS; i++)
    if (WORKER(i)->in >= 0 && !WORKER(i)->busy) return WORKER(i);
  if (workers_live() < concurrency) return worker_spawn();
  return 0;
}

static void worker_close (worker *w)
{
  if (w->in >= 0) fd_close(w->in);
  if (w->out >= 0) fd_close(w->out);
  w->in = w->out = -1;
}

/* ---- bounces ---- */

/* Injects a notification for the recipients idx[0..n-1] of the message w
   carries. Returns 1 when it is queued (or need not be sent), 0 when the
   injector failed (the caller keeps the recipients for a later try). */
static int bounce_send (worker *w, unsigned int const *idx, unsigned int n, int delayed, char const *status)
{
  msg *m = MSG(w->slot);
  char const *sender = w->env.sender.s;
  char const *to = sender;
  dsn_rcpt rr[n ? n : 1];
  dsn d;
  qq q = QQ_ZERO;
  char buf[8192];
  buffer b;
  int fd, wstat;
  unsigned int i;
  if (!*sender)
  {
    /* A bounce that failed. Never bounce it back (its sender is null); a
       double bounce goes to POSTMASTER once, and a double bounce that
       fails (its recipient is POSTMASTER) is dropped: no loop. */
    if (delayed) return 1;
    for (i = 0; i < n; i++)
      if (postmaster && !strcasecmp(queue_state_addr(&w->st, idx[i]), postmaster)) break;
    if (!postmaster || i < n)
    {
      for (i = 0; i < n; i++)
        strerr_warnw(m->id, ": dropping failed bounce to <", queue_state_addr(&w->st, idx[i]), ">: ", queue_state_text(&w->st, idx[i]));
      return 1;
    }
    to = postmaster;
  }
  for (i = 0; i < n; i++)
  {
    rr[i].addr = queue_state_addr(&w->st, idx[i]);
    rr[i].code = queue_state_rcpt(&w->st, idx[i])->code;
    rr[i].status = status;
    rr[i].text = queue_state_text(&w->st, idx[i]);
  }
  d.id = m->id; d.me = me; d.to = to; d.upstream = upstream_name;
  d.arrival = id_arrival(m->id); d.now = now(); d.delayed = delayed;
  d.rcpts = rr; d.n = n;
  fd = openat(curfd, m->id, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { strerr_warnwusys("open cur/", m->id, " for its bounce"); return 0; }
  if (lseek(fd, w->env.body, SEEK_SET) < 0) { fd_close(fd); return 0; }
  if (qq_start(&q, 0) < 0) { strerr_warnwusys("start the injector for a bounce of ", m->id); fd_close(fd); return 0; }
  buffer_init(&b, &buffer_write, q.msgfd, buf, sizeof buf);
  if (dsn_write(&b, &d, fd) < 0 || !buffer_flush(&b))
    strerr_warnwusys("write the bounce of ", m->id);
  fd_close(fd);
  if (qq_envelope(&q, "", &to, 1) < 0) strerr_warnwusys("write the envelope of the bounce of ", m->id);
  wstat = qq_finish(&q);
  if (wstat < 0 || !WIFEXITED(wstat) || WEXITSTATUS(wstat))
  {
    qq_verdict const *v = qq_verdict_of(wstat);
    strerr_warnwu("queue the ", delayed ? "delay warning" : "bounce", " of ", m->id, ": ", v->ecode, " ", v->text);
    return 0;
  }
  strerr_warni(m->id, ": ", delayed ? "delay warning" : "bounce", " queued for <", to, ">");
  return 1;
}

/* ---- removing and requeueing ---- */

static void msg_done (uint32_t slot)
{
  msg *m = MSG(slot);
  /* the message first: a crash in between leaves a stale state file, which
     start-up removes; the other order would resend to every recipient */
  if (unlinkat(curfd, m->id, 0) < 0 && errno != ENOENT)
  {
    strerr_warnwusys("remove cur/", m->id);
    heap_push(slot, now() + retry_delay(0));
    return;
  }
  if (queue_state_remove(statefd, m->id) < 0) strerr_warnwusys("remove state/", m->id);
  if (verbose) strerr_warni(m->id, ": finished");
  msg_free(slot);
}

/* ---- dispatching ---- */

static int job_send (worker *w, char const *id)
{
  stralloc s = STRALLOC_ZERO;
  size_t i, pos = 0;
  int r;
  if (!stralloc_cats(&s, "M ") || !stralloc_cats(&s, qdir) || !stralloc_cats(&s, "/cur/")
   || !stralloc_cats(&s, id) || !stralloc_catb(&s, "\n", 1)) goto nomem;
  for (i = 0; i < w->njob; i++)
  {
    char const *a = w->job.s + pos;
    size_t len = strlen(a);
    if (!stralloc_catb(&s, "R ", 2) || !stralloc_catb(&s, a, len) || !stralloc_catb(&s, "\n", 1)) goto nomem;
    pos += len + 1;
  }
  if (!stralloc_catb(&s, ".\n", 2)) goto nomem;
  r = allwrite(w->in, s.s, s.len) == s.len ? 0 : -1;
  stralloc_free(&s);
  return r;
 nomem:
  stralloc_free(&s);
  return -1;
}

/* Returns 1 when a job went out, 0 when the message needed nothing now
   (rescheduled, finished or dropped), -1 when the worker is unusable. */
static int dispatch (worker *w, uint32_t slot, time_t t)
{
  msg *m = MSG(slot);
  int fd, r;
  size_t i, n;
  /* the state first: a message not due yet after a restart costs one open */
  r = queue_state_read(statefd, m->id, &w->st);
  if (r < 0)
  {
    strerr_warnwusys("read state/", m->id, ", trying every recipient not known done");
    queue_state_clear(&w->st);
  }
  if (r > 0 && (m->flags & MSG_UNKNOWN) && w->st.next > t)
  {
    /* first look since start-up, and not due yet: reschedule, cheaply */
    m->flags &= ~MSG_UNKNOWN;
    heap_push(slot, w->st.next);
    return 0;
  }
  fd = openat(curfd, m->id, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
  {
    if (errno == ENOENT) { queue_state_remove(statefd, m->id); msg_free(slot); return 0; }
    strerr_warnwusys("open cur/", m->id);
    heap_push(slot, t + retry_delay(0));
    return 0;
  }
  r = queue_env_read(fd, &w->env);
  fd_close(fd);
  if (r <= 0)
  {
    if (r < 0) { strerr_warnwusys("read cur/", m->id); heap_push(slot, t + retry_delay(0)); }
    else { strerr_warnw("cur/", m->id, " is malformed: left alone, not scheduled"); msg_free(slot); }
    return 0;
  }
  m->flags &= ~MSG_UNKNOWN;
  w->job.len = 0;
  w->njob = 0;
  for (i = 0, n = 0; i < w->env.nrcpt; i++)
  {
    char const *a = w->env.rcpts.s + n;
    int k = queue_state_find(&w->st, a);
    n += strlen(a) + 1;
    if (k < 0 && !queue_state_set(&w->st, a, QUEUE_RCPT_DEFER, 0, "")) strerr_diefu(111, "allocate");
    if (k >= 0 && queue_state_rcpt(&w->st, k)->status != QUEUE_RCPT_DEFER) continue;
    if (!stralloc_catb(&w->job, a, strlen(a) + 1)) strerr_diefu(111, "allocate");
    w->njob++;
  }
  if (!w->njob) { msg_done(slot); return 0; }
  queue_state_clear(&w->res);
  w->nres = 0;
  w->info.len = 0;
  w->slot = slot;
  if (job_send(w, m->id) < 0)
  {
    /* the worker died between jobs: not an attempt, try another one */
    worker_close(w);
    heap_push(slot, t);
    return -1;
  }
  w->busy = 1;
  w->probe = !!pause_class;
  if (w->probe) probe_inflight = 1;
  w->started = mono();
  w->deadline = t + JOB_TIMEOUT;
  ring_add(&rate_m, t);
  ring_add(&rate_h, t);
  return 1;
}

/* When the next message may go out, ignoring the heap: 0 now, -1 never
   (stopping), else a time. */
static time_t gate (time_t t)
{
  time_t g = 0, r;
  if (stopping) return -1;
  if (hold_until > t) g = hold_until;
  if (pause_class)
  {
    if (probe_inflight) return -1;
    if (pause_until > t && pause_until > g) g = pause_until;
  }
  r = ring_wait(&rate_m, t); if (r > g) g = r;
  r = ring_wait(&rate_h, t); if (r > g) g = r;
  return g;
}

static void dispatch_due (void)
{
  unsigned int pops = 0;
  time_t t = now();
  while (HEAPLEN && pops++ < POPS_PER_TURN)
  {
    worker *w;
    uint32_t slot;
    if (MSG(HEAP[0])->key > t || gate(t)) break;
    w = worker_idle();
    if (!w) break;
    slot = heap_pop();
    if (dispatch(w, slot, t) < 0)
    {
      /* a worker that dies before taking a job (REMOTE cannot run?):
         wait a second rather than fork in a loop */
      if (hold_until < t + 1) hold_until = t + 1;
      break;
    }
  }
}

/* ---- results ---- */

static int class_broken (char const *c)
{
  return !strcmp(c, "auth") || !strcmp(c, "tls") || !strcmp(c, "config");
}

static void log_attempt (worker *w, char const *rcpt, char const *verdict, unsigned int code, char const *text, double lat)
{
  char fmt[UINT_FMT];
  char ms[UINT64_FMT];
  /* without an S line from the worker: what the configuration asks for */
  char const *host = upstream_name ? upstream_name : "-", *tls = cf_tls, *mech = cf_mech;
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
  strerr_warni(MSG(w->slot)->id, " <", rcpt, "> upstream=", host, " tls=", tls, " auth=", mech,
    ": ", verdict, " ", fmt, " ", text, " (", ms, " ms)");
}

/* Collects the recipients of state st with status DEFER into idx. */
static unsigned int deferred_list (queue_state const *st, unsigned int *idx)
{
  unsigned int i = 0, n = 0, len = queue_state_n(st);
  for (; i < len; i++)
    if (queue_state_rcpt(st, i)->status == QUEUE_RCPT_DEFER) idx[n++] = i;
  return n;
}

/* After an attempt reached a verdict: bounce what failed, expire, warn,
   and either finish the message or write its state and reschedule it. */
static void msg_settle (worker *w, unsigned int const *failed, unsigned int nfailed, time_t t)
{
  uint32_t slot = w->slot;
  unsigned int len = queue_state_n(&w->st);
  unsigned int idx[len ? len : 1];
  unsigned int i, n;
  time_t age = t - id_arrival(MSG(slot)->id);
  w->st.attempts++;
  if (nfailed && bounce_send(w, failed, nfailed, 0, 0))
    for (i = 0; i < nfailed; i++) queue_state_rcpt(&w->st, failed[i])->status = QUEUE_RCPT_FAIL;
  n = deferred_list(&w->st, idx);
  if (n && age >= (time_t)lifetime)
  {
    for (i = 0; i < n; i++)
    {
      queue_state_rcpt(&w->st, idx[i])->status = QUEUE_RCPT_FAIL;
      strerr_warni(MSG(slot)->id, " <", queue_state_addr(&w->st, idx[i]), ">: expired, giving up after LIFETIME");
    }
    if (!bounce_send(w, idx, n, 0, "5.4.7"))
      for (i = 0; i < n; i++) queue_state_rcpt(&w->st, idx[i])->status = QUEUE_RCPT_DEFER;
    n = deferred_list(&w->st, idx);
  }
  if (!n) { msg_done(slot); return; }
  if (delaywarn && age >= (time_t)delaywarn && !w->st.warned)
    if (bounce_send(w, idx, n, 1, 0)) w->st.warned = 1;
  w->st.next = t + retry_delay(w->st.attempts - 1);
  if (queue_state_write(statefd, MSG(slot)->id, &w->st) < 0)
    strerr_warnwusys("write state/", MSG(slot)->id);
  heap_push(slot, w->st.next);
}

/* The job is over: M line (status, class, code, text), or a dead worker. */
static void job_finish (worker *w, char const *mstatus, char const *class, char const *code, char const *text)
{
  time_t t = now();
  double lat = mono() - w->started;
  unsigned int ucode = 0;
  unsigned int len = queue_state_n(&w->st);
  unsigned int failed[len ? len : 1];
  unsigned int nfailed = 0;
  size_t i, pos = 0;
  int ok = !strcmp(mstatus, "ok");
  int smtp = !strcmp(class, "smtp");
  uint0_scan(code, &ucode);
  w->busy = 0;
  if (w->probe) probe_inflight = 0;
  if (class_broken(class) || !strcmp(class, "throttle"))
  {
    /* the upstream is broken, not the message: keep it, count nothing */
    for (i = 0; i < w->njob; i++, pos += strlen(w->job.s + pos) + 1)
      log_attempt(w, w->job.s + pos, "deferred", ucode, text, lat);
    if (class_broken(class)) pause_enter(class, code, text, w->probe); else hold_enter(code, text);
    heap_push(w->slot, t);
    return;
  }
  if (!strcmp(class, "network"))
  {
    if (++netfails >= NETFAIL_MAX) pause_enter("network", code, text, w->probe);
  }
  else if (smtp)
  {
    netfails = 0;
    hold_n = 0;
    if (w->probe) pause_leave();
  }
  if (w->probe && pause_class && pause_until <= t) pause_until = t + retry_delay(pause_n);
  for (i = 0; i < w->njob; i++)
  {
    char const *a = w->job.s + pos;
    int r = queue_state_find(&w->res, a);
    int k = queue_state_find(&w->st, a);
    char const *rs = r >= 0 ? queue_rcpt_status_name(queue_state_rcpt(&w->res, r)->status) : mstatus;
    unsigned int rc = r >= 0 ? queue_state_rcpt(&w->res, r)->code : ucode;
    char const *rt = r >= 0 ? queue_state_text(&w->res, r) : text;
    pos += strlen(a) + 1;
    /* delivered only on an R ok inside an M ok (doc/interfaces.md) */
    if (ok && r >= 0 && queue_state_rcpt(&w->res, r)->status == QUEUE_RCPT_DONE)
    {
      queue_state_set(&w->st, a, QUEUE_RCPT_DONE, rc, rt);
      log_attempt(w, a, "delivered", rc, rt, lat);
    }
    else if (smtp && !strcmp(rs, "fail"))
    {
      queue_state_set(&w->st, a, QUEUE_RCPT_DEFER, rc, rt);
      failed[nfailed++] = k;
      log_attempt(w, a, "failed", rc, rt, lat);
    }
    else
    {
      queue_state_set(&w->st, a, QUEUE_RCPT_DEFER, rc, rt);
      log_attempt(w, a, "deferred", rc, rt, lat);
    }
  }
  msg_settle(w, failed, nfailed, t);
}

/* The k-th recipient of the job in flight, or NULL. */
static char const *job_rcpt (worker const *w, unsigned int k)
{
  size_t pos = 0;
  unsigned int i;
  if (k >= w->njob) return 0;
  for (i = 0; i < k; i++) pos += strlen(w->job.s + pos) + 1;
  return w->job.s + pos;
}

static void job_line (worker *w, char *line)
{
  char *f[5];
  unsigned int n = 0;
  f[n++] = line;
  while (n < 5)
  {
    char *tab = strchr(f[n-1], '\t');
    if (!tab) break;
    *tab = 0;
    f[n++] = tab + 1;
  }
  if (!w->busy) return;
  if (line[0] == 'R' && !line[1] && n == 5)
  {
    /* R lines come in job order; their recipient field is made printable,
       so it names the recipient only for ASCII addresses: go by the order */
    unsigned int status = !strcmp(f[2], "ok") ? QUEUE_RCPT_DONE : !strcmp(f[2], "fail") ? QUEUE_RCPT_FAIL : QUEUE_RCPT_DEFER;
    unsigned int code = 0;
    char const *a = job_rcpt(w, w->nres++);
    uint0_scan(f[3], &code);
    if (a && !queue_state_set(&w->res, a, status, code, f[4])) strerr_diefu(111, "allocate");
  }
  else if (line[0] == 'M' && !line[1] && n == 5)
  {
    stralloc t = STRALLOC_ZERO;
    if (!printable_cat(&t, f[4], strlen(f[4])) || !stralloc_0(&t)) strerr_diefu(111, "allocate");
    job_finish(w, f[1], f[2], f[3], t.s);
    stralloc_free(&t);
  }
  else if (line[0] == 'S' && !line[1] && n >= 4)
  {
    /* optional: upstream host, TLS version, AUTH mechanism, for the log */
    w->info.len = 0;
    if (!printable_cat(&w->info, f[1], strlen(f[1])) || !stralloc_0(&w->info)
     || !printable_cat(&w->info, f[2], strlen(f[2])) || !stralloc_0(&w->info)
     || !printable_cat(&w->info, f[3], strlen(f[3])) || !stralloc_0(&w->info))
      strerr_diefu(111, "allocate");
  }
}

/* A worker that dies or goes silent without an M line: try again, never "delivered". */
static void worker_lost (worker *w, char const *why)
{
  worker_close(w);
  if (w->busy) job_finish(w, "defer", "worker", "000", why);
}

static void worker_read (worker *w)
{
  char buf[4096];
  for (;;)
  {
    ssize_t r = read(w->out, buf, sizeof buf);
    size_t start = 0, i;
    if (r < 0)
    {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      worker_lost(w, "worker output unreadable");
      return;
    }
    if (!r) { worker_lost(w, "worker exited without a result"); return; }
    if (!stralloc_catb(&w->rbuf, buf, r)) strerr_diefu(111, "allocate");
    for (i = 0; i < w->rbuf.len; i++)
    {
      if (w->rbuf.s[i] != '\n') continue;
      w->rbuf.s[i] = 0;
      job_line(w, w->rbuf.s + start);
      start = i + 1;
    }
    if (start) { memmove(w->rbuf.s, w->rbuf.s + start, w->rbuf.len - start); w->rbuf.len -= start; }
    if (w->rbuf.len > 65536) { worker_lost(w, "worker result line too long"); return; }
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

/* ---- the spool ---- */

static DIR *dir_open (int fd)
{
  int d = dup(fd);
  DIR *dir;
  if (d < 0) return 0;
  dir = fdopendir(d);
  if (!dir) { fd_close(d); return 0; }
  rewinddir(dir);
  return dir;
}

/* new/ to cur/: the scheduler has taken it. Attempted at once. */
static void scan_new (void)
{
  DIR *dir = dir_open(newfd);
  struct dirent *d;
  time_t t = now();
  if (!dir) { strerr_warnwusys("open new/"); return; }
  while ((d = readdir(dir)))
  {
    if (!queue_id_valid(d->d_name)) continue;
    if (renameat2(newfd, d->d_name, curfd, d->d_name, RENAME_NOREPLACE) < 0)
    {
      if (errno != ENOENT) strerr_warnwusys("move new/", d->d_name, " to cur/");
      continue;
    }
    heap_push(msg_new(d->d_name, t, 0), id_arrival(d->d_name));
  }
  closedir(dir);
}

static int id_cmp (void const *a, void const *b)
{
  return strcmp(MSG(*(uint32_t const *)a)->id, MSG(*(uint32_t const *)b)->id);
}

static int slot_cmp_key (void const *key, void const *b)
{
  return strcmp((char const *)key, MSG(*(uint32_t const *)b)->id);
}

/* State files without a message (a crash between the two unlinks of
   msg_done) and ID.tmp files (a crash inside queue_state_write) go. */
static void clean_state (void)
{
  DIR *dir = dir_open(statefd);
  struct dirent *d;
  uint32_t *sorted;
  size_t n = HEAPLEN;
  if (!dir) { strerr_warnwusys("open state/"); return; }
  sorted = malloc((n ? n : 1) * sizeof(uint32_t));
  if (!sorted) strerr_diefu(111, "allocate");
  if (n) memcpy(sorted, HEAP, n * sizeof(uint32_t));
  qsort(sorted, n, sizeof(uint32_t), &id_cmp);
  while ((d = readdir(dir)))
  {
    if (d->d_name[0] == '.') continue;
    if (queue_id_valid(d->d_name) && bsearch(d->d_name, sorted, n, sizeof(uint32_t), &slot_cmp_key)) continue;
    if (unlinkat(statefd, d->d_name, 0) < 0) strerr_warnwusys("remove state/", d->d_name);
  }
  free(sorted);
  closedir(dir);
}

static void scan_cur (void)
{
  DIR *dir = dir_open(curfd);
  struct dirent *d;
  if (!dir) strerr_diefusys(111, "open ", qdir, "/cur");
  while ((d = readdir(dir)))
  {
    uint32_t slot;
    if (!queue_id_valid(d->d_name)) continue;
    slot = msg_new(d->d_name, id_arrival(d->d_name), MSG_UNKNOWN | MSG_INHEAP);
    if (!genalloc_append(uint32_t, &heap, &slot)) strerr_diefu(111, "grow the heap");
    MSG(slot)->pos = HEAPLEN - 1;
  }
  closedir(dir);
  heap_rebuild();
}

/* The injector writes a NUL: new mail. Any other byte (echo > trigger)
   asks for what SIGALRM does: retry everything now. Returns 1 for that. */
static int trigger_drain (void)
{
  char buf[1024];
  ssize_t r;
  int all = 0;
  while ((r = read(trigfd, buf, sizeof buf)) > 0)
    while (r--) if (buf[r]) all = 1;
  return all;
}

/* SIGALRM: everything is due now, gates open. */
static void retry_all (void)
{
  size_t i = 0;
  time_t t = now();
  for (; i < HEAPLEN; i++)
  {
    msg *m = MSG(HEAP[i]);
    if (m->key > t) m->key = t;
    m->flags &= ~MSG_UNKNOWN;
  }
  heap_rebuild();
  hold_until = 0;
  pause_until = 0;
  strerr_warni("retrying everything now");
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
  retry = calloc(n, sizeof(unsigned int));
  if (!retry) strerr_diefu(111, "allocate");
  for (nretry = 0; nretry < n; nretry++)
  {
    size_t len = uint_scan(s, retry + nretry);
    if (!len || (s[len] && s[len] != ',')) strerr_dieinvalid(100, "RETRY");
    if (!retry[nretry]) retry[nretry] = 1;  /* 0 would hammer the upstream */
    s += len + (s[len] == ',');
  }
}

static void config (void)
{
  char const *s;
  static char host[256];
  qdir = getenv("QUEUE");
  if (!qdir || !*qdir) strerr_dienotset(100, "QUEUE");
  s = getenv("REMOTE"); if (s && *s) remote = s;
  s = getenv("POSTMASTER"); if (s && *s) postmaster = s;
  s = getenv("UPSTREAM"); if (s && *s) upstream_name = s;
  s = getenv("UPSTREAM_TLS"); if (s && *s) cf_tls = s;
  s = getenv("UPSTREAM_USER"); if (s && *s) cf_mech = "any";
  s = getenv("UPSTREAM_MECH"); if (s && *s && strcmp(cf_mech, "none")) cf_mech = s;
  s = getenv("HELONAME");
  if (s && *s) me = s;
  else
  {
    if (gethostname(host, sizeof host - 1) < 0) strcpy(host, "localhost");
    me = host;
  }
  concurrency = env_uint("CONCURRENCY", 4, UINT_MAX);
  if (!concurrency) concurrency = 1;
  lifetime = env_uint("LIFETIME", 432000, ENVNUM_SECONDS_MAX);
  delaywarn = env_uint("DELAYWARN", 14400, ENVNUM_SECONDS_MAX);
  rescan = env_uint("RESCAN", 600, ENVNUM_SECONDS_MAX);
  if (!rescan) rescan = 600;
  rate_minute = env_uint("RATE_MINUTE", 0, UINT_MAX);
  rate_hour = env_uint("RATE_HOUR", 0, UINT_MAX);
  if (rate_minute > RATE_MAX || rate_hour > RATE_MAX) strerr_dief(100, "RATE_MINUTE and RATE_HOUR are at most 1000000");
  s = getenv("RETRY");
  retry_parse(s && *s ? s : "60,240,540,960,1500,2160,2940,3600");
  if (!upstream_name)
    strerr_warni("no upstream configured: mail is accepted and held in ", qdir,
      "; write host:port into the instance's conf/UPSTREAM (and UPSTREAM_USER, UPSTREAM_PASSFILE for AUTH),"
      " then restart this service (s6-svc -r)");
}

static int dir_at (int fd, char const *name)
{
  int d = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) strerr_diefusys(111, "open ", qdir, "/", name);
  return d;
}

static void spool_open (void)
{
  int qfd = open(qdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (qfd < 0) strerr_diefusys(111, "open ", qdir);
  curfd = dir_at(qfd, "cur");
  newfd = dir_at(qfd, "new");
  statefd = dir_at(qfd, "state");
  /* O_RDWR: we are a writer too, so the FIFO never reads EOF */
  trigfd = openat(qfd, "trigger", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (trigfd < 0) strerr_diefusys(111, "open ", qdir, "/trigger");
  fd_close(qfd);
}

/* ---- the loop ---- */

static time_t next_wake (time_t t)
{
  time_t wake = t + rescan;
  unsigned int i;
  if (HEAPLEN && !stopping && (workers_busy() < concurrency))
  {
    time_t g = gate(t);
    time_t k = MSG(HEAP[0])->key;
    if (g >= 0)
    {
      if (g > k) k = g;
      if (k < wake) wake = k;
    }
  }
  for (i = 0; i < NWORKERS; i++)
    if (WORKER(i)->busy && WORKER(i)->deadline < wake) wake = WORKER(i)->deadline;
  return wake;
}

static int handle_signals (void)
{
  unsigned char c;
  int rescan_now = 0;
  while (read(sigpipe[0], &c, 1) == 1)
  {
    if (c == SIGHUP) rescan_now = 1;  /* nothing to reload: look into new/ */
    else if (c == SIGTERM)
    {
      if (!stopping) strerr_warni("stopping: finishing jobs in flight");
      stopping = 1;
    }
    else if (c == SIGALRM) { retry_all(); rescan_now = 1; }
    else if (c == SIGCHLD) workers_reap();
  }
  return rescan_now;
}

static void loop (void)
{
  time_t last_scan = now();
  for (;;)
  {
    time_t t, wake;
    if (stopping && !workers_busy()) return;
    dispatch_due();
    t = now();
    /* the pop budget ran out with work left: come straight back */
    wake = HEAPLEN && MSG(HEAP[0])->key <= t && !gate(t) && worker_idle() ? t : next_wake(t);
    {
    iopause_fd x[2 + NWORKERS];
    unsigned int idx[NWORKERS ? NWORKERS : 1];
    unsigned int n = 2, i;
    struct timespec ts;
    tain deadline, d;
    long long ms;
    int r;
    x[0].fd = sigpipe[0]; x[0].events = IOPAUSE_READ;
    x[1].fd = trigfd; x[1].events = IOPAUSE_READ;
    for (i = 0; i < NWORKERS; i++)
      if (WORKER(i)->out >= 0) { idx[n - 2] = i; x[n].fd = WORKER(i)->out; x[n].events = IOPAUSE_READ; n++; }
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (long long)wake * 1000 - ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    if (ms < 0) ms = 0;
    if (ms > 86400000) ms = 86400000;
    tain_now_g();
    tain_from_millisecs(&d, (int)ms);
    tain_add_g(&deadline, &d);
    r = iopause_g(x, n, &deadline);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      strerr_diefusys(111, "iopause");
    }
    if (x[0].revents & IOPAUSE_READ && handle_signals()) { scan_new(); last_scan = now(); }
    if (x[1].revents & IOPAUSE_READ)
    {
      if (trigger_drain()) retry_all();
      scan_new();
      last_scan = now();
    }
    for (i = 2; i < n; i++)
      if (x[i].revents & (IOPAUSE_READ | IOPAUSE_EXCEPT))
      {
        worker *w = WORKER(idx[i - 2]);
        if (w->out >= 0) worker_read(w);
      }
    }
    t = now();
    workers_watchdog(t);
    if (t - last_scan >= (time_t)rescan) { scan_new(); last_scan = t; }
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
    if (opt == 'v') verbose = 1; else dieusage();
  }
  argc -= l.ind; argv += l.ind;
  if (argc) dieusage();
  config();
  spool_open();
  sig_setup();
  ring_init(&rate_m, rate_minute);
  ring_init(&rate_h, rate_hour);
  scan_cur();
  clean_state();
  scan_new();
  {
    char fmt[UINT64_FMT];
    fmt[uint64_fmt(fmt, nqueued)] = 0;
    strerr_warni("started: ", fmt, " messages queued");
  }
  loop();
  /* EOF on their stdin tells idle workers to QUIT and exit */
  for (i = 0; i < NWORKERS; i++) worker_close(WORKER(i));
  strerr_warni("stopped");
  return 0;
}
