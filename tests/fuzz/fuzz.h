/* fuzz.h: shared bits of the libFuzzer harnesses in tests/fuzz/.
   Each harness NAME.c feeds untrusted bytes to one parser and checks the
   properties the parser's header promises; tests/fuzz/NAME/ is its seed
   corpus (and keeps every crash found, as a regression input). */
#ifndef SMARTHOST_FUZZ_H
#define SMARTHOST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size);

/* A property the code promised does not hold: a crash libFuzzer reports. */
#define FUZZ_ASSERT(x) do { if (!(x)) abort(); } while (0)

/* An fd open on a memory file holding data, at offset 0; -1 on failure. */
static inline int fuzz_memfd (uint8_t const *data, size_t size)
{
  int fd = memfd_create("fuzz", 0);
  size_t w = 0;
  if (fd < 0) return -1;
  while (w < size)
  {
    ssize_t r = write(fd, data + w, size - w);
    if (r <= 0) { close(fd); return -1; }
    w += (size_t)r;
  }
  if (lseek(fd, 0, SEEK_SET) < 0) { close(fd); return -1; }
  return fd;
}

/* A harness whose code has not landed yet: it says so and stops at once. */
#include <stdio.h>
int LLVMFuzzerInitialize (int *argc, char ***argv);
#define FUZZ_PENDING(what) \
  int LLVMFuzzerInitialize (int *argc, char ***argv) \
  { (void)argc; (void)argv; fprintf(stderr, "fuzz: %s: not built yet\n", what); exit(0); } \
  int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size) { (void)data; (void)size; return 0; }

#endif
