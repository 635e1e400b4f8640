/* Reading the envelope at the top of a message file:
     F sender\n [D params\n]  T rcpt\n [D params\n] ...  [U SMTPUTF8\n]  \n  body
   Anything else is a malformed file: the spool is ours, but a file someone
   edited by hand must not crash the scheduler or be sent half-understood. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include "addr.h"
#include "dsnparam.h"
#include "queue.h"

/* A line is the type letter, a space, at most ADDR_MAX octets, and LF;
   a D line the letter, at most " NOTIFY=SUCCESS,FAILURE,DELAY ORCPT="
   and DSN_ORCPT_MAX octets, and LF. */
#define QUEUE_ENV_DSN (1 + 36 + DSN_ORCPT_MAX + 1)
#define QUEUE_ENV_LINE (ADDR_MAX + 3 > QUEUE_ENV_DSN ? ADDR_MAX + 3 : QUEUE_ENV_DSN)

/* Reads one line into line (without the LF); returns its length, -2 when it
   is too long or unterminated, -1 on read error. */
static ssize_t queue_env_line (buffer *b, char *line)
{
  size_t n = 0;
  for (;;)
  {
    char c;
    ssize_t r = buffer_get(b, &c, 1);
    if (r < 0) return -1;
    if (!r || n >= QUEUE_ENV_LINE) return -2;
    if (c == '\n') return n;
    line[n++] = c;
  }
}

static int queue_env_field (stralloc *sa, char const *line, size_t len)
{
  if (len < 2 || line[1] != ' ') return 0;
  if (addr_check(line + 2, len - 2) != ADDR_OK) return 0;
  return stralloc_catb(sa, line + 2, len - 2) && stralloc_0(sa) ? 1 : -1;
}

/* A D line after the F line (prev 'F') or a T line ('T'): checked as
   the smtpd checked it, kept without its "D". The recipient's replaces
   the empty string its T line left in rdsn. */
static int queue_env_dsn (queue_env *e, char prev, char const *line, size_t len)
{
  dsnparam p;
  stralloc *sa = prev == 'F' ? &e->dsn : &e->rdsn;
  if ((prev != 'F' && prev != 'T') || len < 2 || !dsnparam_scan(&p, prev == 'T', line + 1, len - 1)) return 0;
  sa->len--;
  if (prev == 'T') e->ndsn++;
  return stralloc_catb(sa, line + 1, len - 1) && stralloc_0(sa) ? 1 : -1;
}

/* "U SMTPUTF8": the message goes with SMTPUTF8 (RFC 6531); anywhere
   after F, at most once. */
static int queue_env_utf8 (queue_env *e, char const *line, size_t len)
{
  if (e->smtputf8 || len != 10 || memcmp(line, "U SMTPUTF8", 10)) return 0;
  e->smtputf8 = 1;
  return 1;
}

int queue_env_read (int fd, queue_env *e)
{
  char buf[4096];
  char line[QUEUE_ENV_LINE];
  buffer b = BUFFER_INIT(&fd_readv, fd, buf, sizeof buf);
  off_t pos = 0;
  char prev = 0;
  int r;
  e->sender.len = e->rcpts.len = e->dsn.len = e->rdsn.len = 0;
  e->nrcpt = e->ndsn = 0;
  if (!stralloc_0(&e->dsn)) return -1;
  e->smtputf8 = 0;
  for (;;)
  {
    ssize_t len = queue_env_line(&b, line);
    if (len == -1) return -1;
    if (len == -2) return 0;
    pos += len + 1;
    if (!len) break;
    /* F comes first, once; T lines follow */
    if ((pos == len + 1) != (line[0] == 'F')) return 0;
    if (line[0] == 'F') r = queue_env_field(&e->sender, line, len);
    else if (line[0] == 'T')
    {
      r = queue_env_field(&e->rcpts, line, len);
      e->nrcpt++;
      if (r > 0 && !stralloc_0(&e->rdsn)) r = -1;
    }
    else if (line[0] == 'D') r = queue_env_dsn(e, prev, line, len);
    else if (line[0] == 'U') r = queue_env_utf8(e, line, len);
    else return 0;
    if (r <= 0) return r;
    prev = line[0];
  }
  if (!e->sender.len || !e->nrcpt) return 0;
  e->body = pos;
  return lseek(fd, pos, SEEK_SET) < 0 ? -1 : 1;
}

void queue_env_free (queue_env *e)
{
  stralloc_free(&e->sender);
  stralloc_free(&e->rcpts);
  stralloc_free(&e->dsn);
  stralloc_free(&e->rdsn);
}
