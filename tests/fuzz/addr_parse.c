/* Fuzzing the argument of MAIL FROM and RCPT TO (lib/addr_parse.h): a
   client's command line after "MAIL FROM:" or "RCPT TO:". Properties: on
   ADDR_PARSE_OK the address is NUL-terminated, as long as *alen says,
   passes addr_check, and *end is just past a '>' inside the input; the
   parameters that follow are walked to the end with every key and value
   inside the line and no key empty or holding a space. */
#include <string.h>
#include "fuzz.h"
#if __has_include("addr_parse.h")
#include "addr_parse.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char *s = malloc(size ? size : 1);
  char addr[ADDR_MAX + 1];
  size_t alen = 0, end = 0, pos;
  char const *key, *val;
  size_t keylen, vallen;
  unsigned int n = 0;
  int r;
  if (!s) return 0;
  memcpy(s, data, size);
  r = addr_parse_path(s, size, addr, &alen, &end);
  FUZZ_ASSERT(r == ADDR_PARSE_OK || r == ADDR_PARSE_ELONG || r == ADDR_PARSE_ECHAR || r == ADDR_PARSE_ESYNTAX);
  if (r == ADDR_PARSE_OK)
  {
    FUZZ_ASSERT(alen <= ADDR_MAX && addr[alen] == 0 && strlen(addr) == alen);
    FUZZ_ASSERT(addr_check(addr, alen) == ADDR_OK);
    FUZZ_ASSERT(s[0] == '<' && end >= 2 && end <= size && s[end - 1] == '>');
    FUZZ_ASSERT(!alen || memmem(s, end, addr, alen));
    pos = end;
    while (addr_parse_param(s, size, &pos, &key, &keylen, &val, &vallen))
    {
      FUZZ_ASSERT(pos <= size && ++n <= size);
      FUZZ_ASSERT(key >= s && key + keylen <= s + size && !memchr(key, ' ', keylen));
      if (val) FUZZ_ASSERT(val >= key + keylen && val + vallen <= s + size && !memchr(val, ' ', vallen));
    }
    FUZZ_ASSERT(pos == size);
  }
  free(s);
  return 0;
}
#else
FUZZ_PENDING("addr_parse")
#endif
