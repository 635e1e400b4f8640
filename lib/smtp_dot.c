/* DATA body conversion. The spool holds LF line ends; the wire wants CRLF
   and dot-stuffing. Drawn as a table (smtpd-starttls-proxy's blast()):

     state  byte   write               next
     BOL    '.'    ".."                MID
     BOL    CR     (count it)          CR
     BOL    LF     CRLF                BOL
     BOL    other  byte                MID
     MID    CR     (count it)          CR
     MID    LF     CRLF                BOL
     MID    other  byte                MID
     CR     CR     (count it)          CR
     CR     LF     CRLF (CRs drop)     BOL
     CR     '.'    CRLF per CR, ".."   MID
     CR     other  CRLF per CR, byte   MID
     CR     end    CRLF per CR         BOL

   Counting CRs instead of writing them is what keeps a CRLF file, or a
   CRCRLF one, from becoming CR CR LF on the wire (nullmailer's bug): CRs
   before an LF are one line end. A CR not followed by an LF (a bare CR,
   from smarthost-sendmail or a hand-made spool file) is a line end of its
   own, as a bare LF is: RFC 5321 2.3.8 forbids it in DATA, and receivers
   disagree on what it means (some end the line, some a header, some the
   data: "SMTP smuggling" with CR . CR). The byte after it starts a line,
   so a dot there is stuffed. */

#include <skalibs/stralloc.h>
#include "smtp_dot.h"

enum { DOT_BOL, DOT_MID, DOT_CR };

/* The counted CRs were bare: a CRLF for each. */
static int dot_crs (smtp_dot *d, stralloc *out)
{
  while (d->crs)
  {
    if (!stralloc_catb(out, "\r\n", 2)) return 0;
    d->crs--;
  }
  return 1;
}

int smtp_dot_cat (smtp_dot *d, stralloc *out, char const *s, size_t len)
{
  size_t i = 0;
  /* room for the worst case, a CRLF for every byte */
  if (!stralloc_readyplus(out, 2 * len + 2)) return 0;
  while (i < len)
  {
    char c = s[i++];
    if (c == '\r') { d->crs++; d->state = DOT_CR; continue; }
    if (c == '\n')
    {
      d->crs = 0;
      out->s[out->len++] = '\r';
      out->s[out->len++] = '\n';
      d->state = DOT_BOL;
      continue;
    }
    if (d->state == DOT_CR)
    {
      if (!dot_crs(d, out)) return 0;
      if (!stralloc_readyplus(out, 2 * (len - i) + 2)) return 0;
      d->state = DOT_BOL;
    }
    if (d->state == DOT_BOL && c == '.') out->s[out->len++] = '.';
    out->s[out->len++] = c;
    d->state = DOT_MID;
  }
  return 1;
}

int smtp_dot_end (smtp_dot *d, stralloc *out)
{
  if (d->state == DOT_CR && !dot_crs(d, out)) return 0;
  if (d->state == DOT_MID && !stralloc_cats(out, "\r\n")) return 0;
  d->crs = 0;
  d->state = DOT_BOL;
  return stralloc_cats(out, ".\r\n");
}
