/* dsnparam.h: the DSN parameters of RFC 3461 (NOTIFY, ORCPT on RCPT;
   RET, ENVID on MAIL): checked as a client gives them, kept in the spool
   in the same words (queue/README.md, "D" lines), read back from there,
   and xtext (RFC 3461, section 4) both ways. The smtpd, the injector's
   envelope, smarthost-remote and the notifications all use this one
   parser, so what the smtpd accepted is what the spool holds and what
   the upstream is given. Nothing here allocates except into a stralloc
   the caller passes. */
#ifndef SMARTHOST_DSNPARAM_H
#define SMARTHOST_DSNPARAM_H

#include <stddef.h>
#include <skalibs/stralloc.h>

#define DSN_NOTIFY_NEVER 1u
#define DSN_NOTIFY_SUCCESS 2u
#define DSN_NOTIFY_FAILURE 4u
#define DSN_NOTIFY_DELAY 8u

#define DSN_RET_FULL 1u
#define DSN_RET_HDRS 2u

/* RFC 3461, sections 4.2 and 4.4: ORCPT's value is at most 500
   characters, ENVID's at most 100 (in the xtext form, as sent) */
#define DSN_ORCPT_MAX 500
#define DSN_ENVID_MAX 100
/* what the parameters add to a command line: " ORCPT=" and the value,
   " NOTIFY=SUCCESS,FAILURE,DELAY" */
#define DSN_CMD_EXTRA (7 + DSN_ORCPT_MAX + 29)

typedef struct dsnparam_s dsnparam;
struct dsnparam_s
{
  unsigned int notify;       /* DSN_NOTIFY_*, 0: not given */
  unsigned int ret;          /* DSN_RET_*, 0: not given */
  char const *envid;         /* xtext, as given (not NUL-terminated); 0: not given */
  size_t envidlen;
  char const *orcpt;         /* "type;xtext", as given; 0: not given */
  size_t orcptlen;
};
#define DSNPARAM_ZERO { 0, 0, 0, 0, 0, 0 }

/* What dsnparam_take says of one keyword=value. */
#define DSNPARAM_OTHER 0      /* not a DSN keyword of this command: the caller's */
#define DSNPARAM_OK 1         /* taken into p */
#define DSNPARAM_EDUP (-1)    /* given twice in one command */
#define DSNPARAM_EVALUE (-2)  /* a value that RFC 3461 forbids (or none) */

/* Takes one parameter of MAIL (rcpt 0: RET, ENVID) or RCPT (rcpt 1:
   NOTIFY, ORCPT), keyword and value as the client sent them (the
   keyword in any case; val NULL when there was no "="). Keeps pointers
   into val: p lives no longer than the command line. */
int dsnparam_take (dsnparam *p, int rcpt, char const *key, size_t keylen, char const *val, size_t vallen);

/* The smtpd's reply for a negative dsnparam_take (key names the
   parameter: "NOTIFY", ...): "501 5.5.4 ...\r\n", static. */
char const *dsnparam_error (int r, char const *key, size_t keylen);

/* Appends the parameters of p in their SMTP form, each preceded by a
   space (" RET=HDRS ENVID=x"), keywords and NOTIFY's and RET's words in
   upper case: what the spool's D line holds after "D" and what MAIL or
   RCPT gets upstream. Nothing is appended when p is empty. Returns 1,
   or 0 when out of memory. */
int dsnparam_fmt (stralloc *sa, dsnparam const *p);

/* Reads back what dsnparam_fmt wrote (a D line after its "D"), checking
   it as the smtpd did. Returns 1, or 0 when s is not such a list. */
int dsnparam_scan (dsnparam *p, int rcpt, char const *s, size_t len);

/* xtext (RFC 3461, section 4): 1 if s is well-formed, else 0. */
int dsn_xtext_valid (char const *s, size_t len);
/* Decodes well-formed xtext, appending to sa (no NUL). Returns 1, or 0
   when out of memory. */
int dsn_xtext_decode (stralloc *sa, char const *s, size_t len);
/* Encodes any bytes as xtext, appending to sa. Returns 1, or 0. */
int dsn_xtext_encode (stralloc *sa, char const *s, size_t len);

#endif
