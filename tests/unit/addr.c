/* unit tests of lib/addr: RFC 5321 4.5.3.1 limits and control characters */

#include <string.h>
#include "addr.h"
#include "tap.h"

static char s[600];

/* an address of local part l and domain d octets */
static size_t mk (size_t l, size_t d)
{
  memset(s, 'a', l);
  s[l] = '@';
  memset(s + l + 1, 'b', d);
  return l + 1 + d;
}

int main (void)
{
  tap_plan(20);
  tap_is(addr_check("bob@example.net", 15), ADDR_OK, "plain address");
  tap_is(addr_check("", 0), ADDR_OK, "null path is the caller's business");
  tap_is(addr_check("postmaster", 10), ADDR_OK, "no domain");
  tap_is(addr_check(s, mk(64, 189)), ADDR_OK, "local part 64, total 254");
  tap_is(addr_check(s, mk(65, 10)), ADDR_ELONG, "local part 65");
  tap_is(addr_check(s, mk(64, 190)), ADDR_ELONG, "address 255 (path 257)");
  tap_is(addr_check(s, mk(10, 255)), ADDR_ELONG, "domain 255 but address too long");
  memset(s, 'a', 65);
  tap_is(addr_check(s, 65), ADDR_ELONG, "local part without domain, 65");
  tap_is(addr_check("bob\r@example.net", 16), ADDR_ECHAR, "CR");
  tap_is(addr_check("bob\n@example.net", 16), ADDR_ECHAR, "LF");
  tap_is(addr_check("bob\0@example.net", 16), ADDR_ECHAR, "NUL");
  tap_is(addr_check("bob\t@example.net", 16), ADDR_ECHAR, "TAB");
  tap_is(addr_check("bob\177@example.net", 16), ADDR_ECHAR, "DEL");
  tap_is(addr_check("\"a b\"@example.net", 17), ADDR_OK, "quoted local part with a space");
  tap_ok(addr_same("bob@example.net", 15, "bob@example.net", 15), "same address");
  tap_ok(addr_same("bob@Example.NET", 15, "bob@example.net", 15), "domain case folded");
  tap_ok(!addr_same("Bob@example.net", 15, "bob@example.net", 15), "local part case kept");
  tap_ok(!addr_same("bob@example.net", 15, "bob@example.ne", 14), "lengths differ");
  tap_ok(!addr_same("bob@ex", 6, "bobaex", 6), "no '@' in one");
  tap_ok(addr_same("", 0, "", 0), "two null paths");
  return tap_done();
}
