/* addr_parse.c: MAIL FROM / RCPT TO paths and parameters */
#include <string.h>
#include "addr_parse.h"

/* Finds the '>' that closes a path, skipping quoted strings (a quoted local
   part may hold '>'). Returns its offset, or len when there is none or the
   path holds a space outside quotes. */
static size_t path_close (char const *s, size_t len)
{
  int quoted = 0;
  size_t i;
  for (i = 1; i < len; i++)
  {
    char c = s[i];
    if (quoted)
    {
      if (c == '\\') { if (++i == len) return len; }
      else if (c == '"') quoted = 0;
    }
    else if (c == '"') quoted = 1;
    else if (c == '>') return i;
    else if (c == ' ' || c == '<') return len;
  }
  return len;
}

int addr_parse_path (char const *s, size_t len, char *addr, size_t *alen, size_t *end)
{
  size_t close, start = 1, n;
  int r;
  if (!len || s[0] != '<') return ADDR_PARSE_ESYNTAX;
  close = path_close(s, len);
  if (close == len) return ADDR_PARSE_ESYNTAX;
  /* A source route, <@a,@b:user@c>, is accepted and ignored
     (RFC 5321 section 4.1.2 and appendix C). */
  if (close > 1 && s[1] == '@')
  {
    char const *colon = memchr(s + 1, ':', close - 1);
    if (!colon) return ADDR_PARSE_ESYNTAX;
    start = colon - s + 1;
  }
  n = close - start;
  if (n > ADDR_MAX) return ADDR_PARSE_ELONG;
  r = addr_check(s + start, n);
  if (r != ADDR_OK) return r;
  memcpy(addr, s + start, n);
  addr[n] = 0;
  *alen = n;
  *end = close + 1;
  return ADDR_PARSE_OK;
}

int addr_parse_param (char const *s, size_t len, size_t *pos,
                      char const **key, size_t *keylen, char const **val, size_t *vallen)
{
  size_t i = *pos, j;
  while (i < len && s[i] == ' ') i++;
  if (i == len) { *pos = i; return 0; }
  for (j = i; j < len && s[j] != ' '; j++) ;
  *key = s + i;
  *val = memchr(s + i, '=', j - i);
  if (*val)
  {
    *keylen = *val - (s + i);
    (*val)++;
    *vallen = s + j - *val;
  }
  else
  {
    *keylen = j - i;
    *vallen = 0;
  }
  *pos = j;
  return 1;
}
