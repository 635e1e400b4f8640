/* The header section, line by line: each line is a field, a continuation
   or the end. A line cut by the end of s is decided only once its name
   (up to the ':') or its LF is there. */
#include <string.h>
#include <strings.h>
#include "msghead.h"

/* The length of the field name at s (a line of n octets), or 0 if the
   line is no field; MSGHEAD_MORE if the line is cut before it shows. */
static size_t field_name (char const *s, size_t n, int complete)
{
  size_t i;
  for (i = 0; i < n; i++)
  {
    unsigned char c = s[i];
    if (c == ':') return i ? i : 0;
    if (c < 33 || c > 126) return 0;
  }
  return complete ? 0 : MSGHEAD_MORE;
}

size_t msghead_end (char const *s, size_t len, int eof, unsigned int *has)
{
  size_t p = 0;
  *has = 0;
  while (p < len)
  {
    char const *nl = memchr(s + p, '\n', len - p);
    size_t n = nl ? (size_t)(nl - (s + p)) : len - p;
    size_t name;
    if (!n && nl) { *has |= MSGHEAD_BLANK; return p; }
    if (p && (s[p] == ' ' || s[p] == '\t')) { if (!nl) break; p += n + 1; continue; }
    name = field_name(s + p, n, nl || eof);
    if (name == MSGHEAD_MORE) break;
    if (!name) return p;
    if (name == 4 && !strncasecmp(s + p, "Date", 4)) *has |= MSGHEAD_DATE;
    if (name == 10 && !strncasecmp(s + p, "Message-ID", 10)) *has |= MSGHEAD_MSGID;
    if (!nl) break;
    p += n + 1;
  }
  return eof ? len : MSGHEAD_MORE;
}
