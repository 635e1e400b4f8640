/* Fuzzing the ROUTES parser and the From: rewriting (lib/route.h).
   Properties: the parser says yes or no, never crashes; a refusal is
   one printable line that starts with the line number; a file it takes
   has routes whose credentials are whole (a user with exactly one
   secret file, or none of them), and each exact sender matches its own
   route. The same bytes as a header: rewriting From: twice gives what
   rewriting once gave, and the body after the first empty line is
   untouched. */
#include <string.h>
#include "route.h"
#include "fuzz.h"

static void parse_check (uint8_t const *data, size_t size)
{
  routes rt = ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  int r = routes_parse(&rt, (char const *)data, size, &err);
  size_t i;
  FUZZ_ASSERT(r == 1 || r == 0);
  if (!r)
  {
    FUZZ_ASSERT(err.len >= 8 && !strncmp(err.s, "line ", 5) && !err.s[err.len]);
    for (i = 0; i < err.len; i++) FUZZ_ASSERT((unsigned char)err.s[i] >= 0x20 && (unsigned char)err.s[i] < 0x7f);
  }
  else
  {
    unsigned int n = routes_n(&rt);
    FUZZ_ASSERT(n >= 1 && n <= ROUTE_MAX + 1 && !routes_get(&rt, 0)->upstream);
    for (i = 1; i < n; i++)
    {
      route const *x = routes_get(&rt, i);
      FUZZ_ASSERT(x->upstream && *x->upstream && x->line);
      FUZZ_ASSERT(!x->user == (!x->passfile && !x->tokenfile));
      FUZZ_ASSERT(!(x->passfile && x->tokenfile));
    }
    for (i = 0; i < genalloc_len(route_rule, &rt.rules); i++)
    {
      route_rule const *u = genalloc_s(route_rule, &rt.rules) + i;
      FUZZ_ASSERT(u->route < n);
      if (u->pattern[0] != '*' && u->pattern[0] != '@') FUZZ_ASSERT(routes_match(&rt, u->pattern) == u->route);
    }
  }
  routes_free(&rt);
  stralloc_free(&err);
}

static void rewrite_check (uint8_t const *data, size_t size)
{
  char const *s = (char const *)data;
  stralloc once = STRALLOC_ZERO, twice = STRALLOC_ZERO;
  char const *body = 0;
  size_t i;
  for (i = 0; i < size; i++)
    if (s[i] == '\n' && (!i || s[i - 1] == '\n')) { body = s + i; break; }
  FUZZ_ASSERT(route_rewrite_from(&once, s, size, "me@isp.test"));
  FUZZ_ASSERT(route_rewrite_from(&twice, once.s, once.len, "me@isp.test"));
  FUZZ_ASSERT(once.len == twice.len && (!once.len || !memcmp(once.s, twice.s, once.len)));
  if (body)
  {
    size_t b = size - (body - s);
    FUZZ_ASSERT(once.len >= b && !memcmp(once.s + once.len - b, body, b));
  }
  stralloc_free(&once);
  stralloc_free(&twice);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  parse_check(data, size);
  rewrite_check(data, size);
  return 0;
}
