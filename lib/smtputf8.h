/* smtputf8.h: the SMTPUTF8 rules (RFC 6531) in one place: which envelope
   addresses the smtpd takes, when a message needs SMTPUTF8, and what
   goes to an upstream that does not offer it. */
#ifndef SMARTHOST_SMTPUTF8_H
#define SMARTHOST_SMTPUTF8_H

#include <stddef.h>
#include "smtpc.h"

#define SMTPUTF8_OK 0
#define SMTPUTF8_ENEED 1   /* outside ASCII, in a transaction without SMTPUTF8 */
#define SMTPUTF8_EBAD 2    /* not well-formed UTF-8, or a control character */

/* The one rule for an envelope address (no brackets) at the smtpd: ASCII
   always; anything else only in a transaction whose MAIL carried SMTPUTF8
   (smtputf8 1), and then well formed without control characters
   (utf8_check_addr in lib/utf8.h). */
int smtputf8_addr (char const *s, size_t len, int smtputf8);
/* The smtpd's reply (CRLF included) refusing the sender (sender 1) or a
   recipient (0) by that rule, or NULL when it is fine: 553 5.6.7 without
   SMTPUTF8 (RFC 6531 3.5), 553 5.1.7 or 5.1.3 for malformed UTF-8. */
char const *smtputf8_refusal (char const *s, size_t len, int smtputf8, int sender);

/* Whether a header section holds a byte outside ASCII, and whether all
   of it is well-formed UTF-8, fed in pieces (LF or CRLF line ends; the
   section ends at the first empty line). */
typedef struct smtputf8_head_s smtputf8_head;
struct smtputf8_head_s
{
  int state;     /* 0 at a line's start, 1 inside a line, 2 after a CR at a line's start, 3 the end was seen */
  int found;     /* 1: a byte outside ASCII in the header */
  int bad;       /* 1: and it is not well-formed UTF-8 */
  unsigned char seq[4];   /* a UTF-8 sequence being read */
  unsigned int n, got;    /* its length, and the octets read so far */
};
#define SMTPUTF8_HEAD_ZERO { 0, 0, 0, { 0 }, 0, 0 }
void smtputf8_head_feed (smtputf8_head *h, char const *s, size_t len);
/* 1 if what was fed holds UTF-8 (RFC 6532) outside ASCII, all of it
   well formed (a sequence still open counts as not), else 0. */
int smtputf8_head_utf8 (smtputf8_head const *h);
/* The same over a whole file from fd's offset, which is left where it
   was: 1 found, 0 not, -1 with errno. */
int smtputf8_head_fd (int fd);

/* Sends m on the open session s as smtpc_send() does, with SMTPUTF8 on
   MAIL when the upstream offers it and the message asks for it (the
   spool's U line: requested 1) or has an address outside ASCII. When the
   upstream does not offer it, what cannot go fails here with 5.6.7 (RFC
   6531 3.2, RFC 5248) and code 0, and nothing of it is sent: a recipient
   outside ASCII; every recipient when the sender is, or when the message
   asked for SMTPUTF8 and its header holds UTF-8 (RFC 6532: such a
   header needs SMTPUTF8; Postfix decides the same way: the header is
   m->head when the caller rewrote it, else the file's). The others go
   without SMTPUTF8. Returns as smtpc_send(). */
int smtputf8_send (smtpc *s, smtpc_msg *m, int requested);

#endif
