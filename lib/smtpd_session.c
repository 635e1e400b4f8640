/* The smtpd's session (smtpd_session.h has the state table).

   Replies go through out(); a reply that cannot be queued (the client
   gone, an automatic flush failed) is remembered in s->fail and every
   later one skipped, and the step returns the failure when the command is
   done: the client hears nothing more either way, and no read is tried
   after it (auth_line, data_read check first). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "addr.h"
#include "addr_parse.h"
#include "auth_server.h"
#include "authlimit.h"
#include "date822.h"
#include "dsnparam.h"
#include "msghead.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "secret.h"
#include "smtpd_cmd.h"
#include "smtpd_data.h"
#include "smtputf8.h"
#include "smtpd_session.h"

#define AUTH_LINE_MAX 2048   /* an AUTH response line */
/* A header section longer than this is passed on without Date: or
   Message-ID: added: holding it is what the adding costs. */
#define HEAD_HOLD_MAX 65536

static char const *ipstr (smtpd_session const *s)
{
  return s->cf->ip ? s->cf->ip : "unknown";
}

static void nomem (smtpd_session *s)
{
  if (!s->fail) s->fail = SMTPD_SESSION_NOMEM;
}

static void out (smtpd_session *s, char const *str)
{
  if (s->fail) return;
  if (!netio_puts(s->io, str))
  {
    s->fail = SMTPD_SESSION_IOERR;
    s->failerr = errno ? errno : EIO;
  }
}

static void reply_end (smtpd_session *s)
{
  out(s, "\r\n");
}

/* One log line: the strings given, up to a null pointer. */
static void say (smtpd_session *s, int level, ...)
{
  stralloc sa = STRALLOC_ZERO;
  char const *p;
  int ok = 1;
  va_list ap;
  va_start(ap, level);
  while (ok && (p = va_arg(ap, char const *))) ok = stralloc_cats(&sa, p);
  va_end(ap);
  if (ok && stralloc_0(&sa)) s->hk->log(s->hk->ctx, level, sa.s);
  else nomem(s);
  stralloc_free(&sa);
}

/* A refusal that counts against the client: after SMTPD_MAXERRORS of them
   the session ends with 421. */
static void err (smtpd_session *s, char const *str)
{
  out(s, str);
  if (s->closing || ++s->errors < s->cf->maxerrors) return;
  out(s, "421 4.7.0 too many errors, closing connection\r\n");
  say(s, SMTPD_LOG_INFO, ipstr(s), ": too many errors, closing connection", (char *)0);
  s->closing = 1;
}

void smtpd_session_reset (smtpd_session *s)
{
  s->inmail = 0;
  s->utf8mail = 0;
  s->sender.len = 0;
  s->rcpts.len = 0;
  s->rdsn.len = 0;
  s->nrcpt = 0;
}

void smtpd_session_phase (smtpd_session *s, char const *name, unsigned int secs)
{
  tain end;
  s->phase = name;
  tain_now_g();
  tain_addsec_g(&s->phase_end, secs);
  end = tain_less(&s->phase_end, &s->session_end) ? s->phase_end : s->session_end;
  netio_limit(s->io, &end);
}

char const *smtpd_session_deadline (smtpd_session const *s)
{
  tain_now_g();
  if (!tain_future(&s->session_end)) return "session time limit";
  if (!tain_future(&s->phase_end)) return s->phase[0] == 'D' ? "DATA time limit" : "command time limit";
  return "timeout";
}

void smtpd_session_init (smtpd_session *s, smtpd_conf const *cf, smtpd_hooks const *hk, netio *io)
{
  static smtpd_session const zero;
  *s = zero;
  s->cf = cf;
  s->hk = hk;
  s->io = io;
  tain_now_g();
  tain_addsec_g(&s->session_end, cf->session_timeout);
  smtpd_session_phase(s, "command", cf->cmd_timeout);
}

void smtpd_session_free (smtpd_session *s)
{
  stralloc_free(&s->authuser);
  stralloc_free(&s->sender);
  stralloc_free(&s->rcpts);
  stralloc_free(&s->mdsn);
  stralloc_free(&s->rdsn);
  stralloc_free(&s->held);
}

void smtpd_session_tls (smtpd_session *s, char const *info)
{
  size_t n = strlen(info);
  if (n >= sizeof s->tlsinfo) n = sizeof s->tlsinfo - 1;
  memcpy(s->tlsinfo, info, n);
  s->tlsinfo[n] = 0;
  /* RFC 3207 section 4.2: forget everything learnt from the client. */
  s->greeted = 0;
  s->helo[0] = 0;
  s->authuser.len = 0;
  smtpd_session_reset(s);
}

int smtpd_session_greet (smtpd_session *s)
{
  out(s, "220 ");
  out(s, s->cf->name);
  out(s, " ESMTP smarthost\r\n");
  if (s->fail == SMTPD_SESSION_IOERR) errno = s->failerr;
  return s->fail;
}

static int auth_offered (smtpd_session const *s)
{
  return s->cf->authfile && (s->tlsinfo[0] || s->cf->auth_clear);
}

static void do_helo (smtpd_session *s, char const *arg, int ehlo)
{
  size_t n = 0;
  char fmt[UINT64_FMT];
  while (arg[n] && arg[n] != ' ') n++;
  if (!n) { err(s, ehlo ? "501 5.5.4 EHLO needs a domain\r\n" : "501 5.5.4 HELO needs a domain\r\n"); return; }
  if (n > SMTPD_HELO_MAX) n = SMTPD_HELO_MAX;
  memcpy(s->helo, arg, n);
  s->helo[n] = 0;
  printable_fix(s->helo, n);
  smtpd_session_reset(s);
  s->greeted = ehlo ? 2 : 1;
  /* RFC 2034: no enhanced code in the reply to HELO or EHLO */
  if (!ehlo)
  {
    out(s, "250 "); out(s, s->cf->name); reply_end(s);
    return;
  }
  out(s, "250-"); out(s, s->cf->name); reply_end(s);
  out(s, "250-PIPELINING\r\n");
  fmt[uint64_fmt(fmt, s->hk->limit(s->hk->ctx))] = 0;
  out(s, "250-SIZE "); out(s, fmt); reply_end(s);
  out(s, "250-8BITMIME\r\n");
  out(s, "250-DSN\r\n");
  out(s, "250-SMTPUTF8\r\n");
  if (s->cf->starttls && !s->tlsinfo[0]) out(s, "250-STARTTLS\r\n");
  if (auth_offered(s)) out(s, "250-AUTH PLAIN LOGIN\r\n");
  out(s, "250 ENHANCEDSTATUSCODES\r\n");
}

/* "FROM:" or "TO:" then optional spaces (a common client habit) then the
   path; returns the offset of '<', or -1. */
static long path_start (char const *arg, char const *prefix)
{
  size_t n = strlen(prefix), i;
  if (strncasecmp(arg, prefix, n)) return -1;
  for (i = n; arg[i] == ' '; i++) ;
  return arg[i] == '<' ? (long)i : -1;
}

static void path_error (smtpd_session *s, int r, int sender)
{
  if (r == ADDR_PARSE_ELONG)
    err(s, sender ? "501 5.1.7 sender address too long\r\n" : "501 5.1.3 recipient address too long\r\n");
  else
    err(s, sender ? "501 5.1.7 bad sender address syntax\r\n" : "501 5.1.3 bad recipient address syntax\r\n");
}

/* A DSN parameter (RFC 3461, lib/dsnparam.h) of MAIL (rcpt 0) or RCPT
   (1) into p: 1 taken, 0 not one, -1 refused (the reply given). */
static int dsn_param (smtpd_session *s, dsnparam *p, int rcpt, char const *k, size_t kl, char const *v, size_t vl)
{
  int r = dsnparam_take(p, rcpt, k, kl, v, vl);
  if (r < 0) err(s, dsnparam_error(r, k, kl));
  return r == DSNPARAM_OK ? 1 : r;
}

/* Keeps p's parameters, as the spool will hold them, in sa. */
static int dsn_keep (smtpd_session *s, stralloc *sa, dsnparam const *p)
{
  if (dsnparam_fmt(sa, p) && stralloc_0(sa)) return 1;
  nomem(s);
  return 0;
}

/* RCPT parameters: NOTIFY and ORCPT (RFC 3461) into p.
   Returns 1 to go on, 0 when a reply has been given. */
static int rcpt_params (smtpd_session *s, char const *str, size_t len, dsnparam *p)
{
  size_t pos = 0, kl, vl;
  char const *k, *v;
  while (addr_parse_param(str, len, &pos, &k, &kl, &v, &vl))
  {
    int r = dsn_param(s, p, 1, k, kl, v, vl);
    if (r < 0) return 0;
    if (!r) { err(s, "555 5.5.4 unsupported RCPT parameter\r\n"); return 0; }
  }
  return 1;
}

/* SIZE=v (RFC 1870): 1 within the limit, 0 refused (the reply given). */
static int size_param (smtpd_session *s, char const *v, size_t vl)
{
  uint64_t size, limit = s->txlimit;
  char num[24];
  if (!vl || strspn(v, "0123456789") < vl) { err(s, "501 5.5.4 bad SIZE value\r\n"); return 0; }
  /* digits that do not fit 64 bits are over any limit (RFC 1870: 552) */
  size = UINT64_MAX;
  if (vl < sizeof num)
  {
    memcpy(num, v, vl); num[vl] = 0;
    if (uint64_scan(num, &size) != vl) size = UINT64_MAX;
  }
  if (limit && size > limit) { out(s, "552 5.3.4 message size exceeds fixed maximum message size\r\n"); return 0; }
  return 1;
}

/* MAIL parameters: SIZE (RFC 1870), BODY (RFC 6152), AUTH (RFC 4954,
   ignored), RET and ENVID (RFC 3461, kept in mdsn), SMTPUTF8 (RFC 6531).
   Returns 1 to go on, 0 when a reply has been given. */
static int mail_params (smtpd_session *s, char const *str, size_t len)
{
  size_t pos = 0, kl, vl;
  char const *k, *v;
  dsnparam dp = DSNPARAM_ZERO;
  int r;
  while (addr_parse_param(str, len, &pos, &k, &kl, &v, &vl))
  {
    if ((r = dsn_param(s, &dp, 0, k, kl, v, vl))) { if (r < 0) return 0; }
    else if (kl == 4 && !strncasecmp(k, "SIZE", 4) && v) { if (!size_param(s, v, vl)) return 0; }
    else if (kl == 4 && !strncasecmp(k, "BODY", 4) && v)
    {
      if (!((vl == 4 && !strncasecmp(v, "7BIT", 4)) || (vl == 8 && !strncasecmp(v, "8BITMIME", 8))))
      {
        err(s, "501 5.5.4 bad BODY value\r\n");
        return 0;
      }
    }
    else if (kl == 4 && !strncasecmp(k, "AUTH", 4) && v) ;
    else if (kl == 8 && !strncasecmp(k, "SMTPUTF8", 8) && !v) s->utf8mail = 1;
    else { err(s, "555 5.5.4 unsupported MAIL parameter\r\n"); return 0; }
  }
  s->mdsn.len = 0;
  return dsn_keep(s, &s->mdsn, &dp);
}

static void do_mail (smtpd_session *s, char const *arg)
{
  char addr[ADDR_MAX + 1];
  char const *refusal;
  size_t alen, end, len = strlen(arg);
  long at;
  int r;
  if (!s->greeted) { err(s, "503 5.5.1 send HELO or EHLO first\r\n"); return; }
  if (s->inmail) { err(s, "503 5.5.1 nested MAIL command\r\n"); return; }
  at = path_start(arg, "FROM:");
  if (at < 0) { err(s, "501 5.5.4 syntax: MAIL FROM:<address>\r\n"); return; }
  r = addr_parse_path(arg + at, len - at, addr, &alen, &end);
  if (r != ADDR_PARSE_OK) { path_error(s, r, 1); return; }
  end += at;
  if (arg[end] && arg[end] != ' ') { err(s, "501 5.5.4 syntax: MAIL FROM:<address>\r\n"); return; }
  s->utf8mail = 0;
  s->txlimit = s->hk->sender_limit ? s->hk->sender_limit(s->hk->ctx, addr) : s->hk->limit(s->hk->ctx);
  if (!mail_params(s, arg + end, len - end)) return;
  if ((refusal = smtputf8_refusal(addr, alen, s->utf8mail, 1))) { err(s, refusal); return; }
  if (!stralloc_copyb(&s->sender, addr, alen + 1)) { nomem(s); return; }
  s->inmail = 1;
  s->nrcpt = 0;
  s->rcpts.len = 0;
  out(s, "250 2.1.0 Ok\r\n");
}

static int rcpt_known (smtpd_session const *s, char const *addr, size_t alen)
{
  size_t i = 0;
  while (i < s->rcpts.len)
  {
    size_t n = strlen(s->rcpts.s + i);
    if (addr_same(s->rcpts.s + i, n, addr, alen)) return 1;
    i += n + 1;
  }
  return 0;
}

static void relay_denied (smtpd_session *s, char const *addr, size_t alen)
{
  stralloc to = STRALLOC_ZERO;
  if (!printable_cat(&to, addr, alen) || !stralloc_0(&to)) nomem(s);
  else say(s, SMTPD_LOG_WARN, ipstr(s), ": relaying denied to <", to.s, ">", (char *)0);
  stralloc_free(&to);
  err(s, "550 5.7.1 relaying denied\r\n");
}

static void do_rcpt (smtpd_session *s, char const *arg)
{
  char addr[ADDR_MAX + 1];
  char const *refusal;
  size_t alen, end, len = strlen(arg);
  char const *at;
  dsnparam dp = DSNPARAM_ZERO;
  long st;
  int r;
  if (!s->inmail) { err(s, "503 5.5.1 send MAIL first\r\n"); return; }
  st = path_start(arg, "TO:");
  if (st < 0) { err(s, "501 5.5.4 syntax: RCPT TO:<address>\r\n"); return; }
  r = addr_parse_path(arg + st, len - st, addr, &alen, &end);
  if (r != ADDR_PARSE_OK) { path_error(s, r, 0); return; }
  end += st;
  if (arg[end] && arg[end] != ' ') { err(s, "501 5.5.4 syntax: RCPT TO:<address>\r\n"); return; }
  if (!rcpt_params(s, arg + end, len - end, &dp)) return;
  if ((refusal = smtputf8_refusal(addr, alen, s->utf8mail, 0))) { err(s, refusal); return; }
  /* Every recipient goes upstream: a relay has no local mailboxes. */
  at = alen ? strrchr(addr, '@') : 0;
  if (!at || at == addr || !at[1])
  {
    err(s, "550 5.1.3 this relay delivers nothing locally: use user@domain\r\n");
    return;
  }
  if (!s->cf->relayclient && !s->authuser.len) { relay_denied(s, addr, alen); return; }
  /* A mailbox already in the envelope is accepted again but stored once,
     and does not count against SMTPD_MAXRCPT (lib/addr.h: addr_same). */
  if (rcpt_known(s, addr, alen)) { out(s, "250 2.1.5 Ok (duplicate recipient)\r\n"); return; }
  if (s->nrcpt >= s->cf->maxrcpt) { out(s, "452 4.5.3 too many recipients\r\n"); return; }
  if (!stralloc_catb(&s->rcpts, addr, alen + 1)) { nomem(s); return; }
  if (!dsn_keep(s, &s->rdsn, &dp)) return;
  s->nrcpt++;
  out(s, "250 2.1.5 Ok\r\n");
}

/* The Received header (RFC 5321 4.4, RFC 3848 protocol names). */
static int received_make (smtpd_session const *s, stralloc *sa, char const *id)
{
  char date[64];
  char const *ip = ipstr(s);
  int v6 = s->cf->ip && strchr(s->cf->ip, ':');
  int utf8 = s->utf8mail && s->greeted == 2;
  char const *proto = s->tlsinfo[0] ? (s->authuser.len ? "ESMTPSA" : "ESMTPS") : (s->authuser.len ? "ESMTPA" : "ESMTP");
  if (s->greeted == 1) proto = s->tlsinfo[0] ? "SMTPS" : "SMTP";
  date822_fmt(date, time(0), 0);
  if (!stralloc_cats(sa, "Received: from ") || !stralloc_cats(sa, s->helo)
   || !stralloc_cats(sa, v6 ? " ([IPv6:" : " ([")
   || !printable_cat(sa, ip, strlen(ip))
   || !stralloc_cats(sa, "])\n\tby ") || !stralloc_cats(sa, s->cf->name)
   || !stralloc_cats(sa, " (smarthost) with ")
   /* RFC 6531 3.7.3: UTF8SMTP, UTF8SMTPA, UTF8SMTPS, UTF8SMTPSA */
   || !stralloc_cats(sa, utf8 ? "UTF8" : "")
   || !stralloc_cats(sa, utf8 ? proto + 1 : proto)) return 0;
  if (s->tlsinfo[0] && (!stralloc_cats(sa, "\n\t(") || !stralloc_cats(sa, s->tlsinfo) || !stralloc_cats(sa, ")"))) return 0;
  if (s->authuser.len && s->cf->received_user
   && (!stralloc_cats(sa, "\n\t(authenticated as ") || !stralloc_catb(sa, s->authuser.s, s->authuser.len)
    || !stralloc_cats(sa, ")"))) return 0;
  return stralloc_cats(sa, "\n\tid ") && stralloc_cats(sa, id)
    && stralloc_cats(sa, ";\n\t") && stralloc_cats(sa, date) && stralloc_cats(sa, "\n");
}

/* One message's way to the sink: its id, the first write error, and
   whether its header section is being held (for Date: and Message-ID:
   from a client with relay rights that sent none: RFC 6409 8.2, 8.3). */
typedef struct msg_s msg;
struct msg_s
{
  char const *id;
  int werr;
  int hold;
};

static void msg_write (smtpd_session *s, msg *m, char const *buf, size_t len)
{
  if (!m->werr && len) m->werr = s->hk->write(s->hk->ctx, buf, len);
}

/* The fields the header lacks (has: MSGHEAD_*), and an empty line when
   the body follows with none. */
static int head_missing (smtpd_session const *s, stralloc *sa, char const *id, unsigned int has, int body)
{
  char date[64];
  if (!(has & MSGHEAD_DATE))
  {
    date822_fmt(date, time(0), 0);
    if (!stralloc_cats(sa, "Date: ") || !stralloc_cats(sa, date) || !stralloc_cats(sa, "\n")) return 0;
  }
  if (!(has & MSGHEAD_MSGID)
   && (!stralloc_cats(sa, "Message-ID: <") || !stralloc_cats(sa, id) || !stralloc_cats(sa, "@")
    || !stralloc_cats(sa, s->cf->name) || !stralloc_cats(sa, ">\n"))) return 0;
  if (sa->len && body && !(has & MSGHEAD_BLANK) && !stralloc_cats(sa, "\n")) return 0;
  return 1;
}

/* Adds buf to the held header; once its end is known (or at eof, or past
   HEAD_HOLD_MAX), writes it with the missing fields, counted in the size
   as they go upstream (CRLF line ends). 0: no memory. */
static int head_feed (smtpd_session *s, msg *m, smtpd_data *d, char const *buf, size_t len, int eof)
{
  stralloc add = STRALLOC_ZERO;
  unsigned int has;
  size_t end, i;
  if (!stralloc_catb(&s->held, buf, len)) return 0;
  end = msghead_end(s->held.s, s->held.len, eof, &has);
  if (end == MSGHEAD_MORE && s->held.len < HEAD_HOLD_MAX) return 1;
  if (end != MSGHEAD_MORE && !head_missing(s, &add, m->id, has, end < s->held.len)) { stralloc_free(&add); return 0; }
  if (end == MSGHEAD_MORE) end = s->held.len;
  msg_write(s, m, s->held.s, end);
  msg_write(s, m, add.s, add.len);
  msg_write(s, m, s->held.s + end, s->held.len - end);
  d->size += add.len;
  for (i = 0; i < add.len; i++) d->size += add.s[i] == '\n';
  if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
  stralloc_free(&add);
  s->held.len = 0;
  m->hold = 0;
  return 1;
}

/* Reads the message to its final dot, feeding the sink while it is good.
   Returns 0 with *flags the scanner's, or (the sink aborted: nothing
   queued) SMTPD_SESSION_GONE_DATA, _IOERR or _NOMEM. */
static int data_read (smtpd_session *s, msg *m, smtpd_data *d, unsigned int *flags)
{
  char buf[SMTPD_DATA_OUTMAX(NETIO_RBUF)];
  int done = 0;
  while (!done)
  {
    size_t outlen;
    char const *in;
    ssize_t r = s->fail ? -1 : netio_peek(s->io, &in, 0);
    if (r <= 0)
    {
      int e = s->fail ? s->failerr : r ? errno : EPIPE;
      s->hk->abort(s->hk->ctx, m->werr);
      if (s->fail) return s->fail;
      errno = e;
      return r ? SMTPD_SESSION_IOERR : SMTPD_SESSION_GONE_DATA;
    }
    netio_consume(s->io, smtpd_data_scan(d, in, r, buf, &outlen, &done));
    if (d->flags) continue;
    if (m->hold) { if (!head_feed(s, m, d, buf, outlen, done)) nomem(s); }
    else msg_write(s, m, buf, outlen);
  }
  *flags = d->flags;
  return 0;
}

static void data_refuse (smtpd_session *s, unsigned int flags)
{
  char fmt[UINT64_FMT];
  if (flags & SMTPD_DATA_TOOBIG)
  {
    fmt[uint64_fmt(fmt, s->txlimit)] = 0;
    out(s, "552 5.3.4 message too big: the limit is "); out(s, fmt); out(s, " octets\r\n");
    say(s, SMTPD_LOG_INFO, ipstr(s), ": refused a message over ", fmt, " octets", (char *)0);
  }
  else if (flags & SMTPD_DATA_BARE)
  {
    out(s, "554 5.6.0 message refused: bare CR, bare LF or NUL in DATA (lines must end with CRLF)\r\n");
    say(s, SMTPD_LOG_INFO, ipstr(s), ": refused a message with a bare CR, bare LF or NUL", (char *)0);
  }
  else
  {
    out(s, "554 5.6.0 message refused: a line is longer than 998 octets\r\n");
    say(s, SMTPD_LOG_INFO, ipstr(s), ": refused a message with a line over 998 octets", (char *)0);
  }
}

static void data_queued (smtpd_session *s, char const *id, char const *size)
{
  char n[UINT_FMT];
  stralloc from = STRALLOC_ZERO;
  n[uint_fmt(n, s->nrcpt)] = 0;
  if (!printable_cat(&from, s->sender.s, s->sender.len - 1) || !stralloc_0(&from)) nomem(s);
  else say(s, SMTPD_LOG_INFO, ipstr(s), ": queued ", id, " helo ", s->helo, " from <", from.s, "> size ", size, " recipients ", n, (char *)0);
  stralloc_free(&from);
}

static void data_verdict (smtpd_session *s, int wstatus, char const *id, uint64_t size)
{
  qq_verdict const *v = qq_verdict_of(wstatus);
  char fmt[UINT_FMT];
  char sfmt[UINT64_FMT];
  fmt[uint_fmt(fmt, v->code)] = 0;
  sfmt[uint64_fmt(sfmt, size)] = 0;
  if (v->code == 250)
  {
    out(s, "250 2.0.0 Ok: queued as "); out(s, id); reply_end(s);
    data_queued(s, id, sfmt);
    return;
  }
  out(s, fmt); out(s, " "); out(s, v->ecode); out(s, " "); out(s, v->text); reply_end(s);
  say(s, SMTPD_LOG_INFO, ipstr(s), ": injector refused ", id, ": ", fmt, " ", v->ecode, " ", v->text, (char *)0);
}

/* The Received header into the sink, counted in the size as it goes
   upstream (smarthost-remote declares SIZE= for it too, with CRLF). */
static int data_received (smtpd_session *s, msg *m, smtpd_data *d)
{
  stralloc rcv = STRALLOC_ZERO;
  size_t i;
  if (!received_make(s, &rcv, m->id)) { stralloc_free(&rcv); return 0; }
  msg_write(s, m, rcv.s, rcv.len);
  d->size = rcv.len;
  for (i = 0; i < rcv.len; i++) d->size += rcv.s[i] == '\n';
  stralloc_free(&rcv);
  return 1;
}

/* The message, from 354 to the verdict, then the envelope is empty. */
static int data_phase (smtpd_session *s, msg *m)
{
  smtpd_data d = SMTPD_DATA_ZERO;
  unsigned int flags = 0;
  int ws, r;
  if (!data_received(s, m, &d)) { s->hk->abort(s->hk->ctx, m->werr); return SMTPD_SESSION_NOMEM; }
  d.max = s->txlimit;
  /* old printers and scripts, on the LAN (RELAYCLIENT, not a roaming
     AUTH client): as Postfix's smtpd_forbid_bare_newline = normalize
     (smtpd_data.h) */
  d.normalize = s->cf->normalize == SMTPD_NORM_ALL || (s->cf->normalize == SMTPD_NORM_RELAY && s->cf->relayclient);
  m->hold = s->cf->add_headers && (s->cf->relayclient || s->authuser.len);
  out(s, "354 go ahead, end with <CRLF>.<CRLF>\r\n");
  smtpd_session_phase(s, "DATA", s->cf->data_timeout);
  s->held.len = 0;
  r = data_read(s, m, &d, &flags);
  s->held.len = 0;
  if (r) return r;
  if (!flags && (d.barelf || d.folds))
  {
    char n1[UINT64_FMT], n2[UINT64_FMT];
    n1[uint64_fmt(n1, d.barelf)] = 0;
    n2[uint64_fmt(n2, d.folds)] = 0;
    say(s, SMTPD_LOG_INFO, ipstr(s), ": normalized ", m->id, ": ", n1, " bare LF line ends, ", n2, " long lines folded", (char *)0);
  }
  if (flags || m->werr)
  {
    /* Nothing queued: the file removed, or no envelope for the injector. */
    ws = s->hk->abort(s->hk->ctx, m->werr);
    if (flags) data_refuse(s, flags);
    else if (ws > 0) data_verdict(s, ws, m->id, d.size);
    else out(s, "451 4.3.0 the injector failed, try again later\r\n");
  }
  else
  {
    /* 250 only now: the file and its name in new/ are on disk */
    ws = s->hk->commit(s->hk->ctx, s);
    if (ws < 0) out(s, "451 4.3.0 injector lost, try again later\r\n");
    else data_verdict(s, ws, m->id, d.size);
  }
  return 0;
}

static int do_data (smtpd_session *s, char const *arg)
{
  char id[QUEUE_ID_SIZE];
  msg m = { id, 0, 0 };
  int ws, r = 0;
  if (*arg) { err(s, "501 5.5.4 DATA takes no argument\r\n"); return 0; }
  if (!s->inmail) { err(s, "503 5.5.1 send MAIL first\r\n"); return 0; }
  if (!s->nrcpt) { err(s, "503 5.5.1 send RCPT first\r\n"); return 0; }
  queue_id_make(id);
  ws = s->hk->open(s->hk->ctx, s, id);
  /* refused before any data: the client has not had a 354 */
  if (ws > 0) data_verdict(s, ws, id, 0);
  else if (ws < 0)
  {
    say(s, SMTPD_LOG_UNABLE, "start the injector for ", ipstr(s), (char *)0);
    out(s, "451 4.3.0 unable to start the injector, try again later\r\n");
  }
  else r = data_phase(s, &m);
  smtpd_session_reset(s);
  return r;
}

/* AUTH: read one response line; "*" cancels (RFC 4954 section 4).
   Returns 1 with the line, 0 cancelled or malformed (reply given), or
   SMTPD_SESSION_GONE_AUTH, _IOERR (negated, so that 1 stays "a line"):
   see auth_end. */
#define AUTH_GONE (-10)
static int auth_line (smtpd_session *s, char *line, size_t *len)
{
  int r;
  if (s->fail) return 0;
  r = netio_getline(s->io, line, AUTH_LINE_MAX, len, NETIO_SKIPLONG | NETIO_WIPE, 0);
  if (r < 0) { s->fail = SMTPD_SESSION_IOERR; s->failerr = errno; return 0; }
  if (!r) return AUTH_GONE;
  if (r == NETIO_TOOLONG) { err(s, "500 5.5.6 authentication exchange line too long\r\n"); return 0; }
  if (*len == 1 && line[0] == '*') { err(s, "501 5.7.0 authentication cancelled\r\n"); return 0; }
  return 1;
}

/* Who failed to log in, for the log. A name found in the password file is
   logged (printable); any other text is only counted, since a client may
   have typed its password into the user field. */
static int user_name (stralloc *sa, char const *user, int known)
{
  char fmt[UINT64_FMT];
  if (known) return printable_cat(sa, user, strlen(user)) && stralloc_0(sa);
  fmt[uint64_fmt(fmt, strlen(user))] = 0;
  return stralloc_cats(sa, "a user not in the password file (") && stralloc_cats(sa, fmt)
    && stralloc_cats(sa, " octets)") && stralloc_0(sa);
}

static void auth_result (smtpd_session *s, int r, char const *user, int known, char const *mech)
{
  stralloc pu = STRALLOC_ZERO;
  if (!user_name(&pu, user, known || r > 0)) { nomem(s); stralloc_free(&pu); return; }
  if (r > 0)
  {
    if (!stralloc_copyb(&s->authuser, pu.s, pu.len - 1)) nomem(s);
    say(s, SMTPD_LOG_INFO, ipstr(s), ": AUTH ", mech, " ok for ", pu.s, (char *)0);
    out(s, "235 2.7.0 authentication successful\r\n");
  }
  else if (!r)
  {
    say(s, SMTPD_LOG_INFO, ipstr(s), ": AUTH ", mech, " failed for ", pu.s, (char *)0);
    /* The same reply, after the same delay, whether the user exists or not. */
    netio_flush(s->io, 0);
    if (s->cf->auth_fail_delay) sleep(s->cf->auth_fail_delay);
    err(s, "535 5.7.8 authentication credentials invalid\r\n");
  }
  else
  {
    say(s, SMTPD_LOG_UNABLE, "read ", s->cf->authfile, " for AUTH from ", ipstr(s), (char *)0);
    out(s, "454 4.7.0 temporary authentication failure\r\n");
  }
  stralloc_free(&pu);
}

/* The password check, throttled per client across its connections
   (lib/authlimit.h): past SMTPD_AUTH_MAXFAIL failures in a window, 454
   without a check, whatever the password. */
static void auth_check (smtpd_session *s, char const *user, char const *pass, char const *mech)
{
  smtpd_conf const *cf = s->cf;
  int known = 0, r;
  if (cf->rundir && cf->auth_maxfail)
  {
    r = authlimit_begin(cf->rundir, cf->clientkey, cf->auth_maxfail, cf->auth_window, (uint64_t)time(0));
    if (r < 0)
    {
      say(s, SMTPD_LOG_UNABLE, "update the AUTH record of ", ipstr(s), " in ", cf->rundir, (char *)0);
      out(s, "454 4.7.0 temporary authentication failure\r\n");
      return;
    }
    if (!r)
    {
      say(s, SMTPD_LOG_INFO, ipstr(s), ": AUTH ", mech, " refused: too many failures from this address", (char *)0);
      err(s, "454 4.7.0 too many failed authentications from your address, try again later\r\n");
      return;
    }
  }
  r = auth_server_check(cf->authfile, user, pass, &known);
  if (r > 0 && cf->rundir && cf->auth_maxfail && authlimit_success(cf->rundir, cf->clientkey) < 0)
    say(s, SMTPD_LOG_UNABLE, "clear the AUTH record of ", ipstr(s), " in ", cf->rundir, (char *)0);
  auth_result(s, r, user, known, mech);
}

static int do_auth_plain (smtpd_session *s, char const *ir, size_t irlen)
{
  char line[AUTH_LINE_MAX];
  stralloc sa = STRALLOC_ZERO;
  char const *user, *pass;
  size_t len = irlen;
  int r;
  if (!irlen)
  {
    out(s, "334 \r\n");
    if ((r = auth_line(s, line, &len)) != 1) return r;
    ir = line;
  }
  if (len == 1 && ir[0] == '=') len = 0;
  r = auth_server_plain(&sa, ir, len, &user, &pass);
  explicit_bzero(line, sizeof line);
  if (r < 0) nomem(s);
  else if (!r) err(s, "501 5.5.2 malformed AUTH PLAIN response\r\n");
  else auth_check(s, user, pass, "PLAIN");
  secret_wipe(&sa);
  return 0;
}

static int do_auth_login (smtpd_session *s, char const *ir, size_t irlen)
{
  char line[AUTH_LINE_MAX];
  stralloc us = STRALLOC_ZERO, pw = STRALLOC_ZERO;
  size_t len = irlen;
  int r;
  if (!irlen)
  {
    out(s, "334 VXNlcm5hbWU6\r\n");
    if ((r = auth_line(s, line, &len)) != 1) return r;
    ir = line;
  }
  r = auth_server_login(&us, ir, len);
  if (r <= 0) { if (r) nomem(s); else err(s, "501 5.5.2 malformed AUTH LOGIN response\r\n"); r = 0; goto end; }
  out(s, "334 UGFzc3dvcmQ6\r\n");
  if ((r = auth_line(s, line, &len)) != 1) goto end;
  r = auth_server_login(&pw, line, len);
  explicit_bzero(line, sizeof line);
  if (r <= 0) { if (r) nomem(s); else err(s, "501 5.5.2 malformed AUTH LOGIN response\r\n"); r = 0; goto end; }
  auth_check(s, us.s, pw.s, "LOGIN");
  r = 0;
 end:
  explicit_bzero(line, sizeof line);
  secret_wipe(&us);
  secret_wipe(&pw);
  return r;
}

static int do_auth (smtpd_session *s, char *arg)
{
  size_t n = 0;
  char *ir;
  int r;
  if (!s->cf->authfile) { err(s, "502 5.5.1 AUTH not available\r\n"); return 0; }
  if (!s->tlsinfo[0] && !s->cf->auth_clear) { err(s, "538 5.7.11 encryption required: use STARTTLS first\r\n"); return 0; }
  if (s->greeted != 2) { err(s, "503 5.5.1 send EHLO first\r\n"); return 0; }
  if (s->authuser.len) { err(s, "503 5.5.1 already authenticated\r\n"); return 0; }
  if (s->inmail) { err(s, "503 5.5.1 AUTH not allowed during a mail transaction\r\n"); return 0; }
  while (arg[n] && arg[n] != ' ') n++;
  ir = arg + n;
  while (*ir == ' ') ir++;
  if (n == 5 && !strncasecmp(arg, "PLAIN", 5)) r = do_auth_plain(s, ir, strlen(ir));
  else if (n == 5 && !strncasecmp(arg, "LOGIN", 5)) r = do_auth_login(s, ir, strlen(ir));
  else { err(s, "504 5.5.4 unrecognized authentication mechanism\r\n"); r = 0; }
  return r == AUTH_GONE ? SMTPD_SESSION_GONE_AUTH : 0;
}

static int do_starttls (smtpd_session *s, char const *arg)
{
  if (!s->cf->starttls) { err(s, "502 5.5.1 STARTTLS not available\r\n"); return 0; }
  if (s->tlsinfo[0]) { err(s, "503 5.5.1 TLS already active\r\n"); return 0; }
  if (*arg) { err(s, "501 5.5.4 STARTTLS takes no argument\r\n"); return 0; }
  return SMTPD_SESSION_STARTTLS;
}

static int do_verb (smtpd_session *s, char *line)
{
  char *arg;
  switch (smtpd_cmd_verb(line, &arg))
  {
    case SMTPD_EHLO: do_helo(s, arg, 1); break;
    case SMTPD_HELO: do_helo(s, arg, 0); break;
    case SMTPD_MAIL: do_mail(s, arg); break;
    case SMTPD_RCPT: do_rcpt(s, arg); break;
    case SMTPD_DATA: return do_data(s, arg);
    case SMTPD_RSET:
      if (*arg) err(s, "501 5.5.4 RSET takes no argument\r\n");
      else { smtpd_session_reset(s); out(s, "250 2.0.0 Ok\r\n"); }
      break;
    case SMTPD_NOOP: out(s, "250 2.0.0 Ok\r\n"); break;
    case SMTPD_QUIT:
      out(s, "221 2.0.0 "); out(s, s->cf->name); out(s, " closing connection\r\n");
      return SMTPD_SESSION_END;
    case SMTPD_VRFY:
      if (!*arg) err(s, "501 5.5.4 VRFY needs an argument\r\n");
      else out(s, "252 2.5.2 cannot VRFY, but will accept the message and attempt delivery\r\n");
      break;
    case SMTPD_HELP:
      out(s, "214 2.0.0 commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH\r\n");
      break;
    case SMTPD_STARTTLS: return do_starttls(s, arg);
    case SMTPD_AUTH: return do_auth(s, arg);
    case SMTPD_NOTIMPL: err(s, "502 5.5.1 command not implemented\r\n"); break;
    default: err(s, "500 5.5.2 unrecognized command\r\n");
  }
  return SMTPD_SESSION_NEXT;
}

/* What a step comes to: a failure first (nothing more can be said), then
   the end after too many errors, then what the command asked for. */
static int step_end (smtpd_session *s, int r)
{
  if (s->fail)
  {
    if (s->fail == SMTPD_SESSION_IOERR) errno = s->failerr;
    return s->fail;
  }
  if (r < 0) return r;
  if (s->closing) return SMTPD_SESSION_END;
  return r;
}

int smtpd_session_command (smtpd_session *s, char *line, size_t len)
{
  int r;
  /* RFC 3461 section 5 lengthens MAIL and RCPT only */
  if (len > SMTPD_CMD_BASE_MAX - 2 && strncasecmp(line, "MAIL ", 5) && strncasecmp(line, "RCPT ", 5))
  {
    explicit_bzero(line, len);
    err(s, "500 5.5.2 line too long\r\n");
    return step_end(s, 0);
  }
  r = do_verb(s, line);
  /* an AUTH command may carry a password in its initial response */
  explicit_bzero(line, len);
  return step_end(s, r);
}

int smtpd_session_step (smtpd_session *s)
{
  char line[SMTPD_CMD_MAX + 1];
  char const *refusal;
  size_t len;
  int r;
  if (s->fail || s->closing) return step_end(s, 0);
  smtpd_session_phase(s, "command", s->cf->cmd_timeout);
  r = smtpd_cmd_read(s->io, line, SMTPD_CMD_MAX, &len, &refusal);
  if (r < 0) return SMTPD_SESSION_IOERR;
  if (!r) return SMTPD_SESSION_END;
  if (r == SMTPD_CMD_REFUSED) { err(s, refusal); return step_end(s, 0); }
  return smtpd_session_command(s, line, len);
}
