/* Fuzzing state files (queue/queue_state.h): smarthost-send reads state/ID
   at start-up for every message it has tried, and a torn, hand-edited or
   foreign file must not crash it. Properties: on 1, every recipient has a
   known status and its address and text lie inside the buffer; what was read
   survives a write and a second read unchanged. */
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include "fuzz.h"
#if __has_include("queue_state.h")
#include "queue_state.h"

static int dirfd_ = -1;

static void setup (void)
{
  char tmpl[] = "/dev/shm/fuzz-state.XXXXXX";
  char tmpl2[] = "/tmp/fuzz-state.XXXXXX";
  char *d = mkdtemp(tmpl);
  if (!d) d = mkdtemp(tmpl2);
  if (!d) abort();
  dirfd_ = open(d, O_RDONLY | O_DIRECTORY);
  if (dirfd_ < 0) abort();
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static char const id[] = "1700000000.000000000.0000000001";
  queue_state a = QUEUE_STATE_ZERO, b = QUEUE_STATE_ZERO;
  int fd, r;
  size_t i;
  if (dirfd_ < 0) setup();
  fd = openat(dirfd_, id, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, data, size) != (ssize_t)size) abort();
  close(fd);
  r = queue_state_read(dirfd_, id, &a);
  FUZZ_ASSERT(r == 1 || r == -1);
  if (r == 1)
  {
    for (i = 0; i < queue_state_n(&a); i++)
    {
      queue_rcpt const *q = queue_state_rcpt(&a, i);
      FUZZ_ASSERT(q->status <= QUEUE_RCPT_FAIL && q->addr < a.sa.len && q->text < a.sa.len);
      FUZZ_ASSERT(strlen(a.sa.s + q->addr) < a.sa.len - q->addr && strlen(a.sa.s + q->text) < a.sa.len - q->text);
    }
    FUZZ_ASSERT(queue_state_write(dirfd_, id, &a) == 0);
    FUZZ_ASSERT(queue_state_read(dirfd_, id, &b) == 1);
    FUZZ_ASSERT(a.attempts == b.attempts && a.next == b.next && a.warned == b.warned);
    FUZZ_ASSERT(queue_state_n(&a) == queue_state_n(&b));
    for (i = 0; i < queue_state_n(&a); i++)
    {
      FUZZ_ASSERT(queue_state_rcpt(&a, i)->status == queue_state_rcpt(&b, i)->status);
      FUZZ_ASSERT(queue_state_rcpt(&a, i)->code == queue_state_rcpt(&b, i)->code);
      FUZZ_ASSERT(!strcmp(queue_state_addr(&a, i), queue_state_addr(&b, i)));
      FUZZ_ASSERT(!strcmp(queue_state_text(&a, i), queue_state_text(&b, i)));
    }
  }
  queue_state_free(&a);
  queue_state_free(&b);
  return 0;
}
#else
FUZZ_PENDING("queue_state")
#endif
