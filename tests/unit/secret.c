/* unit tests of secret_wipe (lib/secret_wipe.c): the buffer is given back
   empty; an empty one is no error. Whether the bytes are gone is
   explicit_bzero's promise, not testable after the free. */

#include <string.h>
#include "secret.h"
#include "tap.h"

int main (void)
{
  stralloc sa = STRALLOC_ZERO, none = STRALLOC_ZERO;
  tap_plan(3);
  stralloc_cats(&sa, "password");
  secret_wipe(&sa);
  tap_ok(!sa.s && !sa.len && !sa.a, "wiped: freed and empty");
  secret_wipe(&none);
  tap_ok(!none.s && !none.len, "an empty one: no error");
  tap_ok(stralloc_cats(&sa, "again") && !strncmp(sa.s, "again", 5), "usable again after");
  stralloc_free(&sa);
  return tap_done();
}
