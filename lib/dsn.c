/* dsn.c: delivery status notifications (RFC 3464, RFC 6522, RFC 3834).

   Layout of what dsn_write produces:

     headers (From MAILER-DAEMON, Auto-Submitted: auto-replied, multipart/report)
     --B  text/plain                  what happened, for people
     --B  message/delivery-status     Reporting-MTA, then per recipient
                                      Final-Recipient, Action, Status, Diagnostic-Code
     --B  text/rfc822-headers         the original header block
     --B--
*/

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/types.h>

#include "date822.h"
#include "dsn.h"
#include "dsnparam.h"
#include "reply_fields.h"

#define DSN_HEADERS_MAX 65536
#define DSN_FULL_MAX 50000

static int put (buffer *b, char const *s)
{
  return buffer_puts(b, s) < 0 ? -1 : 0;
}

/* Outside text (an address, a name from the configuration) in the form of
   lib/printable.h: every byte outside 0x20-0x7e becomes '?'. The whole
   notification is 7-bit (text/plain; charset=us-ascii, no
   Content-Transfer-Encoding), and an 8-bit address written raw would
   make it a lie; the envelope keeps the address as it is. */
static int put_safe (buffer *b, char const *s)
{
  for (; *s; s++)
  {
    char c = (unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ? '?' : *s;
    if (buffer_put(b, &c, 1) < 0) return -1;
  }
  return 0;
}

/* An address in the delivery-status part, for programs: as it is when
   it is plain ASCII; else in xtext (RFC 3461, section 4: "+" and two hex
   digits for each byte outside 0x21-0x7e, and for "+" and "="), which
   is 7-bit and gives the address back byte for byte. */
static int put_xtext (buffer *b, char const *s)
{
  static char const hex[] = "0123456789ABCDEF";
  char const *p = s;
  while (*p && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f) p++;
  if (!*p) return put(b, s);
  for (; *s; s++)
  {
    unsigned char c = *s;
    char x[3] = { '+', hex[c >> 4], hex[c & 15] };
    if (c > 0x20 && c < 0x7f && c != '+' && c != '=') { if (buffer_put(b, s, 1) < 0) return -1; }
    else if (buffer_put(b, x, 3) < 0) return -1;
  }
  return 0;
}

static int putn (buffer *b, uint64_t u)
{
  char fmt[UINT64_FMT];
  return buffer_put(b, fmt, uint64_fmt(fmt, u)) < 0 ? -1 : 0;
}

static int put_date (buffer *b, time_t t)
{
  char s[DATE822_MAX];
  date822_fmt(s, t, 0);
  return put(b, s);
}

void dsn_status (char *s, unsigned int code, char const *text)
{
  reply_status(s, code, text);
}

/* The reply's text with its code said once (lib/reply_fields.h), made safe. */
static int put_reply (buffer *b, unsigned int code, char const *text)
{
  stralloc sa = STRALLOC_ZERO;
  int r = reply_text_once(&sa, code, text) && stralloc_0(&sa) ? put_safe(b, sa.s) : -1;
  stralloc_free(&sa);
  return r;
}

/* Remote-MTA names a host (RFC 3464 section 2.3.5), not host:port. */
static int put_mta (buffer *b, char const *upstream)
{
  char const *host = 0;
  size_t n = reply_mta_host(upstream, &host);
  if (!n) return 0;
  return put(b, "\nRemote-MTA: dns; ") || buffer_put(b, host, n) < 0 ? -1 : 0;
}

/* xtext the client gave, decoded (printable US-ASCII: dsnparam checked) */
static int put_decoded (buffer *b, char const *s, size_t len)
{
  stralloc sa = STRALLOC_ZERO;
  int r = dsn_xtext_decode(&sa, s, len) && stralloc_0(&sa) ? put_safe(b, sa.s) : -1;
  stralloc_free(&sa);
  return r;
}

/* What the notification says happened: Action (RFC 3464, 2.3.3). */
static char const *dsn_action (dsn const *d)
{
  return d->relayed ? "relayed" : d->delayed ? "delayed" : "failed";
}

static int put_headers (buffer *b, dsn const *d)
{
  char const *what = d->relayed ? "Successful Mail Delivery Report (relayed)"
    : d->delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender";
  if (put(b, "From: Mail Delivery System <MAILER-DAEMON@") || put(b, d->me) || put(b, ">\n")
   || put(b, "To: <") || put_safe(b, d->to) || put(b, ">\n")
   || put(b, "Subject: ") || put(b, what) || put(b, "\n")
   || put(b, "Date: ") || put_date(b, d->now) || put(b, "\n")
   || put(b, "Message-ID: <") || put(b, d->id) || put(b, d->relayed ? ".relayed." : d->delayed ? ".delay." : ".bounce.")
   || putn(b, (uint64_t)d->now) || put(b, "@") || put(b, d->me) || put(b, ">\n")
   || put(b, "Auto-Submitted: auto-replied\n")
   || put(b, "MIME-Version: 1.0\n")
   || put(b, "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"")
   || put(b, d->id) || put(b, "/") || put(b, d->me) || put(b, "\"\n\n")
   || put(b, "This is a MIME-encapsulated message.\n\n")) return -1;
  return 0;
}

static int put_boundary (buffer *b, dsn const *d, int last)
{
  return put(b, "--") || put(b, d->id) || put(b, "/") || put(b, d->me)
    || put(b, last ? "--\n" : "\n") ? -1 : 0;
}

static int put_text (buffer *b, dsn const *d)
{
  unsigned int i = 0;
  if (put_boundary(b, d, 0)
   || put(b, "Content-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n")
   || put(b, "This is the mail system at ") || put(b, d->me) || put(b, ".\n\n")
   || put(b, d->relayed
      ? "Your message was relayed to the recipients below, as you asked.\nThe next mail system offers no delivery reports: no further report will come.\n\n"
      : d->delayed
      ? "Your message could not be delivered yet to the recipients below.\nIt is still being retried; you do not need to send it again.\n\n"
      : "Your message could not be delivered to the recipients below.\nIt has been given up; this is a permanent error.\n\n")) return -1;
  for (; i < d->n; i++)
  {
    if (put(b, "<") || put_safe(b, d->rcpts[i].addr) || put(b, ">: ")) return -1;
    if (d->rcpts[i].code && (putn(b, d->rcpts[i].code) || put(b, " "))) return -1;
    if (put_reply(b, d->rcpts[i].code, d->rcpts[i].text) || put(b, "\n")) return -1;
  }
  return put(b, "\n");
}

static int put_rcpt_status (buffer *b, dsn const *d, dsn_rcpt const *r)
{
  char status[16];
  char const *semi = r->orcpt ? memchr(r->orcpt, ';', r->orcptlen) : 0;
  if (r->status) { size_t l = strlen(r->status); if (l > 15) l = 15; memcpy(status, r->status, l); status[l] = 0; }
  else dsn_status(status, r->code, r->text);
  /* Original-Recipient first (RFC 3464, 2.3: its order of fields) */
  if (semi && (put(b, "\nOriginal-Recipient: ") || buffer_put(b, r->orcpt, semi + 1 - r->orcpt) < 0
   || put_decoded(b, semi + 1, r->orcptlen - (semi + 1 - r->orcpt)))) return -1;
  if (put(b, "\nFinal-Recipient: rfc822; ") || put_xtext(b, r->addr)
   || put(b, "\nAction: ") || put(b, dsn_action(d))
   || put(b, "\nStatus: ") || put(b, status)) return -1;
  if (put_mta(b, d->upstream)) return -1;
  if (r->code && (put(b, "\nDiagnostic-Code: smtp; ") || putn(b, r->code) || put(b, " ") || put_reply(b, r->code, r->text))) return -1;
  return put(b, "\n");
}

static int put_status (buffer *b, dsn const *d)
{
  unsigned int i = 0;
  if (put_boundary(b, d, 0)
   || put(b, "Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n")
   || (d->envid && (put(b, "Original-Envelope-Id: ") || put_decoded(b, d->envid, d->envidlen) || put(b, "\n")))
   || put(b, "Reporting-MTA: dns; ") || put(b, d->me)
   || put(b, "\nX-Smarthost-Queue-ID: ") || put(b, d->id)
   || put(b, "\nArrival-Date: ") || put_date(b, d->arrival) || put(b, "\n")) return -1;
  for (; i < d->n; i++)
    if (put_rcpt_status(b, d, d->rcpts + i)) return -1;
  return put(b, "\n");
}

/* Copies the header block (up to the first empty line) from fd, whole lines
   only, at most DSN_HEADERS_MAX bytes. */
static int put_original (buffer *b, dsn const *d, int fd)
{
  char buf[DSN_HEADERS_MAX];
  size_t len = 0, end = 0, i;
  int eol = 1;
  if (put_boundary(b, d, 0)
   || put(b, d->relayed ? "Content-Description: Relayed Message Headers\n" : "Content-Description: Undelivered Message Headers\n")
   || put(b, "Content-Type: text/rfc822-headers\n\n")) return -1;
  while (len < sizeof buf)
  {
    ssize_t r = fd_read(fd, buf + len, sizeof buf - len);
    if (r < 0) return -1;
    if (!r) break;
    for (i = len; i < len + (size_t)r; i++)
    {
      if (buf[i] != '\n') { eol = 0; continue; }
      if (eol) goto done;  /* the empty line: end of the headers */
      eol = 1;
      end = i + 1;
    }
    len += r;
  }
 done:
  if (buffer_put(b, buf, end) < 0) return -1;
  return put(b, "\n");
}

/* RET=FULL (RFC 3461, 4.3) asks a failure report for the whole message.
   It is given as message/rfc822 when it is small (DSN_FULL_MAX octets,
   as Postfix's bounce_size_limit) and 7-bit (the report declares no
   8-bit part, and its way upstream may not offer 8BITMIME); else the
   headers, as for everyone. 1 given, 0 not (fd back where it was), -1. */
static int put_full (buffer *b, dsn const *d, int fd)
{
  char buf[DSN_FULL_MAX + 1];
  size_t len = 0, i;
  off_t start;
  if (!d->retfull || d->delayed || d->relayed) return 0;
  start = lseek(fd, 0, SEEK_CUR);
  if (start < 0) return 0;
  while (len < sizeof buf)
  {
    ssize_t r = fd_read(fd, buf + len, sizeof buf - len);
    if (r < 0) return -1;
    if (!r) break;
    len += r;
  }
  for (i = 0; i < len && buf[i] && (unsigned char)buf[i] < 0x80; i++) ;
  if (len == sizeof buf || i < len)
    return lseek(fd, start, SEEK_SET) < 0 ? -1 : 0;
  if (put_boundary(b, d, 0)
   || put(b, "Content-Description: Undelivered Message\nContent-Type: message/rfc822\n\n")
   || buffer_put(b, buf, len) < 0) return -1;
  return len && buf[len - 1] != '\n' ? put(b, "\n") : 0;
}

int dsn_write (buffer *b, dsn const *d, int fd)
{
  int full;
  if (put_headers(b, d) || put_text(b, d) || put_status(b, d)) return -1;
  full = put_full(b, d, fd);
  if (full < 0 || (!full && put_original(b, d, fd)) || put_boundary(b, d, 1)) return -1;
  return 0;
}
