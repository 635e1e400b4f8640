/* DATA body conversion. The spool holds LF line ends; the wire wants CRLF
   and dot-stuffing. Drawn as a table (smtpd-starttls-proxy's blast()):

     state  byte   write            next
     BOL    '.'    ".."             MID
     BOL    CR     (count it)       CR
     BOL    LF     CRLF             BOL
     BOL    other  byte             MID
     MID    CR     (count it)       CR
     MID    LF     CRLF             BOL
     MID    other  byte             MID
     CR     CR     (count it)       CR
     CR     LF     CRLF (CRs drop)  BOL
     CR     other  CRs, byte        MID

   Counting CRs instead of writing them is what keeps a CRLF file, or a
   CRCRLF one, from becoming CR CR LF on the wire (nullmailer's bug). A
   line starting with CRs and then a dot is not stuffed: it does not start
   with a dot on the wire either. */

#include <skalibs/stralloc.h>
#include "smtp_dot.h"

enum { DOT_BOL, DOT_MID, DOT_CR };

static int dot_crs (smtp_dot *d, stralloc *out)
{
  while (d->crs)
  {
    if (!stralloc_catb(out, "\r", 1)) return 0;
    d->crs--;
  }
  return 1;
}

int smtp_dot_cat (smtp_dot *d, stralloc *out, char const *s, size_t len)
{
  size_t i = 0;
  /* room for the worst case, a CRLF for every byte */
  if (!stralloc_readyplus(out, 2 * len + d->crs + 2)) return 0;
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
    }
    else if (d->state == DOT_BOL && c == '.') out->s[out->len++] = '.';
    out->s[out->len++] = c;
    d->state = DOT_MID;
  }
  return 1;
}

int smtp_dot_end (smtp_dot *d, stralloc *out)
{
  if (d->state != DOT_BOL && !stralloc_cats(out, "\r\n")) return 0;
  d->crs = 0;
  d->state = DOT_BOL;
  return stralloc_cats(out, ".\r\n");
}
