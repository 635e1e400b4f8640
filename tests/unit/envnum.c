/* unit tests of lib/envnum: defaults, garbage, and huge values capped */

#include <stdlib.h>
#include "envnum.h"
#include "tap.h"

int main (void)
{
  unsigned int u = 7;
  uint64_t v = 0;
  tap_plan(10);
  unsetenv("X");
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 60, "unset: the default");
  setenv("X", "", 1);
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 60, "empty: the default");
  setenv("X", "42", 1);
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 42, "a number");
  setenv("X", "2147483648", 1);
  tap_ok(envnum_uint("X", 60, ENVNUM_SECONDS_MAX, &u) && u == ENVNUM_SECONDS_MAX, "2^31 capped, not wrapped");
  setenv("X", "99999999999999999999999999", 1);
  tap_ok(envnum_uint("X", 60, 1000, &u) && u == 1000, "more than 64 bits: capped");
  tap_ok(envnum_u64("X", 60, UINT64_MAX, &v) && v == UINT64_MAX, "more than 64 bits, u64: the maximum");
  u = 7;
  setenv("X", "12x", 1);
  tap_ok(!envnum_uint("X", 60, 100, &u) && u == 7, "trailing garbage refused, value untouched");
  setenv("X", "-1", 1);
  tap_ok(!envnum_uint("X", 60, 100, &u), "negative refused");
  setenv("X", " 5", 1);
  tap_ok(!envnum_uint("X", 60, 100, &u), "leading space refused");
  setenv("X", "99999999999999999999999x", 1);
  tap_ok(!envnum_u64("X", 60, 100, &v), "huge with garbage refused");
  return tap_done();
}
