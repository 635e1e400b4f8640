/* qq.h: run the injector (smarthost-queue or $QMAILQUEUE) and read its verdict */
#ifndef SMARTHOST_QQ_H
#define SMARTHOST_QQ_H

#include <sys/types.h>

typedef struct qq_s qq;
struct qq_s
{
  pid_t pid;
  int msgfd;   /* write the message here, then close (qq_envelope does) */
  int envfd;   /* the envelope goes here */
};
#define QQ_ZERO { 0, -1, -1 }

/* Starts the injector: $QMAILQUEUE if set, else smarthost-queue from PATH.
   If id is not NULL, it is passed as SMARTHOST_ID. Returns 0, or -1 with errno.
   Callers must ignore SIGPIPE: an injector that fails early closes its pipes. */
int qq_start (qq *q, char const *id);

/* Closes the message pipe and writes the envelope: sender, then n recipients,
   each a NUL-terminated string. Returns 0, or -1 with errno. */
int qq_envelope (qq *q, char const *sender, char const *const *rcpts, unsigned int n);

/* The same with DSN parameters (lib/dsnparam.h, dsnparam_fmt's form):
   dsn the sender's, rdsn[i] recipient i's; NULL or "" for none. They go
   as a field "D params" after the sender's or the recipient's. */
int qq_envelope_dsn (qq *q, char const *sender, char const *dsn, char const *const *rcpts, char const *const *rdsn, unsigned int n);

/* Closes what is open and waits for the injector; returns its wait status,
   or -1 with errno. */
int qq_finish (qq *q);

/* The one table from injector verdicts to SMTP replies (qmail's qmail_close):
   exit 0 is 250; 11-40 permanent (5xx); anything else, a signal included,
   temporary (4xx). */
typedef struct qq_verdict_s qq_verdict;
struct qq_verdict_s
{
  unsigned int code;     /* 250, 451, 554, ... */
  char const *ecode;     /* "2.0.0", "4.3.0", ... */
  char const *text;
};
qq_verdict const *qq_verdict_of (int wstatus);

#endif
