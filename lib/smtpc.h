/* smtpc.h: an SMTP client session to the upstream: connect, greeting,
   EHLO, STARTTLS or implicit TLS, AUTH, then transactions (several per
   session, RSET between), QUIT. Returns, never prints: the dialogue goes
   to an optional trace function, failures are described in the session. */
#ifndef SMARTHOST_SMTPC_H
#define SMARTHOST_SMTPC_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>
#include "netio.h"
#include "smtp_reply.h"

struct tls_config;

enum smtpc_tls { SMTPC_TLS_STARTTLS, SMTPC_TLS_IMPLICIT, SMTPC_TLS_NONE };

#define SMTPC_EXT_PIPELINING 1u
#define SMTPC_EXT_SIZE 2u
#define SMTPC_EXT_8BITMIME 4u
#define SMTPC_EXT_STARTTLS 8u
#define SMTPC_EXT_AUTH 16u
#define SMTPC_EXT_DSN 32u
#define SMTPC_EXT_SMTPUTF8 64u

/* Fetches the password (token 0) or the OAuth2 token (1) into out.
   Returns 1, or 0 after smtpc_fail() (class config or auth). */
typedef int smtpc_secret_func (void *aux, int token, stralloc *out);
/* One line of the dialogue: dir is '>' (sent), '<' (received) or '*' (an
   event: connected, TLS). AUTH payloads arrive already redacted. */
typedef void smtpc_trace_func (void *aux, char dir, char const *s, size_t len);

typedef struct smtpc_s smtpc;
struct smtpc_s
{
  /* set by the caller */
  char const *helo;
  enum smtpc_tls tlsmode;
  struct tls_config *tlscfg;
  char const *user;           /* NULL: no AUTH */
  int have_password;
  int have_token;
  int auth_clear;             /* AUTH allowed without TLS */
  char const *mech;           /* forced mechanism, or NULL */
  unsigned int timeout;       /* seconds: connect, every read and write */
  unsigned int datatimeout;   /* seconds: the reply to the end of DATA */
  smtpc_secret_func *secret;
  smtpc_trace_func *trace;
  void *aux;                  /* for secret and trace */

  /* the session */
  netio io;
  smtp_reply reply;
  char const *host;
  unsigned int port;
  unsigned int ext;           /* SMTPC_EXT_* from the last EHLO */
  unsigned long size;         /* SIZE advertised, 0: none or no limit */
  stralloc authmechs;         /* the words after AUTH in the last EHLO */
  int tls;                    /* the connection is under TLS */
  char tlsversion[16];        /* "TLSv1.3", or empty without TLS */
  int tlsfresh;               /* TLS is up and nothing was read under it yet */
  char const *authmech;       /* the mechanism that logged in, or NULL */
  int up;                     /* ready for MAIL */
  unsigned int nmsgs;         /* transactions on this connection */

  /* the last failure */
  char const *fclass;         /* network tls auth throttle protocol config local smtp */
  unsigned int fcode;         /* the upstream's code, 0: the failure is ours */
  int fperm;                  /* 1: a 5xx, or a configuration that cannot work */
  int fnext;                  /* 1: worth trying the next upstream */
  stralloc ftext;             /* printable */
};
#define SMTPC_ZERO { .io = NETIO_ZERO, .reply = SMTP_REPLY_ZERO, .authmechs = STRALLOC_ZERO, .ftext = STRALLOC_ZERO, .timeout = 60, .datatimeout = 600 }

/* Records a failure: class, code (0: ours), text (made printable). */
void smtpc_fail (smtpc *s, char const *fclass, unsigned int code, char const *text, size_t len);

/* Connects to host:port and runs greeting, EHLO, TLS and AUTH.
   Returns 1 ready for a transaction, or 0 with the failure recorded and the
   connection closed. */
int smtpc_open (smtpc *s, char const *host, unsigned int port);

/* One message. */
typedef struct smtpc_msg_s smtpc_msg;
struct smtpc_msg_s
{
  char const *sender;          /* "" for the null sender */
  char const *const *rcpts;
  unsigned int n;
  char const *head;            /* sent first, when headlen: a rewritten header (lib/route.h) */
  size_t headlen;
  int fd;                      /* the body, LF line ends, read from its current offset to EOF */
  unsigned long size;          /* for SIZE=, 0: unknown */
  /* DSN parameters (lib/dsnparam.h, dsnparam_fmt's form: " RET=HDRS"),
     given to MAIL and RCPT when the upstream offers DSN; NULL or "": none */
  char const *dsn;
  char const *const *rdsn;     /* per recipient; NULL: none for any */
  int smtputf8;                /* 1: SMTPUTF8 on MAIL, if offered (lib/smtputf8.h decides) */

  /* results: per recipient 'k' ok, 'd' defer, 'f' fail, with the code and
     the text (printable, NUL-terminated, at rtext.s + rpos[i]) */
  char *rstatus;
  unsigned int *rcode;
  size_t *rpos;
  stralloc rtext;
  char mstatus;
  char const *mclass;
  unsigned int mcode;
  stralloc mtext;
};

/* Sends one message on an open session and fills the results. Returns 1
   when the session is still usable, 0 when it is closed (the results say
   why), -1 when nothing was sent because the reused connection turned out
   dead (closed by the upstream while idle, 421): reconnect and retry. */
int smtpc_send (smtpc *s, smtpc_msg *m);

/* QUIT (its reply read under a short deadline), then close. */
void smtpc_quit (smtpc *s);
/* Closes at once. */
void smtpc_close (smtpc *s);

#endif
