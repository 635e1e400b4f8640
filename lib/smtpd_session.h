/* smtpd_session.h: the smtpd's SMTP session, from the greeting to QUIT:
   the HELO/EHLO state, MAIL and its parameters (SIZE, BODY, AUTH, RET,
   ENVID, SMTPUTF8), RCPT (NOTIFY, ORCPT, relay rights, duplicates, the
   cap), DATA with its Received header and the Date:/Message-ID: a
   submission lacks, AUTH PLAIN and LOGIN, RSET, and the reply each
   command gets. The state is a struct passed by pointer; the connection
   is a netio the caller set up; what the session cannot do itself (the
   size limit, the log, where a message goes) are hooks. It returns what
   ended a step and never exits or prints.

   The caller (cmd/smarthost-smtpd.c) reads the settings, takes the
   connection slots, does STARTTLS's handshake and the queue commit, and
   loops:

     state            command        reply                      next state
     start            EHLO/HELO      250 (EHLO: the extensions)  greeted
     greeted          MAIL           250, or 5xx/452            in mail
     in mail          RCPT           250, 4xx/5xx               in mail
     in mail, rcpts   DATA           354, then the verdict      greeted
     any              RSET           250                        greeted (envelope empty)
     EHLO, no AUTH    AUTH           334..., 235 or 535/454     authenticated
     any              QUIT           221                        end
   and out of order: 503 (MAIL before HELO, RCPT before MAIL, DATA before
   RCPT, AUTH twice or inside a transaction). Every refusal that is the
   client's fault counts; after SMTPD_MAXERRORS the session ends with 421. */
#ifndef SMARTHOST_SMTPD_SESSION_H
#define SMARTHOST_SMTPD_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "dsnparam.h"
#include "netio.h"

/* RFC 5321 4.5.3.1.4, with CRLF; MAIL and RCPT longer by what RFC
   3461's parameters may add (section 5: 500 for ORCPT, and NOTIFY's words) */
#define SMTPD_CMD_BASE_MAX 512
#define SMTPD_CMD_MAX (SMTPD_CMD_BASE_MAX + DSN_CMD_EXTRA)
#define SMTPD_HELO_MAX 255
#define SMTPD_RCPT_MAX 10000   /* SMTPD_MAXRCPT's top; duplicates are looked up linearly */

/* Who may send bare LFs and long lines (SMTPD_NORMALIZE). */
#define SMTPD_NORM_NONE 0
#define SMTPD_NORM_RELAY 1
#define SMTPD_NORM_ALL 2

/* The settings, read by the caller (smarthost-conf(5)). */
typedef struct smtpd_conf_s smtpd_conf;
struct smtpd_conf_s
{
  char const *name;            /* HELONAME */
  char const *ip;              /* TCPREMOTEIP, printable; 0: unknown */
  char const *clientkey;       /* lib/clientkey.h: the AUTH throttle's key */
  char const *authfile;        /* SMTPD_AUTHFILE; 0: no AUTH */
  char const *rundir;          /* SMTPD_RUNDIR: the AUTH throttle's records; 0: none */
  int starttls;                /* SMTPD_CERTFILE set: STARTTLS is offered */
  int relayclient;
  int auth_clear;
  int received_user;
  int normalize;               /* SMTPD_NORM_* */
  int add_headers;
  unsigned int maxrcpt;
  unsigned int maxerrors;
  unsigned int cmd_timeout;    /* seconds: each command, from the wait for it to its reply */
  unsigned int data_timeout;   /* the DATA phase, from 354 to the final dot */
  unsigned int session_timeout;
  unsigned int auth_maxfail;   /* 0: no throttle */
  unsigned int auth_window;
  unsigned int auth_fail_delay;   /* seconds before a 535 */
};

typedef struct smtpd_session_s smtpd_session;

/* Log levels: as strerr_warni, strerr_warnw, strerr_warnwu ("unable to "). */
#define SMTPD_LOG_INFO 0
#define SMTPD_LOG_WARN 1
#define SMTPD_LOG_UNABLE 2

/* What the session asks of its caller. ctx is passed back to each. */
typedef struct smtpd_hooks_s smtpd_hooks;
struct smtpd_hooks_s
{
  void *ctx;
  /* The size limit in octets, 0 for none; asked when first needed (EHLO,
     MAIL SIZE, DATA), so a session that sends no mail never looks. */
  uint64_t (*limit) (void *ctx);
  /* One log line (printable), without the program's prefix. */
  void (*log) (void *ctx, int level, char const *line);
  /* Where the message of the current envelope (s->sender, s->rcpts...)
     goes, under the queue id id. open: 0 ready, a wait status as the
     injector's (refused before any data), or -1 (the injector could not
     be started). write: 0, or an errno (the first failure is kept and
     told at the final dot). abort: nothing is queued; a wait status to
     tell the client (0: none known). commit: a wait status, or -1 (the
     injector was lost). lib/qq.h's qq_verdict_of reads the statuses. */
  int (*open) (void *ctx, smtpd_session const *s, char const *id);
  int (*write) (void *ctx, char const *buf, size_t len);
  int (*abort) (void *ctx, int werr);
  int (*commit) (void *ctx, smtpd_session const *s);
  /* The limit of a transaction from sender addr (with ROUTES, its
     route's upstream's), asked at MAIL; 0 for none. NULL: limit's. */
  uint64_t (*sender_limit) (void *ctx, char const *addr);
};

struct smtpd_session_s
{
  smtpd_conf const *cf;
  smtpd_hooks const *hk;
  netio *io;
  /* the session */
  int greeted;                 /* 0, 1 after HELO, 2 after EHLO */
  char helo[SMTPD_HELO_MAX + 1];
  stralloc authuser;           /* printable; empty: not authenticated */
  char tlsinfo[128];           /* "TLSv1.3 TLS_AES_256_GCM_SHA384"; empty: no TLS */
  unsigned int errors;
  int closing;                 /* SMTPD_MAXERRORS reached: 421 given */
  int fail;                    /* 0, or the first failure: -1 (errno in failerr), -2 no memory */
  int failerr;
  /* Deadlines that trickling cannot push back: the session's, and the
     current phase's (a command, or DATA), applied to io. */
  tain session_end;
  tain phase_end;
  char const *phase;
  /* the transaction */
  int inmail;
  int utf8mail;                /* MAIL carried SMTPUTF8 (RFC 6531) */
  stralloc sender;             /* NUL-terminated */
  stralloc rcpts;              /* NUL-terminated, one after the other */
  /* DSN parameters (RFC 3461) in dsnparam_fmt's form, NUL-terminated, ""
     for none: the sender's, and each recipient's in the order of rcpts */
  stralloc mdsn;
  stralloc rdsn;
  unsigned int nrcpt;
  uint64_t txlimit;            /* the transaction's size limit (sender_limit), 0: none */
  /* The held header (see smtpd_session.c: head_feed), kept across
     messages: at most 64 KiB and a read. */
  stralloc held;
};

/* What ended a step. */
#define SMTPD_SESSION_NEXT 0       /* go on: read the next command */
#define SMTPD_SESSION_END 1        /* QUIT answered, the client closed, or 421 after too many errors */
#define SMTPD_SESSION_STARTTLS 2   /* STARTTLS may begin: the caller answers and calls smtpd_session_tls */
#define SMTPD_SESSION_GONE_AUTH 3  /* the client closed inside AUTH */
#define SMTPD_SESSION_GONE_DATA 4  /* the client closed inside DATA: nothing queued */
#define SMTPD_SESSION_IOERR (-1)   /* errno: the connection failed, ETIMEDOUT a deadline passed */
#define SMTPD_SESSION_NOMEM (-2)

/* Sets s up for a new connection on io (set up by the caller) and starts
   the session's deadline and the first command's. */
void smtpd_session_init (smtpd_session *s, smtpd_conf const *cf, smtpd_hooks const *hk, netio *io);
void smtpd_session_free (smtpd_session *s);

/* Queues the 220 greeting. */
int smtpd_session_greet (smtpd_session *s);
/* Reads one command and answers it (including a DATA phase or an AUTH
   exchange): one of SMTPD_SESSION_*. The replies are queued on io,
   written before the next wait for input. */
int smtpd_session_step (smtpd_session *s);
/* Answers one command line already read (NUL-terminated, len octets, as
   smtpd_cmd_read leaves it; changed in place). As smtpd_session_step. */
int smtpd_session_command (smtpd_session *s, char *line, size_t len);

/* Ends the mail transaction: the envelope is empty (RSET, after DATA). */
void smtpd_session_reset (smtpd_session *s);
/* TLS is up (RFC 3207 4.2): everything learnt from the client is
   forgotten; info says the version and cipher for the Received header. */
void smtpd_session_tls (smtpd_session *s, char const *info);

/* Starts a phase: name ("command" or "DATA") and its deadline of secs,
   bounded by the session's. */
void smtpd_session_phase (smtpd_session *s, char const *name, unsigned int secs);
/* After ETIMEDOUT: which deadline passed ("timeout", "session time
   limit", "DATA time limit", "command time limit"). */
char const *smtpd_session_deadline (smtpd_session const *s);

#endif
