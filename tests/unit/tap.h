/* tap.h: a few TAP macros for the C unit tests in tests/unit/ */
#ifndef SMARTHOST_TAP_H
#define SMARTHOST_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n = 0;
static int tap_failed = 0;

#define tap_plan(n) printf("1..%d\n", (n))
#define tap_ok(cond, desc) do { int tap_c_ = !!(cond); tap_n++; \
  if (!tap_c_) tap_failed++; \
  printf("%sok %d - %s\n", tap_c_ ? "" : "not ", tap_n, (desc)); \
  if (!tap_c_) printf("#   failed at %s:%d\n", __FILE__, __LINE__); } while (0)
#define tap_is(got, want, desc) do { long tap_g_ = (long)(got), tap_w_ = (long)(want); \
  tap_ok(tap_g_ == tap_w_, desc); \
  if (tap_g_ != tap_w_) printf("#   got %ld, want %ld\n", tap_g_, tap_w_); } while (0)
#define tap_done() (tap_failed ? 1 : 0)

#endif
