/* One transaction on an open session. With PIPELINING (RFC 2920) the
   commands go in one write: [RSET] MAIL, every RCPT, DATA; the replies are
   then read in order. Without it, the same steps go one by one, and RCPT
   and DATA are skipped once they cannot succeed.

   Per recipient, the outcome is its RCPT reply when that refused it, else
   the reply to the end of DATA. The body is converted on the fly
   (smtp_dot) and the final dot leaves in the same write as the last chunk
   of the body: no delayed-ACK wait on it. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "printable.h"
#include "smtp_dot.h"
#include "smtp_reply.h"
#include "smtpc.h"
#include "smtpc_internal.h"

#define SMTPC_CHUNK 65536

/* 530 is "authentication required" (RFC 4954 6): our session lacks AUTH,
   which the configuration must fix; the message is not at fault. */
static char smtpc_status (unsigned int code)
{
  if (code == 530) return 'd';
  return code >= 200 && code < 300 ? 'k' : code >= 500 && code < 600 ? 'f' : 'd';
}

static char const *smtpc_class (unsigned int code)
{
  return code == 421 ? "throttle" : code == 530 ? "auth" : "smtp";
}

/* Recipient i gets the current reply as its outcome ('a': accepted, the
   outcome comes with DATA). */
static int smtpc_rcpt_reply (smtpc *s, smtpc_msg *m, unsigned int i, char st)
{
  m->rstatus[i] = st;
  m->rcode[i] = s->reply.code;
  m->rpos[i] = m->rtext.len;
  return smtp_reply_text(&s->reply, &m->rtext) && stralloc_0(&m->rtext);
}

/* The message line from the current reply. */
static int smtpc_msg_reply (smtpc *s, smtpc_msg *m, char st, char const *prefix)
{
  m->mstatus = st;
  m->mclass = smtpc_class(s->reply.code);
  m->mcode = s->reply.code;
  m->mtext.len = 0;
  return stralloc_cats(&m->mtext, prefix) && smtp_reply_text(&s->reply, &m->mtext) && stralloc_0(&m->mtext);
}

/* The text of a 421 this transaction already got, or 0. */
static char const *smtpc_got421 (smtpc_msg const *m, char const **what)
{
  unsigned int i;
  if (m->mstatus && m->mcode == 421 && m->mtext.len) { *what = ""; return m->mtext.s; }
  for (i = 0; i < m->n; i++)
    if (m->rstatus[i] && m->rstatus[i] != 'a' && m->rcode[i] == 421) { *what = "RCPT refused: "; return m->rtext.s + m->rpos[i]; }
  return 0;
}

/* A 421 announces that the upstream closes (RFC 5321 3.8): the broken
   connection that follows is that close, not a network failure, and the
   failure is the 421's (class throttle: the upstream asks us to wait). */
static void smtpc_closed_after_421 (smtpc *s, smtpc_msg const *m)
{
  char const *what, *text;
  if (!s->fclass || strcmp(s->fclass, "network")) return;
  text = smtpc_got421(m, &what);
  if (!text) return;
  smtpc_fail(s, "throttle", 421, what, strlen(what));
  printable_cat(&s->ftext, text, strlen(text));
}

/* The session broke: whatever is not decided yet is deferred with the
   failure recorded in s. */
static int smtpc_broken (smtpc *s, smtpc_msg *m)
{
  unsigned int i;
  size_t pos = m->rtext.len;
  smtpc_closed_after_421(s, m);
  if (!stralloc_catb(&m->rtext, s->ftext.s, s->ftext.len) || !stralloc_0(&m->rtext)) return 0;
  for (i = 0; i < m->n; i++)
    if (!m->rstatus[i] || m->rstatus[i] == 'a')
    {
      m->rstatus[i] = 'd';
      m->rcode[i] = s->fcode;
      m->rpos[i] = pos;
    }
  m->mstatus = 'd';
  m->mclass = s->fclass;
  m->mcode = s->fcode;
  m->mtext.len = 0;
  if (!stralloc_catb(&m->mtext, s->ftext.s, s->ftext.len) || !stralloc_0(&m->mtext)) return 0;
  smtpc_close(s);
  return 0;
}

static int smtpc_mailcmd (smtpc *s, smtpc_msg *m)
{
  stralloc c = STRALLOC_ZERO;
  char fmt[ULONG_FMT];
  int r = stralloc_cats(&c, "MAIL FROM:<") && stralloc_cats(&c, m->sender) && stralloc_cats(&c, ">");
  if (r && (s->ext & SMTPC_EXT_SIZE) && m->size)
  {
    fmt[ulong_fmt(fmt, m->size)] = 0;
    r = stralloc_cats(&c, " SIZE=") && stralloc_cats(&c, fmt);
  }
  if (r && (s->ext & SMTPC_EXT_8BITMIME)) r = stralloc_cats(&c, " BODY=8BITMIME");
  if (r) r = stralloc_0(&c);
  if (r) r = smtpc_put(s, c.s, 0);
  else smtpc_fails(s, "local", "out of memory", 0);
  stralloc_free(&c);
  return r;
}

static int smtpc_rcptcmd (smtpc *s, char const *rcpt)
{
  stralloc c = STRALLOC_ZERO;
  int r = stralloc_cats(&c, "RCPT TO:<") && stralloc_cats(&c, rcpt) && stralloc_cats(&c, ">") && stralloc_0(&c);
  if (r) r = smtpc_put(s, c.s, 0);
  else smtpc_fails(s, "local", "out of memory", 0);
  stralloc_free(&c);
  return r;
}

/* The body, then the final dot in the same write as the last chunk: a
   chunk is only flushed once the next read shows more is coming. A read
   error must never end in a dot: the upstream would take half a message. */
static int smtpc_body (smtpc *s, smtpc_msg *m)
{
  char buf[SMTPC_CHUNK];
  smtp_dot d = SMTP_DOT_ZERO;
  stralloc stuffed = STRALLOC_ZERO;
  int ok = 0;
  for (;;)
  {
    ssize_t r = read(m->fd, buf, sizeof buf);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      smtpc_fails(s, "local", "unable to read the message", strerror(errno));
      goto end;
    }
    if (!r) break;
    if (netio_unflushed(&s->io) >= SMTPC_CHUNK && !smtpc_flush(s)) goto end;
    stuffed.len = 0;
    if (!smtp_dot_cat(&d, &stuffed, buf, r) || !netio_put(&s->io, stuffed.s, stuffed.len)) goto oom;
  }
  stuffed.len = 0;
  if (!smtp_dot_end(&d, &stuffed) || !netio_put(&s->io, stuffed.s, stuffed.len)) goto oom;
  smtpc_trace(s, '>', "<message> .", 11);
  ok = smtpc_flush(s);
  goto end;
 oom:
  smtpc_fails(s, "local", "out of memory", 0);
 end:
  stralloc_free(&stuffed);
  return ok;
}

/* Reads the RSET reply on a reused connection: 1 fine, 0 the connection
   is dead or unwilling (the caller retries on a fresh one). */
static int smtpc_rset (smtpc *s, int pipelining)
{
  if (!pipelining && !(smtpc_put(s, "RSET", 0) && smtpc_flush(s))) return 0;
  return smtpc_read(s, s->timeout) && s->reply.code == 250;
}

/* After the replies to MAIL and RCPT: DATA and the body. */
static int smtpc_data (smtpc *s, smtpc_msg *m, int pipelining, int mail_ok, unsigned int accepted)
{
  unsigned int i;
  if (!pipelining)
  {
    if (!mail_ok || !accepted) return 1;
    if (!(smtpc_put(s, "DATA", 0) && smtpc_flush(s))) return 0;
  }
  if (!smtpc_read(s, s->timeout)) return 0;
  if (s->reply.code == 354 && (!mail_ok || !accepted))
  {
    /* a server that says 354 with nobody to deliver to: end an empty body */
    return smtpc_put(s, ".", 0) && smtpc_flush(s) && smtpc_read(s, s->timeout);
  }
  if (!mail_ok || !accepted) return 1;
  if (s->reply.code == 354)
  {
    /* Nothing may follow the 354 before our dot: a reply already waiting
       would be taken for the verdict on a body not sent yet. */
    if (netio_pending(&s->io))
    {
      smtpc_fails(s, "protocol", "the upstream sent data after its 354 to DATA", 0);
      return 0;
    }
    if (!smtpc_body(s, m) || !smtpc_read(s, s->datatimeout)) return 0;
    /* RFC 5321 4.3.2: 250 is the one acceptance of a message; another
       2xx here is a confused upstream, and nothing counts as delivered */
    if (!smtpc_msg_reply(s, m, s->reply.code == 250 ? 'k' : s->reply.code / 100 == 2 ? 'd' : smtpc_status(s->reply.code), "")) return 0;
  }
  else if (!smtpc_msg_reply(s, m, s->reply.code / 100 == 2 ? 'd' : smtpc_status(s->reply.code), "DATA refused: ")) return 0;
  for (i = 0; i < m->n; i++)
    if (m->rstatus[i] == 'a' && !smtpc_rcpt_reply(s, m, i, m->mstatus)) return 0;
  return 1;
}

/* When no DATA outcome decides: 'd' if anything may work later, else 'f'. */
static void smtpc_settle (smtpc_msg *m)
{
  unsigned int i;
  char st = 'f';
  for (i = 0; i < m->n; i++) if (m->rstatus[i] == 'd') st = 'd';
  m->mstatus = st;
}

int smtpc_send (smtpc *s, smtpc_msg *m)
{
  int pipelining = !!(s->ext & SMTPC_EXT_PIPELINING);
  int reused = s->nmsgs > 0;
  int mail_ok;
  unsigned int i, accepted = 0;
  unsigned int lastcode = 0;
  m->rtext.len = 0;
  m->mstatus = 0;
  m->mclass = "smtp";
  s->fclass = 0;
  for (i = 0; i < m->n; i++) m->rstatus[i] = 0;
  if (pipelining)
  {
    if (reused && !smtpc_put(s, "RSET", 0)) return smtpc_broken(s, m);
    if (!smtpc_mailcmd(s, m)) return smtpc_broken(s, m);
    for (i = 0; i < m->n; i++) if (!smtpc_rcptcmd(s, m->rcpts[i])) return smtpc_broken(s, m);
    if (!smtpc_put(s, "DATA", 0) || !smtpc_flush(s)) return reused ? (smtpc_close(s), -1) : smtpc_broken(s, m);
  }
  if (reused && !smtpc_rset(s, pipelining)) { smtpc_close(s); return -1; }
  s->nmsgs++;

  if (!pipelining && !smtpc_mailcmd(s, m)) return smtpc_broken(s, m);
  if (!smtpc_flush(s) || !smtpc_read(s, s->timeout)) return smtpc_broken(s, m);
  mail_ok = s->reply.code / 100 == 2;
  if (!mail_ok)
  {
    if (!smtpc_msg_reply(s, m, smtpc_status(s->reply.code), "MAIL refused: ")) return smtpc_broken(s, m);
    if (m->mstatus == 'k') m->mstatus = 'd';
    for (i = 0; i < m->n; i++) if (!smtpc_rcpt_reply(s, m, i, m->mstatus)) return smtpc_broken(s, m);
  }
  for (i = 0; i < m->n; i++)
  {
    if (!pipelining)
    {
      if (!mail_ok) break;
      if (!(smtpc_rcptcmd(s, m->rcpts[i]) && smtpc_flush(s))) return smtpc_broken(s, m);
    }
    if (!smtpc_read(s, s->timeout)) return smtpc_broken(s, m);
    if (!mail_ok) continue;
    lastcode = s->reply.code;
    if (s->reply.code / 100 == 2) accepted++;
    if (!smtpc_rcpt_reply(s, m, i, s->reply.code / 100 == 2 ? 'a' : smtpc_status(s->reply.code)))
      return smtpc_broken(s, m);
  }
  if (mail_ok && !accepted)
  {
    /* keep the last refusal as the message's reason */
    unsigned int last = m->n - 1;
    m->mcode = lastcode;
    m->mclass = smtpc_class(lastcode);
    m->mtext.len = 0;
    if (!stralloc_cats(&m->mtext, "no recipient accepted: ")
     || !stralloc_cats(&m->mtext, m->rtext.s + m->rpos[last]) || !stralloc_0(&m->mtext))
      return smtpc_broken(s, m);
    smtpc_settle(m);
  }
  if (!smtpc_data(s, m, pipelining, mail_ok, accepted)) return smtpc_broken(s, m);
  if (m->mstatus != 'k' && mail_ok && accepted) smtpc_settle(m);
  /* a 421 anywhere: the upstream is closing, and so do we */
  if (s->reply.code == 421 || lastcode == 421 || !strcmp(m->mclass, "throttle"))
  {
    smtpc_close(s);
    return 0;
  }
  return 1;
}
