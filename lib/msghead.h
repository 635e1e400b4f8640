/* msghead.h: where a message's header section ends, and whether it holds
   Date: and Message-ID: (RFC 5322 3.6.1, 3.6.4), for a submission server
   that adds them when missing (RFC 6409 8.2, 8.3). Pure: no I/O. */
#ifndef SMARTHOST_MSGHEAD_H
#define SMARTHOST_MSGHEAD_H

#include <stddef.h>

#define MSGHEAD_DATE 1
#define MSGHEAD_MSGID 2
#define MSGHEAD_BLANK 4   /* the section ends at an empty line */
#define MSGHEAD_MORE ((size_t)-1)

/* Scans s (LF line ends) from the message's first line. Returns the
   offset where the header section ends: the start of the empty line, or
   of the first line that is neither a header field ("name:", the name of
   printable characters but ':') nor its continuation (starting with a
   blank), or len at eof. Returns MSGHEAD_MORE when s ends before that is
   known and eof is 0. *has gets MSGHEAD_* for what was seen before. */
size_t msghead_end (char const *s, size_t len, int eof, unsigned int *has);

#endif
