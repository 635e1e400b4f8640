/* Fuzzing whole smtpd sessions: the input is what a client sends, from the
   first command on (command lines, pipelining, DATA, AUTH responses).
   cmd/smarthost-smtpd.c is compiled into the harness with its main renamed;
   the injector (QMAILQUEUE is set) is replaced by one that accepts
   everything (the real one and the in-process commit have their own
   tests), and _exit, which ends every session, jumps back here
   (the link wraps both: see smtpd_session.flags and the Makefile).
   Each input is run twice: once readable in one read (a memory file),
   once cut into packets of 1 to 256 octets (a SOCK_SEQPACKET socket: each
   read of lib/netio gets one), the cuts drawn from a hash of the input.
   Properties: no memory error or undefined behaviour; everything the
   smtpd writes is well-formed replies: lines "DDD " or "DDD-" with a code
   from 2xx to 5xx, printable text, each ending in CRLF; and the replies
   are the same however the input was cut (queue ids aside): no line,
   DATA end or deadline depends on where a read ends. */
#include "fuzz.h"
#if __has_include("smtpd_data.h") && __has_include("../../cmd/smarthost-smtpd.c")
#include <setjmp.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>

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

/* The replies written to fd, NUL-terminated (free it); *size set. */
static char *replies_of (int fd, size_t *size)
{
  off_t end = lseek(fd, 0, SEEK_END);
  char *s = malloc(end > 0 ? (size_t)end + 1 : 1);
  if (!s || end < 0 || pread(fd, s, (size_t)end, 0) != end) abort();
  s[end] = 0;
  *size = (size_t)end;
  return s;
}

/* Every reply line: three digits 2xx-5xx, ' ' or '-', printable text, CRLF. */
static void check_replies (char const *s, size_t size)
{
  size_t i = 0;
  while (i < size)
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
}

/* The same replies, but for the queue ids after "queued as ". */
static void check_same (char const *a, char const *b)
{
  static char const q[] = "queued as ";
  for (;;)
  {
    char const *qa = strstr(a, q), *qb = strstr(b, q);
    FUZZ_ASSERT(!qa == !qb);
    if (!qa) { FUZZ_ASSERT(!strcmp(a, b)); return; }
    FUZZ_ASSERT(qa - a == qb - b && !memcmp(a, b, (size_t)(qa - a)));
    a = strchr(qa, '\n');
    b = strchr(qb, '\n');
    FUZZ_ASSERT(a && b);
  }
}

/* One session on the input; the replies it wrote (free them), or NULL
   when the input could not be set up that way. */
static char *session (uint8_t const *data, size_t size, unsigned int cut, size_t *outlen)
{
  static char const *const argv[] = { "smarthost-smtpd", 0 };
  int in = fuzz_packets_fd(data, size, cut, 256); /* fd 0 for the session */
  int outfd = memfd_create("replies", 0);
  int save0 = dup(0), save1 = dup(1);
  char *out;
  if (outfd < 0 || save0 < 0 || save1 < 0) abort();
  if (in < 0) { close(outfd); close(save0); close(save1); return 0; }
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
  out = replies_of(outfd, outlen);
  close(outfd);
  return out;
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  size_t i, lwhole, lcut;
  unsigned int h = 2166136261u;
  char *whole, *cut;
  for (i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  whole = session(data, size, 0, &lwhole);
  FUZZ_ASSERT(whole);
  check_replies(whole, lwhole);
  cut = session(data, size, h | 1, &lcut);
  FUZZ_ASSERT(cut || size > 4096);   /* a short input always fits */
  if (cut) check_same(whole, cut);
  free(whole);
  free(cut);
  return 0;
}
#else
FUZZ_PENDING("smtpd_session")
#endif
