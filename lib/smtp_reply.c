/* Reading SMTP replies. Strict on the shape (RFC 5321 4.2: Reply-code
   [SP text] CRLF, continuation lines "NNN-text" with the same code), strict
   on size, so that a broken or hostile upstream can neither make us
   misread a reply nor make us allocate without bound. */

#include <errno.h>
#include <string.h>
#include <skalibs/stralloc.h>
#include "netio.h"
#include "printable.h"
#include "smtp_reply.h"

int smtp_reply_line (char const *s, size_t len, unsigned int *code, int *more)
{
  if (len < 3) return 0;
  if (s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' || s[2] < '0' || s[2] > '9') return 0;
  if (len > 3 && s[3] != ' ' && s[3] != '-') return 0;
  *code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  *more = len > 3 && s[3] == '-';
  return 1;
}

int smtp_reply_read (netio *n, smtp_reply *r, tain const *deadline)
{
  char line[SMTP_REPLY_LINEMAX + 2];   /* and CRLF */
  r->code = 0;
  r->nlines = 0;
  r->text.len = 0;
  for (;;)
  {
    size_t len;
    unsigned int code;
    int more;
    int g = netio_getline(n, line, sizeof line, &len, 0, deadline);
    if (g < 0) return errno == E2BIG ? 0 : -1;
    if (!g) return (errno = EPIPE, -1);
    if (len > SMTP_REPLY_LINEMAX) return (errno = E2BIG, 0);   /* with a bare LF */
    if (!smtp_reply_line(line, len, &code, &more)) return (errno = EPROTO, 0);
    if (r->nlines && code != r->code) return (errno = EPROTO, 0);
    if (r->nlines >= SMTP_REPLY_LINESMAX) return (errno = E2BIG, 0);
    r->code = code;
    r->nlines++;
    /* the text is untrusted: no NUL or control byte goes further */
    printable_fix(line, len);
    if (!stralloc_catb(&r->text, len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0)
     || !stralloc_0(&r->text)) return -1;
    if (!more) return 1;
  }
}

int smtp_reply_text (smtp_reply const *r, stralloc *sa)
{
  size_t i = 0;
  unsigned int k;
  for (k = 0; k < r->nlines; k++)
  {
    size_t l = strlen(r->text.s + i);
    if (k && !stralloc_catb(sa, " ", 1)) return 0;
    if (!printable_cat(sa, r->text.s + i, l)) return 0;
    i += l + 1;
  }
  return 1;
}

char const *smtp_reply_linetext (smtp_reply const *r, unsigned int i)
{
  size_t pos = 0;
  while (i--) pos += strlen(r->text.s + pos) + 1;
  return r->text.s + pos;
}

void smtp_reply_free (smtp_reply *r)
{
  stralloc_free(&r->text);
}
