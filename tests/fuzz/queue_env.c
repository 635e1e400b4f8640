/* Fuzzing the envelope of a message file (queue_env_read, queue/queue.h):
   the scheduler reads every file in new/ and cur/, and a file edited by
   hand, truncated by a crash or written by another tool must not crash it.
   Properties: on 1, the sender and each recipient passed addr_check, the
   count matches, the fd sits at the body offset, just past "\n\n" or
   the blank line that ends the envelope, the SMTPUTF8 flag is set
   exactly when the envelope has the line "U SMTPUTF8", and the D lines
   (DSN parameters) read are one per recipient ("" for none) and each
   passes dsnparam_scan. */
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "dsnparam.h"
#include "queue.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  queue_env e = QUEUE_ENV_ZERO;
  int fd = fuzz_memfd(data, size);
  int r;
  if (fd < 0) return 0;
  r = queue_env_read(fd, &e);
  FUZZ_ASSERT(r >= -1 && r <= 1);
  if (r == 1)
  {
    size_t i, n = 0;
    FUZZ_ASSERT(e.body >= 2 && (size_t)e.body <= size);
    FUZZ_ASSERT(data[e.body - 1] == '\n' && data[e.body - 2] == '\n');
    FUZZ_ASSERT(lseek(fd, 0, SEEK_CUR) == e.body);
    FUZZ_ASSERT(data[0] == 'F');
    FUZZ_ASSERT(e.sender.len >= 1 && e.sender.s[e.sender.len - 1] == 0);
    FUZZ_ASSERT(addr_check(e.sender.s, e.sender.len - 1) == ADDR_OK);
    for (i = 0; i < e.rcpts.len; i += strlen(e.rcpts.s + i) + 1)
    {
      FUZZ_ASSERT(addr_check(e.rcpts.s + i, strlen(e.rcpts.s + i)) == ADDR_OK);
      n++;
    }
    FUZZ_ASSERT(n == e.nrcpt && n >= 1);
    /* D lines: one string per recipient, each what the smtpd would take */
    {
      dsnparam p;
      unsigned int k = 0, withdsn = 0;
      FUZZ_ASSERT(e.dsn.len >= 1 && dsnparam_scan(&p, 0, e.dsn.s, e.dsn.len - 1));
      for (i = 0; i < e.rdsn.len; i += strlen(e.rdsn.s + i) + 1, k++)
      {
        FUZZ_ASSERT(dsnparam_scan(&p, 1, e.rdsn.s + i, strlen(e.rdsn.s + i)));
        if (e.rdsn.s[i]) withdsn++;
      }
      FUZZ_ASSERT(k == e.nrcpt && withdsn == e.ndsn);
    }
    FUZZ_ASSERT(e.smtputf8 == !!memmem(data, e.body, "\nU SMTPUTF8\n", 12));
  }
  queue_env_free(&e);
  close(fd);
  return 0;
}
