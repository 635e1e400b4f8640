/* envnum.h: numeric settings from the environment */
#ifndef SMARTHOST_ENVNUM_H
#define SMARTHOST_ENVNUM_H

#include <stdint.h>

/* The largest number of seconds a time setting may hold (three years):
   deadlines are computed with tain_addsec(), which takes an int. */
#define ENVNUM_SECONDS_MAX 100000000U

/* Reads the decimal variable name into *v: dflt when unset or empty.
   Returns 1, or 0 (and *v untouched) when the value is not a decimal
   number, or is larger than max (a value that does not fit 64 bits
   included): a bad setting is an error, never wrapped, capped or taken
   as "no limit". */
int envnum_u64 (char const *name, uint64_t dflt, uint64_t max, uint64_t *v);
int envnum_uint (char const *name, unsigned int dflt, unsigned int max, unsigned int *v);

/* A program's settings, read one after another: the value envnum_uint
   reads, or dflt when it is bad, the first bad name kept in *bad (which
   the caller sets to 0 first). The caller reads them all, then dies once
   if *bad names one: lib/ never exits. */
unsigned int envnum_get (char const *name, unsigned int dflt, unsigned int max, char const **bad);

#endif
