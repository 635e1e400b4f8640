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
#include <sys/socket.h>
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

/* An fd to read data from, as a reader would get it: in one read from a
   memory file (cut 0), or from a SOCK_SEQPACKET socket in packets of 1
   to max octets, their sizes drawn from cut (a hash of the input), one
   read each. -1 when the packets would not fit in the socket's buffer. */
static inline int fuzz_packets_fd (uint8_t const *data, size_t size, unsigned int cut, size_t max)
{
  int sv[2];
  size_t pos = 0;
  if (!cut) return fuzz_memfd(data, size);
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0) abort();
  while (pos < size)
  {
    size_t n;
    cut = cut * 1103515245u + 12345u;
    n = 1 + (cut >> 16) % max;
    if (n > size - pos) n = size - pos;
    if (write(sv[0], data + pos, n) != (ssize_t)n) { close(sv[0]); close(sv[1]); return -1; }
    pos += n;
  }
  close(sv[0]);
  return sv[1];
}

/* A harness whose code has not landed yet: it says so and stops at once. */
#include <stdio.h>
int LLVMFuzzerInitialize (int *argc, char ***argv);
#define FUZZ_PENDING(what) \
  int LLVMFuzzerInitialize (int *argc, char ***argv) \
  { (void)argc; (void)argv; fprintf(stderr, "fuzz: %s: not built yet\n", what); exit(0); } \
  int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size) { (void)data; (void)size; return 0; }

#endif
