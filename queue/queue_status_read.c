/* The reading end of queue/status (queue_status.h), for smarthost-status
   and mailq: one parser of its "key TAB value" lines. */

#include <errno.h>
#include <string.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include "printable.h"
#include "queue_status.h"

int queue_status_path (stralloc *sa, char const *spool)
{
  sa->len = 0;
  return stralloc_cats(sa, spool) && stralloc_cats(sa, "/status") && stralloc_0(sa);
}

int queue_status_load (char const *spool, stralloc *file)
{
  stralloc path = STRALLOC_ZERO;
  int r, e;
  file->len = 0;
  if (!queue_status_path(&path, spool)) return -1;
  r = openslurpclose(file, path.s) ? 1 : errno == ENOENT ? 0 : -1;
  e = errno;
  stralloc_free(&path);
  errno = e;
  return r;
}

char const *queue_status_value (stralloc const *file, char const *key, stralloc *v)
{
  size_t k = strlen(key), i = 0;
  v->len = 0;
  while (i < file->len)
  {
    char const *line = file->s + i;
    char const *nl = memchr(line, '\n', file->len - i);
    size_t len = nl ? (size_t)(nl - line) : file->len - i;
    if (len > k && !memcmp(line, key, k) && line[k] == '\t')
    {
      if (!printable_cat(v, line + k + 1, len - k - 1)) return 0;
      break;
    }
    i += len + 1;
  }
  return stralloc_0(v) ? v->s : 0;
}
