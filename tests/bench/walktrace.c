/* walktrace: the recorder behind tests/bench/walk (the walk of one
 * message through the programs, file by file).
 *
 * The programs are built with -finstrument-functions and linked with this
 * object (it is compiled without), so every entry to and exit from one of
 * our functions calls in here; skalibs and libc are not instrumented, so
 * only cmd/, lib/ and queue/ appear. Each process appends its events to
 * WALKTRACE_DIR/PID.SEQ (the directory is compiled in: the programs clear
 * or replace their environment on the way, and run as several users), a
 * sparse file mapped shared, so that a process killed by a signal loses
 * nothing: the first 8 bytes count the records after it.
 *
 * A record is 16 bytes: the CLOCK_MONOTONIC time in ns, and the function's
 * address with bit 63 set on exit. A file WALKTRACE_DIR/PID.SEQ.exe holds
 * the program's path, for the mapping of addresses to source files
 * (addr2line; the programs are linked -no-pie so that addresses need no
 * relocation). A forked child starts a file of its own; an exec starts the
 * next SEQ of the same PID.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef WALKTRACE_DIR
#define WALKTRACE_DIR "/tmp/smarthost-walk"
#endif
#define WT_BYTES ((size_t)1 << 28)   /* 16 M records per process */

#define NOINST __attribute__((no_instrument_function))

void __cyg_profile_func_enter (void *, void *) NOINST;
void __cyg_profile_func_exit (void *, void *) NOINST;

static uint64_t *wt_map;   /* [0] = records so far, then 2 words a record */
static int wt_busy;

static void wt_open (void) NOINST;
static void wt_open (void)
{
  char path[PATH_MAX], exe[PATH_MAX];
  int fd = -1;
  wt_map = 0;
  for (unsigned seq = 0; seq < 100 && fd < 0; seq++) {
    snprintf(path, sizeof path, "%s/%ld.%02u", WALKTRACE_DIR, (long)getpid(), seq);
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  }
  if (fd < 0) return;
  fchmod(fd, 0666);
  if (ftruncate(fd, WT_BYTES) < 0) { close(fd); return; }
  void *m = mmap(0, WT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (m == MAP_FAILED) return;
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = 0;
    char epath[PATH_MAX + 8];
    snprintf(epath, sizeof epath, "%s.exe", path);
    int e = open(epath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (e >= 0) { fchmod(e, 0666); (void)!write(e, exe, n); close(e); }
  }
  wt_map = m;
}

/* the child of a fork must not write into its parent's file */
static void wt_child (void) NOINST;
static void wt_child (void)
{
  if (wt_map) munmap(wt_map, WT_BYTES);
  wt_open();
}

static void wt_start (void) __attribute__((constructor)) NOINST;
static void wt_start (void)
{
  wt_open();
  pthread_atfork(0, 0, wt_child);
}

static void wt_record (void *fn, uint64_t exitbit) NOINST;
static void wt_record (void *fn, uint64_t exitbit)
{
  if (!wt_map || wt_busy) return;
  struct timespec ts;
  wt_busy = 1;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  wt_busy = 0;
  /* a slot of its own even if a signal handler records in between */
  uint64_t n = __atomic_fetch_add(&wt_map[0], 1, __ATOMIC_RELAXED);
  if (2 * n + 3 > WT_BYTES / 8) return;
  wt_map[1 + 2 * n] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  wt_map[2 + 2 * n] = (uint64_t)(uintptr_t)fn | exitbit;
}

void __cyg_profile_func_enter (void *fn, void *site) { (void)site; wt_record(fn, 0); }
void __cyg_profile_func_exit (void *fn, void *site) { (void)site; wt_record(fn, (uint64_t)1 << 63); }
