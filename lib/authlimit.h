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
   -1 with errno when dir is not usable.

   Records expire: one whose last failure is window seconds old counts
   as none, and is removed when a client without a record fails (the
   sweep, authlimit_sweep, at most every AUTHLIMIT_SWEEP_EVERY seconds), so a client never comes back to find its
   record gone before it expired. There are at most about
   AUTHLIMIT_RECORDS of them (a client without one, when that many live,
   is counted in the one record auth-shared with every other such
   client): a client with many addresses cannot fill the disk, nor have
   its own record removed by making others; a flood makes AUTH fail
   closed (454 for newcomers, for a window), never open. */
#define AUTHLIMIT_RECORDS 10000
/* The sweep stats every record, so a newcomer's failure runs it at most
   once in this many seconds (dir/auth.sweep counts the records made
   since, so the bound holds in between). */
#define AUTHLIMIT_SWEEP_EVERY 60
int authlimit_begin (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now);
/* The same with another bound than AUTHLIMIT_RECORDS (for tests). */
int authlimit_begin_in (char const *dir, char const *key, unsigned int maxfail, unsigned int window, uint64_t now, unsigned int records);

/* Removes the records expired at now (their last failure window seconds
   ago), leaving those in use (locked) alone. Returns the number of live
   client records (auth-shared not counted), or -1 with errno. */
long authlimit_sweep (char const *dir, unsigned int window, uint64_t now);

/* After a success: the client's record is removed, or, when it was
   counted in auth-shared, its failure taken back from there. 0, or -1
   with errno. */
int authlimit_success (char const *dir, char const *key);

#endif
