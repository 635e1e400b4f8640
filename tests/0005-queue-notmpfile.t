#!/bin/sh
# smarthost-queue on a file system without O_TMPFILE (NFS, overlayfs before
# Linux 6.6, as in containers on Debian bookworm): a message over the
# in-memory limit still goes into the spool. A small preloaded library
# makes open(O_TMPFILE) fail as such a file system does.
. "$(dirname "$0")/lib.sh"
plan 4

Q=$T/queue
make_queue "$Q"
export QUEUE=$Q

cat > "$T/notmpfile.c" <<'CEOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
static int fake (int flags)
{
  return (flags & O_TMPFILE) == O_TMPFILE;
}
#define WRAP(name, ...) \
  { \
    mode_t mode = 0; \
    va_list ap; \
    va_start(ap, flags); \
    if (flags & (O_CREAT | O_TMPFILE)) mode = va_arg(ap, mode_t); \
    va_end(ap); \
    if (fake(flags)) return (errno = EOPNOTSUPP, -1); \
    return ((int (*)()) dlsym(RTLD_NEXT, name))(__VA_ARGS__, flags, mode); \
  }
int open (char const *p, int flags, ...) WRAP("open", p)
int open64 (char const *p, int flags, ...) WRAP("open64", p)
int openat (int d, char const *p, int flags, ...) WRAP("openat", d, p)
int openat64 (int d, char const *p, int flags, ...) WRAP("openat64", d, p)
CEOF
cc -shared -fPIC -o "$T/notmpfile.so" "$T/notmpfile.c" -ldl || exit 1

# over the injector's 1 MB held in memory
head -c 1500000 /dev/urandom | base64 > "$T/big"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
LD_PRELOAD=$T/notmpfile.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
  smarthost-queue < "$T/big" 1< "$T/env" 2> "$T/err"
is "a 2 MB message is queued without O_TMPFILE" "$?" 0
like "no error" "$(cat "$T/err")" '^$'
set -- "$Q"/new/*
ok "the body is stored byte for byte" sh -c "sed '1,/^\$/d' '$1' | cmp - '$T/big'"
is "no scratch file left in tmp/" "$(ls -A "$Q/tmp")" ""
