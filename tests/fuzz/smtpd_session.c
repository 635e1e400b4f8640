/* Fuzzing whole smtpd sessions: the input is what a client sends, from the
   first command on (command lines, pipelining, DATA, AUTH responses).
   cmd/smarthost-smtpd.c is compiled into the harness with its main renamed;
   the injector (QMAILQUEUE is set) is replaced by one that accepts
   everything (the real one and the in-process commit have their own
   tests), and _exit, which ends every session, jumps back here
   (the link wraps both: see smtpd_session.flags and the Makefile).
   Properties: no memory error or undefined behaviour, and everything the
   smtpd writes is well-formed replies: lines "DDD " or "DDD-" with a code
   from 2xx to 5xx, printable text, each ending in CRLF. */
#include "fuzz.h"
#if __has_include("smtpd_data.h") && __has_include("../../cmd/smarthost-smtpd.c")
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>

#define main smtpd_main
#include "../../cmd/smarthost-smtpd.c"
#undef main

static jmp_buf back;
static int exited;

void __wrap__exit (int code);
void __wrap__exit (int code)
{
  exited = code + 1;
  longjmp(back, 1);
}

int __wrap_qq_start (qq *q, char const *id);
int __wrap_qq_envelope (qq *q, char const *sender, char const *const *rcpts, unsigned int n);
int __wrap_qq_envelope_dsn (qq *q, char const *sender, char const *dsn, char const *const *rcpts, char const *const *rdsn, unsigned int n);
int __wrap_qq_finish (qq *q);

int __wrap_qq_start (qq *q, char const *id)
{
  (void)id;
  q->pid = 1;
  q->msgfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  q->envfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  return q->msgfd < 0 || q->envfd < 0 ? -1 : 0;
}

int __wrap_qq_envelope (qq *q, char const *sender, char const *const *rcpts, unsigned int n)
{
  unsigned int i;
  FUZZ_ASSERT(sender && (n || !rcpts || 1));
  for (i = 0; i < n; i++) FUZZ_ASSERT(addr_check(rcpts[i], strlen(rcpts[i])) == ADDR_OK);
  if (q->msgfd >= 0) { close(q->msgfd); q->msgfd = -1; }
  return 0;
}

/* the DSN parameters handed on are what the spool's reader takes */
int __wrap_qq_envelope_dsn (qq *q, char const *sender, char const *dsn, char const *const *rcpts, char const *const *rdsn, unsigned int n)
{
  dsnparam p;
  unsigned int i;
  FUZZ_ASSERT(dsn && dsnparam_scan(&p, 0, dsn, strlen(dsn)));
  for (i = 0; i < n; i++) FUZZ_ASSERT(rdsn && rdsn[i] && dsnparam_scan(&p, 1, rdsn[i], strlen(rdsn[i])));
  return __wrap_qq_envelope(q, sender, rcpts, n);
}

int __wrap_qq_finish (qq *q)
{
  if (q->msgfd >= 0) { close(q->msgfd); q->msgfd = -1; }
  if (q->envfd >= 0) { close(q->envfd); q->envfd = -1; }
  return 0;   /* a wait status: exited 0 */
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void)argc; (void)argv;
  setenv("HELONAME", "relay.test", 1);
  setenv("TCPREMOTEIP", "127.0.0.1", 1);
  setenv("RELAYCLIENT", "", 1);
  setenv("SMTPD_MAXERRORS", "1000", 1);
  /* the injector's path (wrapped above), not the in-process commit, which
     would need a spool and fsync for every message */
  setenv("QMAILQUEUE", "smarthost-queue", 1);
  unsetenv("QUEUE"); unsetenv("SMTPD_AUTHFILE"); unsetenv("SMTPD_CERTFILE");
  return 0;
}

/* Every reply line: three digits 2xx-5xx, ' ' or '-', printable text, CRLF. */
static void check_replies (int fd)
{
  off_t size = lseek(fd, 0, SEEK_END);
  char *s;
  size_t i = 0;
  if (size <= 0) return;
  s = malloc((size_t)size);
  if (!s || pread(fd, s, (size_t)size, 0) != size) abort();
  while (i < (size_t)size)
  {
    char const *eol = memchr(s + i, '\n', (size_t)size - i);
    size_t len, j;
    FUZZ_ASSERT(eol && eol > s + i && eol[-1] == '\r');
    len = (size_t)(eol - (s + i)) - 1;
    FUZZ_ASSERT(len >= 4 && s[i] >= '2' && s[i] <= '5' && s[i+1] >= '0' && s[i+1] <= '9'
      && s[i+2] >= '0' && s[i+2] <= '9' && (s[i+3] == ' ' || s[i+3] == '-'));
    for (j = 4; j < len; j++) FUZZ_ASSERT((unsigned char)s[i+j] >= 0x20 && (unsigned char)s[i+j] < 0x7f);
    i += len + 2;
  }
  free(s);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static char const *const argv[] = { "smarthost-smtpd", 0 };
  int in = fuzz_memfd(data, size);
  int outfd = memfd_create("replies", 0);
  int save0 = dup(0), save1 = dup(1);
  if (in < 0 || outfd < 0 || save0 < 0 || save1 < 0) abort();
  dup2(in, 0); dup2(outfd, 1); close(in);
  /* a fresh session: the smtpd's statics as at program start */
  memset(&cf, 0, sizeof cf);
  greeted = 0; helo[0] = 0; tlsinfo[0] = 0; errors = 0; sizelimit = 0;
  authuser.len = 0;
  transaction_reset();
  exited = 0;
  if (!setjmp(back)) smtpd_main(1, argv);
  FUZZ_ASSERT(exited);   /* a session only ends through _exit */
  dup2(save0, 0); dup2(save1, 1); close(save0); close(save1);
  check_replies(outfd);
  close(outfd);
  return 0;
}
#else
FUZZ_PENDING("smtpd_session")
#endif
