/* reply_fields.h: what an upstream's reply puts in the fields of a
   delivery status notification (RFC 3464) and of a log line: its RFC 3463
   status, the name of the MTA that gave it, its text said once. */
#ifndef SMARTHOST_REPLY_FIELDS_H
#define SMARTHOST_REPLY_FIELDS_H

#include <stddef.h>
#include <skalibs/stralloc.h>

#define REPLY_STATUS_MAX 16

/* Writes into s (REPLY_STATUS_MAX bytes) the RFC 3463 status of a reply
   with code (0: none, the failure was ours) and text, the first that
   applies of:
     the enhanced code the text starts with ("5.1.1 no such user");
     a qmail-style one anywhere in it ("no mailbox here by that name. (#5.1.1)");
     one right after the code, inside a text of ours ("...: 421 4.7.0 ...");
     the basic code's usual meaning (RFC 5321, RFC 3463, RFC 4954:
       552 5.3.4, 553 5.1.3, 535 5.7.8, 501 5.5.4, ...);
     X.0.0 for its class (550 and 554 say nothing more: 5.0.0), 5.0.0
       without a code.
   A found code of the other class takes the reply's class: a 550 is
   permanent whatever its text says. */
void reply_status (char *s, unsigned int code, char const *text);

/* The host of the first "host[:port]" in an UPSTREAM-like list
   ("[2001:db8::1]:465,b.example:587" gives "2001:db8::1"), for
   Remote-MTA: dns; (RFC 3464 wants a name there, not a port). Sets
   *host, returns the length (0: none). */
size_t reply_mta_host (char const *upstream, char const **host);

/* Appends text to sa without the copy of code that a text of ours
   repeats ("the upstream refused the connection: 421 4.7.0 busy" with
   code 421 gives "the upstream refused the connection: 4.7.0 busy"), so
   that a line that shows the code shows the reply once. Not
   NUL-terminated. Returns 1, or 0 on allocation failure. */
int reply_text_once (stralloc *sa, unsigned int code, char const *text);

#endif
