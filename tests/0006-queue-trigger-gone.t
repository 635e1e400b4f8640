#!/bin/sh
# smarthost-queue: once the message is committed, nothing may make the
# injector report failure, not even a trigger reader that goes away
# between our open and our write (SIGPIPE would kill us after the commit,
# the caller would see "killed", say 451, and the client would send a
# duplicate). A preloaded library plays that reader: open() or openat()
# of the trigger returns a pipe (a FIFO) whose read end is already closed.
. "$(dirname "$0")/lib.sh"
plan 3

Q=$T/queue
make_queue "$Q"
export QUEUE=$Q

cat > "$T/gone.c" <<'CEOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
static int gone (char const *p)
{
  size_t n = strlen(p);
  int fd[2];
  if (n < 8 || strcmp(p + n - 8, "/trigger") || pipe(fd) < 0) return -1;
  close(fd[0]);
  return fd[1];
}
#define WRAP(name) \
  { \
    mode_t mode = 0; \
    va_list ap; \
    int fd = gone(p); \
    if (fd >= 0) return fd; \
    va_start(ap, flags); \
    if (flags & (O_CREAT | O_TMPFILE)) mode = va_arg(ap, mode_t); \
    va_end(ap); \
    return ((int (*)()) dlsym(RTLD_NEXT, name))(p, flags, mode); \
  }
int open (char const *p, int flags, ...) WRAP("open")
int open64 (char const *p, int flags, ...) WRAP("open64")
#define WRAPAT(name) \
  { \
    mode_t mode = 0; \
    va_list ap; \
    int fd = strcmp(p, "trigger") ? -1 : gone("/trigger"); \
    if (fd >= 0) return fd; \
    va_start(ap, flags); \
    if (flags & (O_CREAT | O_TMPFILE)) mode = va_arg(ap, mode_t); \
    va_end(ap); \
    return ((int (*)()) dlsym(RTLD_NEXT, name))(d, p, flags, mode); \
  }
int openat (int d, char const *p, int flags, ...) WRAPAT("openat")
int openat64 (int d, char const *p, int flags, ...) WRAPAT("openat64")
CEOF
cc -shared -fPIC -o "$T/gone.so" "$T/gone.c" -ldl || exit 1

printf 'Subject: x\n\nbody\n' > "$T/msg"
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
# Python runs the injector with SIGPIPE at its default action, as a caller
# that does not ignore it would.
r=$("$PY" -c '
import os, subprocess, sys
env = dict(os.environ, LD_PRELOAD=sys.argv[1],
           ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
with open(sys.argv[2], "rb") as m, open(sys.argv[3], "rb") as e:
    print(subprocess.run(["smarthost-queue"], stdin=m, stdout=e, env=env).returncode)
' "$T/gone.so" "$T/msg" "$T/env" 2>"$T/err")
is "the reader gone: still exit 0" "$r" 0
is "the message is in new/" "$(ls "$Q/new" | wc -l | tr -d ' ')" 1
like "a warning says the trigger was not poked" "$(cat "$T/err")" 'warning: unable to poke the trigger'
