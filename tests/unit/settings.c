/* unit tests of a program's settings from lib/: envnum_get (read them all,
   die once naming the first bad one) and heloname_get (HELONAME, else
   the host name). */

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "envnum.h"
#include "heloname.h"
#include "tap.h"

static void numbers (void)
{
  char const *bad = 0;
  unsetenv("A"); setenv("B", "42", 1); setenv("C", "ten", 1); setenv("D", "4294967296", 1); setenv("E", "7", 1);
  tap_is(envnum_get("A", 60, 100, &bad), 60, "unset: the default");
  tap_is(envnum_get("B", 60, 100, &bad), 42, "a number");
  tap_ok(!bad, "... nothing bad so far");
  tap_is(envnum_get("C", 60, 100, &bad), 60, "not a number: the default, so reading goes on");
  tap_ok(bad && !strcmp(bad, "C"), "... and its name kept");
  tap_is(envnum_get("D", 5, UINT_MAX, &bad), 5, "2^32: refused, not wrapped");
  tap_ok(!strcmp(bad, "C"), "the first bad name stays");
  tap_is(envnum_get("E", 60, 6, &bad), 60, "over the maximum: refused");
  tap_is(envnum_get("E", 60, 7, &bad), 7, "the maximum itself");
}

static void helo (void)
{
  char host[256] = { 0 };
  setenv("HELONAME", "relay.example.org", 1);
  tap_ok(!strcmp(heloname_get(), "relay.example.org"), "HELONAME when set");
  gethostname(host, sizeof host - 1);
  setenv("HELONAME", "", 1);
  tap_ok(!strcmp(heloname_get(), *host ? host : "localhost"), "empty: the host name");
  unsetenv("HELONAME");
  tap_ok(!strcmp(heloname_get(), *host ? host : "localhost"), "unset: the host name");
}

int main (void)
{
  tap_plan(12);
  numbers();
  helo();
  return tap_done();
}
