/* envnum.h: numeric settings from the environment */
#ifndef SMARTHOST_ENVNUM_H
#define SMARTHOST_ENVNUM_H

#include <stdint.h>

/* The largest number of seconds a time setting may hold: larger values are
   taken as this (three years), never wrapped into a small or negative one. */
#define ENVNUM_SECONDS_MAX 100000000U

/* Reads the decimal variable name into *v: dflt when unset or empty, max
   when larger than max. Returns 1, or 0 (and *v untouched) when the value
   is not a decimal number. */
int envnum_u64 (char const *name, uint64_t dflt, uint64_t max, uint64_t *v);
int envnum_uint (char const *name, unsigned int dflt, unsigned int max, unsigned int *v);

#endif
