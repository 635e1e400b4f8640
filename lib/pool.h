/* pool.h: smarthost-send's workers, each a "smarthost-remote -w"
   process started with skalibs' child_spawn2: jobs go to its stdin,
   result lines come from its stdout (lib/job.h). The pool starts them
   as they are needed, up to max, reads their lines, reaps them, and
   kills one that is silent on a job past its deadline; what a line or
   a lost job means is the caller's (pool_ops). The time is the caller's
   tain. Nothing here exits or logs.

   A worker slot: pid 0 when reaped; in and out -1 when closed. A slot
   whose start failed (spawnerr set) is returned once, so that the
   caller can defer the message it meant for it, and is reused. */
#ifndef SMARTHOST_POOL_H
#define SMARTHOST_POOL_H

#include <sys/types.h>
#include <skalibs/genalloc.h>
#include <skalibs/tai.h>
#include "job.h"

typedef struct pool_worker_s pool_worker;
struct pool_worker_s
{
  pid_t pid;            /* 0: none (reaped, or never started) */
  int in, out;          /* its stdin (we write jobs), its stdout (we read results); -1 closed */
  int busy;             /* a job is in flight */
  int spawnerr;         /* errno of a start that failed; 0 */
  tain started;         /* when the job in flight went out */
  tain deadline;        /* killed if still busy then */
  job_reader rd;        /* its output */
  void *user;           /* the caller's, kept with the slot */
};

typedef struct pool_s pool;
struct pool_s
{
  genalloc workers;     /* pool_worker */
  char const *prog;     /* run as "prog -w", found in PATH */
  unsigned int max;     /* live workers at most */
  unsigned int timeout; /* seconds a job may take */
  char const *const *envp;  /* the environment a new worker gets; 0: ours */
};
#define POOL_ZERO { GENALLOC_ZERO, "smarthost-remote", 4, 1800, 0 }

#define pool_n(p) genalloc_len(pool_worker, &(p)->workers)
#define pool_at(p, i) (genalloc_s(pool_worker, &(p)->workers) + (i))
#define pool_worker_live(w) ((w)->in >= 0)

/* The text of the job lost to the watchdog. */
#define POOL_TIMEDOUT "worker timed out"

unsigned int pool_live (pool const *p);
unsigned int pool_busy (pool const *p);

/* An idle live worker; else a new one, when fewer than max are live
   (*spawned set to 1; its spawnerr set if it could not start). 0 when
   max are busy, or on allocation failure (errno ENOMEM). */
pool_worker *pool_idle (pool *p, int *spawned);

/* Sends the job (len bytes) to w at now: busy until pool_done, killed
   if still busy timeout seconds later. 0, or -1 with errno (the worker
   is gone: the caller closes it). */
int pool_send (pool const *p, pool_worker *w, char const *s, size_t len, tain const *now);

/* Closes w's pipes: EOF on its stdin tells an idle worker to QUIT and
   exit. The slot is free again once the process is reaped. */
void pool_close (pool_worker *w);
void pool_close_all (pool *p);

/* What the pool hands its user: a result line (its LF a NUL), and a
   worker closed while busy (why: its output unreadable, its end without
   a result, POOL_TIMEDOUT). The job is over only when the user says so
   (w->busy = 0). */
typedef struct pool_ops_s pool_ops;
struct pool_ops_s
{
  void (*line) (pool_worker *w, char *line, void *aux);
  void (*lost) (pool_worker *w, char const *why, void *aux);
  void *aux;
};

/* Reads what w wrote, handing each whole line to ops->line. */
void pool_read (pool_worker *w, pool_ops const *ops);
/* Reaps the workers that exited (SIGCHLD), after reading what each
   wrote before. */
void pool_reap (pool *p, pool_ops const *ops);
/* Kills the workers busy past their deadline at now (SIGKILL). */
void pool_watchdog (pool *p, tain const *now, pool_ops const *ops);
/* Lowers *wake to the earliest deadline of a busy worker. */
void pool_wake (pool const *p, tain *wake);

/* Appends an iopause_fd (IOPAUSE_READ) to fds for each worker whose
   output is open, and its index to idx (unsigned int). 1, or 0 on
   allocation failure. */
int pool_pollfds (pool const *p, genalloc *fds, genalloc *idx);

#endif
