/* Fuzzing whole smtpd sessions: the input is what a client sends, from the
   first command on (command lines, pipelining, DATA, AUTH responses).
   The session is lib/smtpd_session, linked as the smtpd links it; its
   hooks here stand for the wiring in cmd/smarthost-smtpd.c: the size
   limit is DATABYTES's default, and the sink accepts every message after
   checking its envelope (the real injector and the in-process commit
   have their own tests). AUTH is offered in clear, against a password
   file made at start-up, without the delay before a 535.
   Each input is run twice: once readable in one read (a memory file),
   once cut into packets of 1 to 256 octets (a SOCK_SEQPACKET socket: each
   read of lib/netio gets one), the cuts drawn from a hash of the input.
   Properties: no memory error or undefined behaviour; every step ends in
   one of the session's results; everything the session writes is
   well-formed replies: lines "DDD " or "DDD-" with a code from 2xx to 5xx,
   printable text, each ending in CRLF; every log line is printable; and
   the replies are the same however the input was cut (queue ids aside):
   no line, DATA end or deadline depends on where a read ends. */
#include "fuzz.h"
#if __has_include("smtpd_session.h")
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include "addr.h"
#include "dsnparam.h"
#include "netio.h"
#include "sizelimit.h"
#include "smtpd_session.h"

static smtpd_conf conf;
static char authfile[] = "/tmp/smtpd-session-fuzz-XXXXXX";

static uint64_t limit (void *ctx)
{
  (void)ctx;
  return sizelimit_of(26214400, 0, SIZELIMIT_MARGIN_DEFAULT);
}

/* The log is the smtpd's stderr: one printable line each. */
static void log_line (void *ctx, int level, char const *line)
{
  (void)ctx;
  FUZZ_ASSERT(level >= SMTPD_LOG_INFO && level <= SMTPD_LOG_UNABLE);
  for (; *line; line++) FUZZ_ASSERT((unsigned char)*line >= 0x20 && (unsigned char)*line < 0x7f);
}

static int sink_open (void *ctx, smtpd_session const *s, char const *id)
{
  (void)ctx; (void)id;
  FUZZ_ASSERT(s->inmail && s->nrcpt);
  return 0;
}

static int sink_write (void *ctx, char const *buf, size_t len)
{
  (void)ctx; (void)buf;
  FUZZ_ASSERT(len);
  return 0;
}

static int sink_abort (void *ctx, int werr)
{
  (void)ctx;
  FUZZ_ASSERT(!werr);
  return 0;
}

/* The envelope handed on: every recipient an address the spool takes,
   and the DSN parameters what the spool's reader takes. */
static int sink_commit (void *ctx, smtpd_session const *s)
{
  dsnparam p;
  size_t i = 0, j = 0;
  unsigned int n;
  (void)ctx;
  FUZZ_ASSERT(s->sender.len && !s->sender.s[s->sender.len - 1]);
  FUZZ_ASSERT(s->mdsn.len && dsnparam_scan(&p, 0, s->mdsn.s, s->mdsn.len - 1));
  for (n = 0; n < s->nrcpt; n++)
  {
    size_t len, dlen;
    FUZZ_ASSERT(i < s->rcpts.len && j < s->rdsn.len);
    len = strlen(s->rcpts.s + i);
    dlen = strlen(s->rdsn.s + j);
    FUZZ_ASSERT(addr_check(s->rcpts.s + i, len) == ADDR_OK);
    FUZZ_ASSERT(dsnparam_scan(&p, 1, s->rdsn.s + j, dlen));
    i += len + 1;
    j += dlen + 1;
  }
  FUZZ_ASSERT(i == s->rcpts.len && j == s->rdsn.len);
  return 0;   /* a wait status: exited 0 */
}

static smtpd_hooks const hooks = { 0, &limit, &log_line, &sink_open, &sink_write, &sink_abort, &sink_commit, 0 };

/* The settings smarthost-smtpd reads with HELONAME=relay.test,
   TCPREMOTEIP=127.0.0.1, RELAYCLIENT, SMTPD_MAXERRORS=1000 and the
   defaults, and a password file for AUTH. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* "user" "secret", with the fewest rounds crypt(3) allows: speed */
  char const *hash = crypt("secret", "$5$rounds=1000$fuzzsalt$");
  int fd = mkstemp(authfile);
  (void)argc; (void)argv;
  if (fd < 0 || !hash || dprintf(fd, "user:%s\n", hash) < 0) abort();
  close(fd);
  conf.name = "relay.test";
  conf.ip = "127.0.0.1";
  conf.clientkey = "127.0.0.1";
  conf.authfile = authfile;
  conf.auth_clear = 1;
  conf.relayclient = 1;
  conf.normalize = SMTPD_NORM_RELAY;
  conf.add_headers = 1;
  conf.maxrcpt = 100;
  conf.maxerrors = 1000;
  conf.cmd_timeout = 300;
  conf.data_timeout = 1800;
  conf.session_timeout = 3600;
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
  int in = fuzz_packets_fd(data, size, cut, 256);
  int outfd = memfd_create("replies", 0);
  netio io = NETIO_ZERO;
  smtpd_session s;
  char *out;
  int r;
  if (outfd < 0) abort();
  if (in < 0) { close(outfd); return 0; }
  if (netio_init2(&io, in, outfd) < 0) abort();
  smtpd_session_init(&s, &conf, &hooks, &io);
  r = smtpd_session_greet(&s);
  while (r == SMTPD_SESSION_NEXT) r = smtpd_session_step(&s);
  /* no TLS is offered: a session ends at QUIT, at the end of the input
     (in AUTH or DATA too), or after too many errors */
  FUZZ_ASSERT(r == SMTPD_SESSION_END || r == SMTPD_SESSION_GONE_AUTH || r == SMTPD_SESSION_GONE_DATA);
  FUZZ_ASSERT(netio_flush(&io, 0) == 1);
  out = replies_of(outfd, outlen);
  smtpd_session_free(&s);
  netio_close(&io, &tain_zero);
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
