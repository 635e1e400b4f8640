/* The worker pool: pool.h. */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/genalloc.h>
#include <skalibs/iopause.h>
#include "pool.h"

extern char **environ;

unsigned int pool_live (pool const *p)
{
  unsigned int i = 0, n = 0;
  for (; i < pool_n(p); i++) if (pool_worker_live(pool_at(p, i))) n++;
  return n;
}

unsigned int pool_busy (pool const *p)
{
  unsigned int i = 0, n = 0;
  for (; i < pool_n(p); i++) if (pool_at(p, i)->busy) n++;
  return n;
}

/* A slot neither running nor open, grown when there is none. */
static pool_worker *pool_slot (pool *p)
{
  pool_worker z;
  unsigned int i = 0;
  for (; i < pool_n(p); i++)
  {
    pool_worker *w = pool_at(p, i);
    if (!w->pid && w->in < 0 && w->out < 0 && !w->busy) return w;
  }
  memset(&z, 0, sizeof z);
  z.in = z.out = -1;
  z.rd.max = JOB_RESULT_LINE_MAX;
  if (!genalloc_append(pool_worker, &p->workers, &z)) { errno = ENOMEM; return 0; }
  return pool_at(p, pool_n(p) - 1);
}

/* Starts "prog -w" with its stdin and stdout on two pipes. Its signals
   are as exec leaves them with an empty mask (the scheduler's selfpipe
   blocks the ones it traps; child_spawn2 unblocks them in the child). */
static void pool_spawn (pool const *p, pool_worker *w)
{
  char const *argv[3] = { p->prog, "-w", 0 };
  /* in: the child's stdin and stdout; out: the end we read (its
     stdout), the end we write (its stdin) */
  int fds[2] = { 0, 1 };
  pid_t pid = child_spawn2(p->prog, argv, p->envp ? p->envp : (char const *const *)environ, fds);
  w->spawnerr = 0;
  if (!pid) { w->spawnerr = errno ? errno : EIO; return; }
  /* jobs are written whole, with a blocking write: a job may be larger
     than the pipe's buffer */
  if (ndelay_off(fds[1]) < 0)
  {
    w->spawnerr = errno;
    fd_close(fds[0]); fd_close(fds[1]);
    kill(pid, SIGKILL);
    w->pid = pid;   /* reaped later */
    return;
  }
  w->pid = pid;
  w->out = fds[0];
  w->in = fds[1];
  w->busy = 0;
  w->rd.buf.len = w->rd.start = 0;
}

pool_worker *pool_idle (pool *p, int *spawned)
{
  pool_worker *w;
  unsigned int i = 0;
  *spawned = 0;
  for (; i < pool_n(p); i++)
  {
    w = pool_at(p, i);
    if (pool_worker_live(w) && !w->busy) return w;
  }
  if (pool_live(p) >= p->max) { errno = 0; return 0; }
  w = pool_slot(p);
  if (!w) return 0;
  pool_spawn(p, w);
  *spawned = 1;
  return w;
}

int pool_send (pool const *p, pool_worker *w, char const *s, size_t len, tain const *now)
{
  w->started = *now;
  tain_addsec(&w->deadline, now, (int)p->timeout);
  if (w->in < 0) { errno = EPIPE; return -1; }
  if (allwrite(w->in, s, len) != len) return -1;
  w->busy = 1;
  return 0;
}

void pool_close (pool_worker *w)
{
  if (w->in >= 0) fd_close(w->in);
  if (w->out >= 0) fd_close(w->out);
  w->in = w->out = -1;
}

void pool_close_all (pool *p)
{
  unsigned int i = 0;
  for (; i < pool_n(p); i++) pool_close(pool_at(p, i));
}

/* A worker that dies or goes silent without an M line: the job is lost
   (the user retries it, never "delivered"). */
static void pool_lost (pool_worker *w, char const *why, pool_ops const *ops)
{
  pool_close(w);
  if (w->busy) ops->lost(w, why, ops->aux);
}

void pool_read (pool_worker *w, pool_ops const *ops)
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
      pool_lost(w, "worker output unreadable", ops);
      return;
    }
    if (!n) { pool_lost(w, "worker exited without a result", ops); return; }
    while ((r = job_reader_line(&w->rd, &line, &len)) > 0 && w->out >= 0) ops->line(w, line, ops->aux);
    if (r < 0) { pool_lost(w, "worker result line too long", ops); return; }
    if (w->out < 0) return;
  }
}

void pool_reap (pool *p, pool_ops const *ops)
{
  unsigned int i = 0;
  for (; i < pool_n(p); i++)
  {
    pool_worker *w = pool_at(p, i);
    int wstat;
    if (!w->pid) continue;
    if (waitpid(w->pid, &wstat, WNOHANG) != w->pid) continue;
    w->pid = 0;
    if (w->out >= 0) pool_read(w, ops);  /* what it wrote before dying */
    if (w->out >= 0 || w->in >= 0) pool_lost(w, "worker exited without a result", ops);
  }
}

void pool_watchdog (pool *p, tain const *now, pool_ops const *ops)
{
  unsigned int i = 0;
  for (; i < pool_n(p); i++)
  {
    pool_worker *w = pool_at(p, i);
    if (w->busy && w->pid && !tain_less(now, &w->deadline))
    {
      kill(w->pid, SIGKILL);
      pool_lost(w, POOL_TIMEDOUT, ops);
    }
  }
}

void pool_wake (pool const *p, tain *wake)
{
  unsigned int i = 0;
  for (; i < pool_n(p); i++)
  {
    pool_worker const *w = pool_at(p, i);
    if (w->busy && tain_less(&w->deadline, wake)) *wake = w->deadline;
  }
}

int pool_pollfds (pool const *p, genalloc *fds, genalloc *idx)
{
  unsigned int i = 0;
  for (; i < pool_n(p); i++)
  {
    iopause_fd x;
    if (pool_at(p, i)->out < 0) continue;
    x.fd = pool_at(p, i)->out;
    x.events = IOPAUSE_READ;
    x.revents = 0;
    if (!genalloc_append(iopause_fd, fds, &x) || !genalloc_append(unsigned int, idx, &i)) return 0;
  }
  return 1;
}
