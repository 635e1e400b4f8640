/* Running the injector, and the one table from its verdicts to SMTP
   replies (qmail's qmail_close() in qmail.c is the model). */

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include "qq.h"

extern char **environ;

static int qq_spawn (qq *q, char const *prog, int msg[2], int env[2], char **envp)
{
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none;
  char *argv[2] = { (char *)prog, 0 };
  int e;
  if (posix_spawn_file_actions_init(&fa)) return -1;
  if (posix_spawnattr_init(&attr)) { posix_spawn_file_actions_destroy(&fa); return -1; }
  /* the injector starts with no signal blocked, whatever its caller
     blocks (smarthost-send's selfpipe): its alarm must fire */
  sigemptyset(&none);
  e = posix_spawnattr_setsigmask(&attr, &none)
   || posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK)
   || posix_spawn_file_actions_adddup2(&fa, msg[0], 0)
   || posix_spawn_file_actions_adddup2(&fa, env[0], 1)
   || posix_spawn_file_actions_addclose(&fa, msg[1])
   || posix_spawn_file_actions_addclose(&fa, env[1]);
  if (!e) e = posix_spawnp(&q->pid, prog, &fa, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (e) errno = e;
  return e ? -1 : 0;
}

/* The injector's environment: ours, with idvar in place of any inherited
   SMARTHOST_ID. Built for each message rather than with setenv(), which
   never frees a value it replaces: a long session would grow with each id. */
static char **qq_environ (char *idvar)
{
  size_t n = 0, i, k = 0;
  char **v;
  while (environ && environ[n]) n++;
  v = malloc((n + 2) * sizeof *v);
  if (!v) return 0;
  for (i = 0; i < n; i++)
    if (strncmp(environ[i], "SMARTHOST_ID=", 13)) v[k++] = environ[i];
  v[k++] = idvar;
  v[k] = 0;
  return v;
}

int qq_start (qq *q, char const *id)
{
  char const *prog = getenv("QMAILQUEUE");
  char idvar[13 + 64] = "SMARTHOST_ID=";
  char **envp = environ;
  int msg[2], env[2];
  if (!prog || !*prog) prog = "smarthost-queue";
  if (id)
  {
    size_t len = strlen(id);
    if (len >= sizeof idvar - 13) return (errno = EINVAL, -1);
    memcpy(idvar + 13, id, len + 1);
    envp = qq_environ(idvar);
    if (!envp) return -1;
  }
  if (pipecoe(msg) < 0) goto err0;
  if (pipecoe(env) < 0) goto err1;
  if (qq_spawn(q, prog, msg, env, envp) < 0) goto err2;
  fd_close(msg[0]);
  fd_close(env[0]);
  q->msgfd = msg[1];
  q->envfd = env[1];
  if (id) free(envp);
  return 0;
 err2:
  fd_close(env[0]); fd_close(env[1]);
 err1:
  fd_close(msg[0]); fd_close(msg[1]);
 err0:
  if (id) { int e = errno; free(envp); errno = e; }
  return -1;
}

static int qq_put (stralloc *sa, char type, char const *s)
{
  return stralloc_catb(sa, &type, 1) && stralloc_catb(sa, s, strlen(s) + 1);
}

/* The envelope is built whole and written to the pipe in one go (it is
   short: one write instead of two per address); the injector reads it only
   after the message's EOF. */
int qq_envelope (qq *q, char const *sender, char const *const *rcpts, unsigned int n)
{
  return qq_envelope_dsn(q, sender, 0, rcpts, 0, n);
}

int qq_envelope_dsn (qq *q, char const *sender, char const *dsn, char const *const *rcpts, char const *const *rdsn, unsigned int n)
{
  stralloc sa = STRALLOC_ZERO;
  unsigned int i;
  int ok;
  if (q->msgfd >= 0) { fd_close(q->msgfd); q->msgfd = -1; }
  ok = qq_put(&sa, 'F', sender);
  if (ok && dsn && *dsn) ok = qq_put(&sa, 'D', dsn);
  for (i = 0; ok && i < n; i++)
  {
    ok = qq_put(&sa, 'T', rcpts[i]);
    if (ok && rdsn && rdsn[i] && *rdsn[i]) ok = qq_put(&sa, 'D', rdsn[i]);
  }
  ok = ok && stralloc_0(&sa) && allwrite(q->envfd, sa.s, sa.len) == sa.len;
  stralloc_free(&sa);
  if (!ok) return -1;
  fd_close(q->envfd);
  q->envfd = -1;
  return 0;
}

int qq_finish (qq *q)
{
  int wstat;
  if (q->msgfd >= 0) { fd_close(q->msgfd); q->msgfd = -1; }
  if (q->envfd >= 0) { fd_close(q->envfd); q->envfd = -1; }
  if (waitpid_nointr(q->pid, &wstat, 0) < 0) return -1;
  return wstat;
}

static qq_verdict const qq_table[] =
{
  { 250, "2.0.0", "Ok: queued" },
  { 554, "5.1.3", "envelope address too long for the queue" },
  { 554, "5.3.0", "the queue permanently refuses the message" },
  { 451, "4.3.0", "the queue is out of memory" },
  { 451, "4.3.0", "the queue cannot write: disk full or quota exceeded" },
  { 451, "4.3.0", "the queue cannot read the message or the envelope" },
  { 451, "4.3.0", "the queue configuration is unreadable" },
  { 451, "4.3.0", "the queue directory is unusable" },
  { 451, "4.3.0", "the queue had an internal error" },
  { 451, "4.3.0", "the queue found the envelope malformed" },
  { 451, "4.3.0", "the queue temporarily refuses the message" },
  { 451, "4.3.0", "the queue was killed" },
  { 552, "5.3.4", "the message is over the queue's size limit" },
};

qq_verdict const *qq_verdict_of (int wstatus)
{
  if (WIFSIGNALED(wstatus)) return qq_table + 11;
  if (!WIFEXITED(wstatus)) return qq_table + 8;
  switch (WEXITSTATUS(wstatus))
  {
    case 0: return qq_table;
    case 11: return qq_table + 1;
    case 33: return qq_table + 12;
    case 51: return qq_table + 3;
    case 53: return qq_table + 4;
    case 54: return qq_table + 5;
    case 55: return qq_table + 6;
    case 61: case 62: case 63: case 64: case 65: case 66: return qq_table + 7;
    case 81: return qq_table + 8;
    case 91: return qq_table + 9;
    default:
      return WEXITSTATUS(wstatus) >= 11 && WEXITSTATUS(wstatus) <= 40 ? qq_table + 2 : qq_table + 10;
  }
}
