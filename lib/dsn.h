/* dsn.h: build a delivery status notification (a bounce or a delay warning):
   RFC 3464 message/delivery-status inside an RFC 6522 multipart/report, with
   the original message's headers as text/rfc822-headers, and
   Auto-Submitted: auto-replied (RFC 3834). Its envelope sender must be null.
   The notification is 7-bit US-ASCII, as it declares: for people,
   addresses and texts are in the printable form of lib/printable.h (an
   8-bit byte shows as '?'); Final-Recipient gives an address with such
   bytes in xtext (RFC 3461), so that a program gets it back whole.
   Original-Envelope-Id and Original-Recipient give the client's ENVID
   and ORCPT decoded from xtext (RFC 3464, sections 2.2.1 and 2.3.1; both
   are printable US-ASCII, lib/dsnparam.h checked that). */
#ifndef SMARTHOST_DSN_H
#define SMARTHOST_DSN_H

#include <time.h>
#include <skalibs/buffer.h>

typedef struct dsn_rcpt_s dsn_rcpt;
struct dsn_rcpt_s
{
  char const *addr;      /* the original recipient */
  unsigned int code;     /* the upstream's code, 0 if none */
  char const *status;    /* RFC 3463 status, "5.1.1"; NULL: taken from text or code */
  char const *text;      /* the upstream's reply text, or ours (printable) */
  char const *orcpt;     /* ORCPT as the client gave it ("rfc822;b+40x"), or NULL */
  size_t orcptlen;
  unsigned int notify;   /* NOTIFY (lib/dsnparam.h DSN_NOTIFY_*), 0: not given */
};

typedef struct dsn_s dsn;
struct dsn_s
{
  char const *id;        /* queue id of the original message */
  char const *me;        /* our name: Reporting-MTA, From: MAILER-DAEMON@me */
  char const *to;        /* the notification's recipient (the original sender) */
  char const *upstream;  /* Remote-MTA, or NULL */
  time_t arrival;        /* Arrival-Date */
  time_t now;            /* Date */
  int delayed;           /* 1: a delay warning (Action: delayed), 0: a bounce (failed) */
  dsn_rcpt const *rcpts;
  unsigned int n;
  int relayed;           /* 1: a success report for an upstream without DSN
                            (Action: relayed, RFC 3461 section 6.2.1); delayed is then 0 */
  char const *envid;     /* ENVID as the client gave it (xtext), or NULL */
  size_t envidlen;
  int retfull;           /* RET=FULL: a failure report returns the whole
                            message when it is small and 7-bit, not only its headers */
};

/* Writes the notification (LF line endings, as in the spool) to b, copying
   the header block of the original message from fd, which must be positioned
   at the start of the message (after the envelope). At most 64 KiB of
   headers are copied. Returns 0, or -1 with errno. Does not flush b. */
int dsn_write (buffer *b, dsn const *d, int fd);

/* Writes into s (at least 16 bytes) the RFC 3463 status for a reply:
   reply_status() of lib/reply_fields.h (an enhanced code in the text,
   qmail's "(#5.1.1)" too, else what the basic code means, else X.0.0). */
void dsn_status (char *s, unsigned int code, char const *text);

#endif
