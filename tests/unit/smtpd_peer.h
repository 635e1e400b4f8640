/* smtpd_peer.h: a scripted client for lib/smtpd_session in the unit
   tests. The session runs on one end of a socketpair; the test writes
   commands to the other end, runs one step, and reads back the replies
   that step queued. A sink in memory records what a message would have
   given the spool, and the log lines are kept. */
#ifndef SMARTHOST_SMTPD_PEER_H
#define SMARTHOST_SMTPD_PEER_H

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "netio.h"
#include "smtpd_session.h"

typedef struct peer_s peer;
struct peer_s
{
  int fd;                  /* the client's end */
  netio io;
  smtpd_session s;
  smtpd_conf cf;
  uint64_t limit;
  stralloc log;            /* the log lines, each ending in \n */
  stralloc msg;            /* what the sink was given for the last message */
  unsigned int opened, aborted, committed;
  int open_ret;            /* what the sink's open returns */
  int write_err;           /* what its writes return */
  int abort_ret;           /* what its abort returns after a write error */
  char reply[65536];       /* the replies of the last step */
  size_t rlen;
};

static inline uint64_t peer_limit (void *ctx) { return ((peer *)ctx)->limit; }

static inline void peer_log (void *ctx, int level, char const *line)
{
  peer *p = ctx;
  (void)level;
  if (!stralloc_cats(&p->log, line) || !stralloc_cats(&p->log, "\n")) abort();
}

static inline int peer_open (void *ctx, smtpd_session const *s, char const *id)
{
  peer *p = ctx;
  (void)s; (void)id;
  p->opened++;
  p->msg.len = 0;
  return p->open_ret;
}

static inline int peer_write (void *ctx, char const *buf, size_t len)
{
  peer *p = ctx;
  if (p->write_err) return p->write_err;
  return stralloc_catb(&p->msg, buf, len) ? 0 : ENOMEM;
}

static inline int peer_abort (void *ctx, int werr)
{
  peer *p = ctx;
  p->aborted++;
  return werr ? p->abort_ret : 0;
}

static inline int peer_commit (void *ctx, smtpd_session const *s)
{
  peer *p = ctx;
  (void)s;
  p->committed++;
  return 0;
}

static smtpd_hooks peer_hooks = { 0, &peer_limit, &peer_log, &peer_open, &peer_write, &peer_abort, &peer_commit, 0 };

/* A password file with user "user", password "secret". */
static inline char const *peer_authfile (void)
{
  static char name[] = "/tmp/smtpd-peer-auth-XXXXXX";
  static int made;
  char const *hash;
  int fd;
  if (made) return name;
  hash = crypt("secret", "$5$rounds=1000$unitsalt$");
  fd = mkstemp(name);
  if (fd < 0 || !hash || dprintf(fd, "user:%s\n", hash) < 0) abort();
  close(fd);
  made = 1;
  return name;
}

/* The settings smarthost-smtpd has by default, for a relay client. */
static inline void peer_conf (smtpd_conf *cf)
{
  memset(cf, 0, sizeof *cf);
  cf->name = "relay.test";
  cf->ip = "192.0.2.1";
  cf->clientkey = "192.0.2.1";
  cf->relayclient = 1;
  cf->normalize = SMTPD_NORM_RELAY;
  cf->add_headers = 1;
  cf->maxrcpt = 100;
  cf->maxerrors = 10;
  cf->cmd_timeout = 20;   /* a test that waits for a line never sent fails soon */
  cf->data_timeout = 1800;
  cf->session_timeout = 3600;
}

/* Starts a session with p->cf as set by the caller (peer_conf first);
   the greeting is in p->reply. */
static inline void peer_start (peer *p)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) abort();
  p->fd = sv[0];
  if (fcntl(p->fd, F_SETFL, O_NONBLOCK) < 0) abort();
  p->io = (netio)NETIO_ZERO;
  netio_init(&p->io, sv[1]);
  p->log = (stralloc)STRALLOC_ZERO;
  p->msg = (stralloc)STRALLOC_ZERO;
  p->opened = p->aborted = p->committed = 0;
  p->open_ret = p->write_err = p->abort_ret = 0;
  peer_hooks.ctx = p;
  smtpd_session_init(&p->s, &p->cf, &peer_hooks, &p->io);
  if (smtpd_session_greet(&p->s)) abort();
  if (netio_flush(&p->io, 0) < 0) abort();
  p->rlen = read(p->fd, p->reply, sizeof p->reply - 1);
  p->reply[p->rlen] = 0;
}

static inline void peer_stop (peer *p)
{
  smtpd_session_free(&p->s);
  netio_close(&p->io, &tain_zero);
  if (p->fd >= 0) close(p->fd);
  p->fd = -1;
  stralloc_free(&p->log);
  stralloc_free(&p->msg);
}

/* Sends text (any number of lines) without running the session. */
static inline void peer_send (peer *p, char const *text)
{
  size_t n = strlen(text);
  if (write(p->fd, text, n) != (ssize_t)n) abort();
}

/* Runs one step; its replies are in p->reply. Returns the step's result. */
static inline int peer_step (peer *p)
{
  int r = smtpd_session_step(&p->s);
  ssize_t n;
  netio_flush(&p->io, 0);
  p->rlen = 0;
  while ((n = read(p->fd, p->reply + p->rlen, sizeof p->reply - 1 - p->rlen)) > 0) p->rlen += n;
  p->reply[p->rlen] = 0;
  return r;
}

/* Sends one command (CRLF added) and runs one step: its replies. */
static inline char const *peer_cmd (peer *p, char const *cmd)
{
  peer_send(p, cmd);
  peer_send(p, "\r\n");
  peer_step(p);
  return p->reply;
}

/* Whether the replies of the last step begin with code (e.g. "503 "). */
static inline int peer_got (peer const *p, char const *code)
{
  return !strncmp(p->reply, code, strlen(code));
}

/* The final replies ("DDD ") among the last step's, or -1 if a line is
   not a well-formed reply. */
static inline int peer_finals (peer const *p)
{
  char const *s = p->reply;
  int n = 0;
  while (*s)
  {
    char const *eol = strstr(s, "\r\n");
    if (!eol || eol - s < 4 || s[0] < '2' || s[0] > '5' || (s[3] != ' ' && s[3] != '-')) return -1;
    n += s[3] == ' ';
    s = eol + 2;
  }
  return n;
}

#endif
