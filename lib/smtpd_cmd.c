/* smtpd_cmd.c: read, judge and split the smtpd's command lines */
#include <string.h>
#include <strings.h>
#include "netio.h"
#include "smtpd_cmd.h"

static char const *const verbs[] =
{
  [SMTPD_EHLO] = "EHLO", [SMTPD_HELO] = "HELO", [SMTPD_MAIL] = "MAIL",
  [SMTPD_RCPT] = "RCPT", [SMTPD_DATA] = "DATA", [SMTPD_RSET] = "RSET",
  [SMTPD_NOOP] = "NOOP", [SMTPD_QUIT] = "QUIT", [SMTPD_VRFY] = "VRFY",
  [SMTPD_HELP] = "HELP", [SMTPD_STARTTLS] = "STARTTLS", [SMTPD_AUTH] = "AUTH"
};
static char const *const notimpl[] = { "EXPN", "TURN", "ETRN", "BDAT" };

enum smtpd_verb smtpd_cmd_verb (char *line, char **arg)
{
  size_t n = 0, i;
  char *a;
  while (line[n] && line[n] != ' ') n++;
  a = line + n;
  while (*a == ' ') a++;
  line[n] = 0;
  *arg = a;
  /* the first letter first: one strcasecmp per command, not up to 12 */
  for (i = 0; i < sizeof verbs / sizeof *verbs; i++)
    if ((line[0] & ~0x20) == verbs[i][0] && !strcasecmp(line, verbs[i])) return (enum smtpd_verb)i;
  for (i = 0; i < sizeof notimpl / sizeof *notimpl; i++)
    if (!strcasecmp(line, notimpl[i])) return SMTPD_NOTIMPL;
  return SMTPD_UNKNOWN;
}

int smtpd_cmd_read (netio *io, char *line, size_t max, size_t *len, char const **refusal)
{
  int r = netio_getline(io, line, max, len, NETIO_SKIPLONG | NETIO_WIPE, 0);
  if (r <= 0) return r;
  if (r == NETIO_TOOLONG) { *refusal = "500 5.5.2 line too long\r\n"; return SMTPD_CMD_REFUSED; }
  /* a NUL would cut the line short of what the client meant; a bare CR
     is a line end to some receivers (the 2023 smuggling) */
  if (memchr(line, 0, *len) || memchr(line, '\r', *len))
  {
    explicit_bzero(line, *len);
    *len = 0;
    *refusal = "501 5.5.2 bare CR or NUL in command\r\n";
    return SMTPD_CMD_REFUSED;
  }
  line[*len] = 0;
  return 1;
}
