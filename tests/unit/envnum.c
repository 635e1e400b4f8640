/* unit tests of lib/envnum: defaults, garbage, and values too large refused */

#include <limits.h>
#include <stdlib.h>
#include "envnum.h"
#include "tap.h"

int main (void)
{
  unsigned int u = 7;
  uint64_t v = 0;
  tap_plan(14);
  unsetenv("X");
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 60, "unset: the default");
  setenv("X", "", 1);
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 60, "empty: the default");
  setenv("X", "42", 1);
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 42, "a number");
  setenv("X", "100", 1);
  tap_ok(envnum_uint("X", 60, 100, &u) && u == 100, "the maximum itself");
  u = 7;
  setenv("X", "101", 1);
  tap_ok(!envnum_uint("X", 60, 100, &u) && u == 7, "one over the maximum refused, value untouched");
  setenv("X", "2147483648", 1);
  tap_ok(!envnum_uint("X", 60, ENVNUM_SECONDS_MAX, &u), "2^31 seconds refused, not wrapped or capped");
  setenv("X", "4294967296", 1);
  tap_ok(!envnum_uint("X", 60, UINT_MAX, &u), "2^32 refused for an unsigned int");
  setenv("X", "18446744073709551615", 1);
  tap_ok(envnum_u64("X", 60, UINT64_MAX, &v) && v == UINT64_MAX, "2^64-1 fits 64 bits");
  v = 7;
  setenv("X", "18446744073709551616", 1);
  tap_ok(!envnum_u64("X", 60, UINT64_MAX, &v) && v == 7, "2^64 refused, not wrapped to 0");
  setenv("X", "99999999999999999999999999", 1);
  tap_ok(!envnum_u64("X", 60, UINT64_MAX, &v), "more than 64 bits refused");
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
