/* lib/pool: workers started with child_spawn2 get a job on their stdin
   and answer on their stdout; a worker that exits without an answer, or
   is silent past its deadline, is a lost job; one that cannot be
   started says why; and a worker starts with no signal blocked even
   though its parent blocks some (the selfpipe of smarthost-send). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <skalibs/iopause.h>
#include <skalibs/tai.h>
#include "pool.h"
#include "tap.h"

static char lines[8][256];
static unsigned int nlines, nlost;
static char lostwhy[64];

static void on_line (pool_worker *w, char *line, void *aux)
{
  (void)aux;
  if (nlines < 8) snprintf(lines[nlines++], sizeof lines[0], "%s", line);
  if (!strncmp(line, "M ", 2)) w->busy = 0;   /* the job is over */
}

static void on_lost (pool_worker *w, char const *why, void *aux)
{
  (void)aux;
  nlost++;
  snprintf(lostwhy, sizeof lostwhy, "%s", why);
  w->busy = 0;
}

static pool_ops const ops = { &on_line, &on_lost, 0 };

/* Reads w until cond or about 10 s. */
static void wait_lines (pool *p, pool_worker *w, unsigned int want)
{
  unsigned int i;
  for (i = 0; i < 100 && nlines < want && !nlost; i++)
  {
    iopause_fd x = { w->out, IOPAUSE_READ, 0 };
    tain d;
    tain_now_g();
    tain_addsec_g(&d, 1);
    (void)p;
    if (w->out < 0) break;
    if (iopause_g(&x, 1, &d) > 0) pool_read(w, &ops);
  }
}

static void reap_all (pool *p)
{
  unsigned int i;
  for (i = 0; i < 50; i++)
  {
    unsigned int k, live = 0;
    pool_reap(p, &ops);
    for (k = 0; k < pool_n(p); k++) if (pool_at(p, k)->pid) live++;
    if (!live) return;
    usleep(100000);
  }
}

int main (void)
{
  char dir[] = "/tmp/smarthost-pool.XXXXXX";
  char prog[64], silent[64];
  FILE *f;
  pool p = POOL_ZERO;
  pool_worker *w;
  int spawned;
  sigset_t set;
  tain now;
  if (!mkdtemp(dir)) return 111;
  snprintf(prog, sizeof prog, "%s/worker", dir);
  snprintf(silent, sizeof silent, "%s/silent", dir);
  /* answers each job with its signal mask and an M line */
  f = fopen(prog, "w");
  fprintf(f, "#!/bin/sh\n[ \"$1\" = -w ] || exit 100\nwhile read -r a b; do [ \"$a\" = . ] || continue; "
    "echo \"R $(grep '^SigBlk' /proc/$$/status | tr -d ' \\t')\"; echo \"M ok\"; done\n");
  fclose(f);
  f = fopen(silent, "w");
  fprintf(f, "#!/bin/sh\nexec sleep 30\n");
  fclose(f);
  chmod(prog, 0755);
  chmod(silent, 0755);
  /* as smarthost-send: these are blocked in the parent */
  sigemptyset(&set);
  sigaddset(&set, SIGTERM); sigaddset(&set, SIGCHLD); sigaddset(&set, SIGPIPE);
  sigprocmask(SIG_BLOCK, &set, 0);

  p.prog = prog;
  p.max = 1;
  w = pool_idle(&p, &spawned);
  tap_ok(w && spawned && !w->spawnerr && w->pid > 0 && pool_live(&p) == 1, "a worker is started when none is idle");
  tain_now_g();
  tap_is(pool_send(&p, w, "M x\n.\n", 6, &STAMP), 0, "a job goes out");
  tap_ok(w->busy && pool_busy(&p) == 1, "and the worker is busy");
  {
    int again;
    tap_ok(!pool_idle(&p, &again) && !errno, "max 1, busy: no other worker");
  }
  wait_lines(&p, w, 2);
  tap_ok(nlines == 2 && !strcmp(lines[1], "M ok"), "its answer comes back line by line");
  tap_ok(!strcmp(lines[0], "R SigBlk:0000000000000000"), "the worker starts with no signal blocked");
  tap_ok(pool_idle(&p, &spawned) == w && !spawned, "idle again: reused, not a new one");

  /* a worker that ends without answering */
  pool_send(&p, w, "M x\n", 4, &STAMP);
  pool_close(w);
  tap_ok(!pool_worker_live(w) && w->busy, "closed with a job in flight");
  kill(w->pid, SIGKILL);
  reap_all(&p);
  tap_ok(!w->pid && w->busy, "reaped; a closed worker's job is the caller's to finish");
  w->busy = 0;

  /* silent past the deadline */
  p.prog = silent;
  p.timeout = 0;
  nlost = 0;
  w = pool_idle(&p, &spawned);
  tap_ok(w && spawned && w->pid > 0, "a silent worker started, in the free slot");
  tain_now_g();
  pool_send(&p, w, "M x\n.\n", 6, &STAMP);
  tain_addsec(&now, &STAMP, 1);
  {
    tain wake = TAIN_INFINITE;
    pool_wake(&p, &wake);
    tap_ok(!tain_less(&w->deadline, &wake) && !tain_less(&wake, &w->deadline), "the loop wakes at its deadline");
  }
  pool_watchdog(&p, &now, &ops);
  tap_ok(nlost == 1 && !strcmp(lostwhy, POOL_TIMEDOUT) && !pool_worker_live(w), "past its deadline: killed, the job lost");
  reap_all(&p);
  tap_is(w->pid, 0, "and reaped");

  /* cannot start */
  p.prog = "/nonexistent/worker";
  w = pool_idle(&p, &spawned);
  tap_ok(w && spawned && w->spawnerr == ENOENT && !pool_worker_live(w), "a program that does not exist: the slot says ENOENT");

  pool_close_all(&p);
  unlink(prog);
  unlink(silent);
  rmdir(dir);
  tap_plan(tap_n);
  return tap_done();
}
