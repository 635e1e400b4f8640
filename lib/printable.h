/* printable.h: make outside text safe to log or pass on (qmail's logsafe) */
#ifndef SMARTHOST_PRINTABLE_H
#define SMARTHOST_PRINTABLE_H

#include <stddef.h>
#include <skalibs/stralloc.h>

/* Appends s to sa with every byte outside 0x20-0x7e replaced by '?'.
   (So the result has no TAB, CR, LF or NUL.) Returns 1, or 0 on allocation failure. */
int printable_cat (stralloc *sa, char const *s, size_t len);

/* In place. */
void printable_fix (char *s, size_t len);

#endif
