/* tests/fault: faults for the tests, linked into the test variants of the
 * programs ($BUILD/test/) with -Wl,--wrap=SYMBOL, so that the programs
 * users run stay free of any interposition and can be linked statically.
 * Each wrapper calls the real function unless its variable is set:
 *
 *   FAULT_NOTMPFILE=1     open*() with O_TMPFILE fails with EOPNOTSUPP, as
 *                         on NFS or overlayfs before Linux 6.6 (test 0005)
 *   FAULT_TRIGGER_GONE=1  open*() of "trigger" or of a path ending in
 *                         "/trigger" gives the write end of a pipe whose
 *                         reader is gone (0006)
 *   FAULT_CRYPT_LOG=FILE  crypt_r() appends its setting (the hash it is
 *                         checked against) to FILE, one a line (0210)
 */
#ifndef FAULT_H
#define FAULT_H

#include <sys/types.h>

struct crypt_data;

extern int __real_open (char const *, int, ...);
extern int __real_open64 (char const *, int, ...);
extern int __real_openat (int, char const *, int, ...);
extern int __real_openat64 (int, char const *, int, ...);
extern int __wrap_open (char const *, int, ...);
extern int __wrap_open64 (char const *, int, ...);
extern int __wrap_openat (int, char const *, int, ...);
extern int __wrap_openat64 (int, char const *, int, ...);

extern char *__real_crypt_r (char const *, char const *, struct crypt_data *);
extern char *__wrap_crypt_r (char const *, char const *, struct crypt_data *);

#endif
