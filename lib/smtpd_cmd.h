/* smtpd_cmd.h: the smtpd's command reader. One command line from the
   client, read with lib/netio under its deadlines, judged (too long, a
   bare CR or a NUL: refused with the reply to give) and split into its
   verb and argument. The session (what each verb does, in which state)
   stays with the caller. Returns, never prints. */
#ifndef SMARTHOST_SMTPD_CMD_H
#define SMARTHOST_SMTPD_CMD_H

#include <stddef.h>
#include "netio.h"

enum smtpd_verb
{
  SMTPD_EHLO, SMTPD_HELO, SMTPD_MAIL, SMTPD_RCPT, SMTPD_DATA, SMTPD_RSET,
  SMTPD_NOOP, SMTPD_QUIT, SMTPD_VRFY, SMTPD_HELP, SMTPD_STARTTLS, SMTPD_AUTH,
  SMTPD_NOTIMPL,   /* EXPN TURN ETRN BDAT: known, not implemented */
  SMTPD_UNKNOWN
};

/* The verb of a command line (NUL-terminated, changed in place: the verb
   is cut off with a NUL). *arg is set to the argument, after the spaces
   that follow the verb ("" if none). Case does not matter (RFC 5321 2.4). */
enum smtpd_verb smtpd_cmd_verb (char *line, char **arg);

/* Reads one command into line (max + 1 octets: max is RFC 5321's limit
   with CRLF) and NUL-terminates it, wiping the consumed input (an AUTH
   line may carry a password). Returns 1 a command (*len set), 2 a line
   refused (*refusal is the reply, *len 0), 0 on EOF, -1 with errno. */
#define SMTPD_CMD_REFUSED 2
int smtpd_cmd_read (netio *io, char *line, size_t max, size_t *len, char const **refusal);

#endif
