/* smtp_reply.h: strict reading of SMTP replies (RFC 5321 4.2), one or
   several lines, with limits on line length and line count */
#ifndef SMARTHOST_SMTP_REPLY_H
#define SMARTHOST_SMTP_REPLY_H

#include <stddef.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "netio.h"

/* A reply line is at most this long without its CRLF. RFC 5321 4.5.3.1.5
   says 512 with the CRLF; real servers go over that in 5xx texts with
   URLs, so we accept the text line limit (1000 with CRLF) and no more. */
#define SMTP_REPLY_LINEMAX 998
/* Lines in one reply (EHLO has a few dozen at most). */
#define SMTP_REPLY_LINESMAX 100

typedef struct smtp_reply_s smtp_reply;
struct smtp_reply_s
{
  unsigned int code;     /* 200..599 */
  unsigned int nlines;
  stralloc text;         /* each line's text after "NNN-" or "NNN ", NUL-terminated, one after the other */
};
#define SMTP_REPLY_ZERO { 0, 0, STRALLOC_ZERO }

/* Checks one reply line (without CRLF): three digits, the first 2-5 and
   the second 0-5, then ' ', '-' or nothing. Returns 1 with *code set and
   *more 1 for a '-' line, or 0 if the line is not a reply line. */
int smtp_reply_line (char const *s, size_t len, unsigned int *code, int *more);

/* Reads one whole reply. Returns 1; 0 when the upstream broke the protocol
   (errno EPROTO: not a reply line, codes differ between lines; E2BIG: a
   line over SMTP_REPLY_LINEMAX or more than SMTP_REPLY_LINESMAX lines);
   -1 with errno on a read error, timeout (ETIMEDOUT) or EOF (EPIPE). */
int smtp_reply_read (netio *n, smtp_reply *r, tain const *deadline);

/* Appends the reply's text, made printable, lines joined by a space, to sa.
   1, or 0 on allocation failure. */
int smtp_reply_text (smtp_reply const *r, stralloc *sa);

/* The text of line i (0-based), NUL-terminated. */
char const *smtp_reply_linetext (smtp_reply const *r, unsigned int i);

void smtp_reply_free (smtp_reply *r);

#endif
