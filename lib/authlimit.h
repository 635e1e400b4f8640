/* authlimit.h: inbound AUTH failures counted per client across all its
   connections, so that parallel sessions do not multiply the guesses.

   The record is dir/auth-KEY, "failures time-of-the-last\n", read and
   written under its flock(). Each attempt is counted as a failure before
   the password is checked (a success takes it back), so that attempts
   running in parallel cannot all pass the check before any of them is
   counted. */
#ifndef SMARTHOST_AUTHLIMIT_H
#define SMARTHOST_AUTHLIMIT_H

#include <stdint.h>

/* Before checking a password at time now: when the client has maxfail
   failures, the last less than window seconds ago, returns 0 (refuse
   without checking). Otherwise counts one more failure and returns 1.
   -1 with errno when dir is not usable. */
int authlimit_begin (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now);

/* After a success: the client's record is removed. 0, or -1 with errno. */
int authlimit_success (char const *dir, char const *key);

#endif
