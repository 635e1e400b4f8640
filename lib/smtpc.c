/* The SMTP client session. A session goes:

     connect --> [implicit TLS] --> 220 greeting --> EHLO
       --> [STARTTLS, 220, handshake, EHLO again] --> [AUTH] --> up
     up --> ([RSET] MAIL RCPT... DATA body .) ... --> QUIT

   Everything before AUTH that fails is worth trying on the next upstream
   (fnext); AUTH failures are not (the next one has the same credentials). */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <tls.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include "auth_client.h"
#include "netio.h"
#include "printable.h"
#include "smtp_dot.h"
#include "smtp_reply.h"
#include "tlsio_client.h"
#include "smtpc.h"
#include "smtpc_internal.h"

#define SMTPC_CHUNK 65536

void smtpc_fail (smtpc *s, char const *fclass, unsigned int code, char const *text, size_t len)
{
  s->fclass = fclass;
  s->fcode = code;
  s->fperm = code >= 500;
  s->ftext.len = 0;
  if (!printable_cat(&s->ftext, text, len)) s->ftext.len = 0;
}

void smtpc_fails (smtpc *s, char const *fclass, char const *a, char const *b)
{
  smtpc_fail(s, fclass, 0, a, strlen(a));
  if (b && stralloc_cats(&s->ftext, ": ")) printable_cat(&s->ftext, b, strlen(b));
}

/* A failure described by the upstream's reply: "what: 535 text". */
void smtpc_failreply (smtpc *s, char const *fclass, char const *what)
{
  char fmt[UINT_FMT];
  fmt[uint_fmt(fmt, s->reply.code)] = 0;
  smtpc_fail(s, fclass, s->reply.code, what, strlen(what));
  if (stralloc_cats(&s->ftext, ": ") && stralloc_cats(&s->ftext, fmt) && stralloc_cats(&s->ftext, " "))
    smtp_reply_text(&s->reply, &s->ftext);
}

void smtpc_trace (smtpc *s, char dir, char const *line, size_t len)
{
  if (s->trace) (*s->trace)(s->aux, dir, line, len);
}

static void smtpc_tracereply (smtpc *s)
{
  char buf[SMTP_REPLY_LINEMAX + 8];
  unsigned int i;
  if (!s->trace) return;
  for (i = 0; i < s->reply.nlines; i++)
  {
    char const *t = smtp_reply_linetext(&s->reply, i);
    size_t l = strlen(t);
    size_t n = uint_fmt(buf, s->reply.code);
    buf[n++] = i + 1 < s->reply.nlines ? '-' : ' ';
    memcpy(buf + n, t, l);
    smtpc_trace(s, '<', buf, n + l);
  }
}

void smtpc_deadline (tain *d, unsigned int secs)
{
  tain_now_g();
  tain_addsec_g(d, secs);
}

/* Queues a command; shown as redacted in the trace when it is not NULL. */
int smtpc_put (smtpc *s, char const *line, char const *shown)
{
  smtpc_trace(s, '>', shown ? shown : line, strlen(shown ? shown : line));
  if (!netio_puts(&s->io, line) || !netio_put(&s->io, "\r\n", 2))
  {
    smtpc_fails(s, "local", "out of memory", 0);
    return 0;
  }
  return 1;
}

/* With TLS 1.3 the server checks our certificate (or its absence) after
   our side of the handshake has completed: a server that wants one we do
   not have, or refuses ours, closes the connection (with an alert, or
   without one as Python's ssl does) on our first read or write. That is a
   TLS refusal a person must fix (class tls, the queue pauses), not a
   broken network. A timeout there stays class network. */
static int smtpc_tlsrefused (smtpc *s)
{
  if (!s->tlsfresh || errno == ETIMEDOUT) return 0;
  smtpc_fails(s, "tls", "the upstream closed the connection at the end of the TLS handshake (a client certificate missing or refused?)",
    errno == EPROTO && netio_tlsctx(&s->io) ? tls_error(netio_tlsctx(&s->io)) : strerror(errno));
  return 1;
}

int smtpc_flush (smtpc *s)
{
  tain d;
  smtpc_deadline(&d, s->timeout);
  if (netio_flush(&s->io, &d) < 0)
  {
    if (smtpc_tlsrefused(s)) return 0;
    /* after the handshake, a TLS error is a broken connection (a reset,
       an EOF without close_notify), not a certificate problem */
    smtpc_fails(s, "network", "unable to write to the upstream",
      errno == EPROTO && netio_tlsctx(&s->io) ? tls_error(netio_tlsctx(&s->io)) : strerror(errno));
    return 0;
  }
  return 1;
}

/* Reads a reply; 1, or 0 with the failure recorded (the session is then
   unusable). */
int smtpc_read (smtpc *s, unsigned int secs)
{
  tain d;
  int r;
  smtpc_deadline(&d, secs);
  r = smtp_reply_read(&s->io, &s->reply, &d);
  if (r > 0) { s->tlsfresh = 0; smtpc_tracereply(s); return 1; }
  if (r < 0 && smtpc_tlsrefused(s)) return 0;
  if (!r)
    smtpc_fails(s, "protocol", errno == E2BIG ? "reply from the upstream too long" : "malformed reply from the upstream", 0);
  else if (errno == ETIMEDOUT)
    smtpc_fails(s, "network", "timed out waiting for the upstream", 0);
  else if (errno == EPIPE)
    smtpc_fails(s, "network", "connection closed by the upstream", 0);
  else if (errno == EPROTO && netio_tlsctx(&s->io))
    smtpc_fails(s, "network", "connection broken under TLS", tls_error(netio_tlsctx(&s->io)));
  else
    smtpc_fails(s, "network", "unable to read from the upstream", strerror(errno));
  return 0;
}

/* A command and its reply. */
int smtpc_cmd (smtpc *s, char const *line, char const *shown)
{
  return smtpc_put(s, line, shown) && smtpc_flush(s) && smtpc_read(s, s->timeout);
}

void smtpc_close (smtpc *s)
{
  /* one try at a close_notify, no wait: we are done with this upstream */
  netio_close(&s->io, &tain_zero);
  s->up = 0;
  s->tls = 0;
  s->tlsfresh = 0;
}

static int smtpc_connect (smtpc *s, char const *host, unsigned int port)
{
  struct addrinfo hints, *res = 0, *ai;
  char portstr[UINT_FMT];
  int e;
  int fd = -1;
  char const *why = "no address";
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  portstr[uint_fmt(portstr, port)] = 0;
  e = getaddrinfo(host, portstr, &hints, &res);
  if (e)
  {
    smtpc_fails(s, "network", "unable to resolve the upstream", gai_strerror(e));
    return 0;
  }
  for (ai = res; ai; ai = ai->ai_next)
  {
    tain d;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { why = strerror(errno); continue; }
    smtpc_deadline(&d, s->timeout);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS && netio_wait(fd, 1, &d) > 0
     && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && !soerr) break;
    /* soerr: the asynchronous connect's verdict; else connect's or the wait's */
    why = strerror(soerr ? soerr : errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0)
  {
    smtpc_fails(s, "network", "unable to connect to the upstream", why);
    return 0;
  }
  {
    /* commands are small and we wait for their replies: Nagle would only
       add delay (RFC 5321 has no use for it) */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  netio_init(&s->io, fd);
  s->host = host;
  s->port = port;
  s->nmsgs = 0;
  s->tls = 0;
  s->tlsfresh = 0;
  smtpc_trace(s, '*', "connected", 9);
  return 1;
}

static int smtpc_handshake (smtpc *s)
{
  tain d;
  struct tls *ctx;
  stralloc err = STRALLOC_ZERO;
  smtpc_deadline(&d, s->timeout);
  ctx = tlsio_client_handshake(s->tlscfg, netio_fd(&s->io), s->host, &d, &err);
  if (!ctx)
  {
    /* out of time: a silent or stalled peer, which is the network's
       business; class tls (pause the queue) is for what a person must fix */
    tain_now_g();
    smtpc_fail(s, tain_less(&STAMP, &d) ? "tls" : "network", 0, err.s ? err.s : "TLS failure", err.s ? err.len : 11);
    stralloc_free(&err);
    return 0;
  }
  netio_tls(&s->io, ctx);
  s->tls = 1;
  s->tlsfresh = 1;
  {
    char const *v = tls_conn_version(ctx);
    size_t n = v ? strlen(v) : 0;
    if (n >= sizeof s->tlsversion) n = sizeof s->tlsversion - 1;
    memcpy(s->tlsversion, v ? v : "", n);
    s->tlsversion[n] = 0;
  }
  if (s->trace)
  {
    stralloc t = STRALLOC_ZERO;
    char const *v = tls_conn_version(ctx);
    char const *c = tls_conn_cipher(ctx);
    char const *subj = tls_peer_cert_subject(ctx);
    if (stralloc_cats(&t, "TLS ") && stralloc_cats(&t, v ? v : "?") && stralloc_cats(&t, " ")
     && stralloc_cats(&t, c ? c : "?") && stralloc_cats(&t, ", certificate verified: ")
     && printable_cat(&t, subj ? subj : "?", strlen(subj ? subj : "?")))
      smtpc_trace(s, '*', t.s, t.len);
    stralloc_free(&t);
  }
  return 1;
}

/* The EHLO reply's keywords. */
static void smtpc_ehlo_parse (smtpc *s)
{
  unsigned int i;
  s->ext = 0;
  s->size = 0;
  s->authmechs.len = 0;
  for (i = 1; i < s->reply.nlines; i++)
  {
    char const *t = smtp_reply_linetext(&s->reply, i);
    size_t w = strcspn(t, " =");
    if (w == 10 && !strncasecmp(t, "PIPELINING", 10)) s->ext |= SMTPC_EXT_PIPELINING;
    else if (w == 8 && !strncasecmp(t, "8BITMIME", 8)) s->ext |= SMTPC_EXT_8BITMIME;
    else if (w == 8 && !strncasecmp(t, "STARTTLS", 8)) s->ext |= SMTPC_EXT_STARTTLS;
    else if (w == 4 && !strncasecmp(t, "SIZE", 4))
    {
      unsigned long n = 0;
      s->ext |= SMTPC_EXT_SIZE;
      if (t[4] == ' ' && ulong_scan(t + 5, &n)) s->size = n;
    }
    else if (w == 4 && !strncasecmp(t, "AUTH", 4) && (t[4] == ' ' || t[4] == '='))
    {
      /* several AUTH lines (and the old "AUTH=" form) add up */
      s->ext |= SMTPC_EXT_AUTH;
      if (s->authmechs.len) stralloc_catb(&s->authmechs, " ", 1);
      stralloc_cats(&s->authmechs, t + 5);
    }
  }
}

static int smtpc_ehlo (smtpc *s)
{
  stralloc line = STRALLOC_ZERO;
  int r = stralloc_cats(&line, "EHLO ") && stralloc_cats(&line, s->helo) && stralloc_0(&line);
  if (!r) { smtpc_fails(s, "local", "out of memory", 0); return 0; }
  r = smtpc_cmd(s, line.s, 0);
  stralloc_free(&line);
  if (!r) return 0;
  if (s->reply.code != 250)
  {
    smtpc_failreply(s, s->reply.code == 421 ? "throttle" : "protocol", "EHLO refused");
    return 0;
  }
  smtpc_ehlo_parse(s);
  /* keep authmechs a C string */
  if (!stralloc_0(&s->authmechs)) { smtpc_fails(s, "local", "out of memory", 0); return 0; }
  s->authmechs.len--;
  return 1;
}

static int smtpc_starttls (smtpc *s)
{
  if (!(s->ext & SMTPC_EXT_STARTTLS))
  {
    smtpc_fails(s, "tls", "the upstream does not offer STARTTLS", 0);
    return 0;
  }
  if (!smtpc_cmd(s, "STARTTLS", 0)) return 0;
  if (s->reply.code != 220)
  {
    smtpc_failreply(s, "tls", "STARTTLS refused");
    return 0;
  }
  /* Bytes after the 220 would be read as if they came under TLS: a
     command injection (CVE-2011-0411 on the server side). */
  if (netio_pending(&s->io))
  {
    smtpc_fails(s, "protocol", "the upstream sent data after its reply to STARTTLS", 0);
    return 0;
  }
  return smtpc_handshake(s) && smtpc_ehlo(s);
}

int smtpc_open (smtpc *s, char const *host, unsigned int port)
{
  s->fclass = 0;
  s->fnext = 1;
  s->fperm = 0;
  s->tlsversion[0] = 0;
  s->authmech = 0;
  if (!smtpc_connect(s, host, port)) return 0;
  if (s->tlsmode == SMTPC_TLS_IMPLICIT && !smtpc_handshake(s)) goto fail;
  if (!smtpc_read(s, s->timeout)) goto fail;
  if (s->reply.code != 220)
  {
    smtpc_failreply(s, s->reply.code < 500 ? "throttle" : "protocol", "the upstream refused the connection");
    goto fail;
  }
  if (!smtpc_ehlo(s)) goto fail;
  if (s->tlsmode == SMTPC_TLS_STARTTLS && !smtpc_starttls(s)) goto fail;
  s->fnext = 0;
  if (s->user && !smtpc_auth(s)) goto fail;
  s->up = 1;
  return 1;
 fail:
  /* a refusal on a sound connection gets a QUIT; a broken link, a TLS
     failure or an upstream that is closing gets nothing more */
  if (!s->fclass) s->fclass = "local";
  if (s->fcode == 421 || !strcmp(s->fclass, "network") || !strcmp(s->fclass, "tls")
   || (!s->fcode && !strcmp(s->fclass, "protocol"))) smtpc_close(s);
  else smtpc_quit(s);
  return 0;
}

void smtpc_quit (smtpc *s)
{
  tain d;
  if (netio_fd(&s->io) < 0) return;
  /* A short deadline: we are done, the 221 is a courtesy. Quietly: the
     failure that brought us here, if any, is what counts. */
  smtpc_trace(s, '>', "QUIT", 4);
  smtpc_deadline(&d, s->timeout < 5 ? s->timeout : 5);
  if (netio_puts(&s->io, "QUIT\r\n") && netio_flush(&s->io, &d) > 0
   && smtp_reply_read(&s->io, &s->reply, &d) > 0) smtpc_tracereply(s);
  smtpc_close(s);
}
