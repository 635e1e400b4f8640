/* smtp_dot.h: the DATA body writer: LF to CRLF and dot-stuffing
   (RFC 5321 4.5.2), chunk by chunk */
#ifndef SMARTHOST_SMTP_DOT_H
#define SMARTHOST_SMTP_DOT_H

#include <stddef.h>
#include <skalibs/stralloc.h>

typedef struct smtp_dot_s smtp_dot;
struct smtp_dot_s
{
  unsigned int state;   /* where we are in a line, see smtp_dot.c */
  size_t crs;           /* CRs seen and not written yet */
};
#define SMTP_DOT_ZERO { 0, 0 }

/* Appends the transmission form of s to out. LF and CRLF end a line
   (CRLF on the wire); several CRs before an LF count as one, so that the
   output never holds CR CR LF; a CR not followed by an LF (a bare CR) ends
   a line too, so that the output never holds a bare CR. A line that
   starts with a dot gets a second one. 1, or 0 on allocation failure. */
int smtp_dot_cat (smtp_dot *d, stralloc *out, char const *s, size_t len);

/* Ends the body: a CRLF if the last line had none, then ".\r\n".
   1, or 0 on allocation failure. */
int smtp_dot_end (smtp_dot *d, stralloc *out);

#endif
