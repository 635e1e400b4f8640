/* Unit tests for lib/netio: lines, peek and consume, output and its
   flushes, and the deadlines, over socketpairs with a peer in this
   process or a child (a fake slow client that trickles, one that never
   reads). Timing is only ever checked from below (a wait did not end
   before its deadline) or with a bound far above the deadline: a test
   never assumes speed. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <skalibs/tai.h>
#include "netio.h"
#include "tap.h"

static double now (void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void in_secs (tain *d, double secs)
{
  tain t;
  tain_now_g();
  tain_from_millisecs(&t, (int)(secs * 1000));
  tain_add_g(d, &t);
}

/* n reads sv[1]; the test writes s to sv[0], then closes it when eof. */
static void pair (netio *n, int sv[2], char const *s, size_t len, int eof)
{
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(2);
  if (len && write(sv[0], s, len) != (ssize_t)len) exit(2);
  if (eof) { close(sv[0]); sv[0] = -1; }
  netio_init(n, sv[1]);
}

static void unpair (netio *n, int sv[2])
{
  netio_close(n, &tain_zero);
  if (sv[0] >= 0) close(sv[0]);
}

static void test_lines (void)
{
  static char const in[] = "EHLO a\r\nbare lf\nbare\rcr\r\nnul\0x\r\n\r\n\nlast";
  netio n = NETIO_ZERO;
  int sv[2];
  char line[64];
  size_t len;
  pair(&n, sv, in, sizeof in - 1, 1);
  tap_is(netio_getline(&n, line, sizeof line, &len, 0, 0), 1, "a CRLF line");
  tap_ok(len == 6 && !memcmp(line, "EHLO a", 6), "CRLF removed");
  tap_ok(netio_pending(&n) == sizeof in - 1 - 8, "the pipelined rest stays pending");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 7 && !memcmp(line, "bare lf", 7), "a bare LF ends a line");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 7 && !memcmp(line, "bare\rcr", 7), "a bare CR inside is kept");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 5 && !memcmp(line, "nul\0x", 5), "a NUL inside is kept");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 0, "an empty CRLF line");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 0, "an empty LF line");
  tap_is(netio_getline(&n, line, sizeof line, &len, 0, 0), 0, "EOF in a line: 0, the part dropped");
  unpair(&n, sv);
}

/* max is the room for the line with its end: at max it fits, one more
   octet does not; skipped, the line after it is intact. */
static void test_long (void)
{
  char in[200], line[16];
  size_t len;
  netio n = NETIO_ZERO;
  int sv[2];
  memset(in, 'x', sizeof in);
  memcpy(in + 14, "\r\n", 2);                 /* 16 with CRLF: fits */
  memcpy(in + 16 + 15, "\r\n", 2);            /* 17: does not */
  memcpy(in + 33, "ok\r\n", 4);
  pair(&n, sv, in, 37, 1);
  tap_ok(netio_getline(&n, line, 16, &len, NETIO_SKIPLONG, 0) == 1 && len == 14, "a line of exactly max octets with CRLF");
  tap_ok(netio_getline(&n, line, 16, &len, NETIO_SKIPLONG, 0) == NETIO_TOOLONG && !len, "one octet more: too long");
  tap_ok(netio_getline(&n, line, 16, &len, NETIO_SKIPLONG, 0) == 1 && len == 2 && !memcmp(line, "ok", 2), "the next line is intact");
  unpair(&n, sv);
  pair(&n, sv, in + 16, 21, 1);
  errno = 0;
  tap_ok(netio_getline(&n, line, 16, &len, 0, 0) == -1 && errno == E2BIG, "without NETIO_SKIPLONG: E2BIG");
  unpair(&n, sv);
}

/* A line longer than the whole buffer, skipped in pieces: memory stays
   bounded and the stream stays in step. */
static void test_huge_line (void)
{
  size_t big = 5 * NETIO_RBUF + 7, len;
  char *in = malloc(big + 8), line[512];
  netio n = NETIO_ZERO;
  int sv[2];
  pid_t pid;
  memset(in, 'A', big);
  memcpy(in + big, "\r\nQUIT\r\n", 8);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(2);
  pid = fork();
  if (!pid)
  {
    close(sv[1]);
    _exit(write(sv[0], in, big + 8) == (ssize_t)big + 8 ? 0 : 1);
  }
  close(sv[0]); sv[0] = -1;
  netio_init(&n, sv[1]);
  tap_is(netio_getline(&n, line, sizeof line, &len, NETIO_SKIPLONG, 0), NETIO_TOOLONG, "a line of 5 buffers: too long");
  tap_ok(netio_getline(&n, line, sizeof line, &len, NETIO_SKIPLONG, 0) == 1 && len == 4 && !memcmp(line, "QUIT", 4), "and the next line is read");
  waitpid(pid, 0, 0);
  unpair(&n, sv);
  free(in);
}

/* The invariant over random streams: reading lines of any chunking gives
   the stream split at each LF, one CR before it removed, lines of more
   than max octets (with their end) reported too long, nothing lost. */
static int random_stream_ok (unsigned int seed)
{
  char in[4096], line[40];
  size_t inlen = 1 + rand_r(&seed) % sizeof in, pos = 0, len;
  static char const alphabet[] = "ab\r\n\0 .";
  netio n = NETIO_ZERO;
  int sv[2], ok = 1;
  size_t i;
  for (i = 0; i < inlen; i++) in[i] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
  pair(&n, sv, in, inlen, 1);
  for (;;)
  {
    char const *lf = memchr(in + pos, '\n', inlen - pos);
    size_t whole, want;
    int r = netio_getline(&n, line, sizeof line, &len, NETIO_SKIPLONG, 0);
    if (!lf) { ok = r == 0; break; }
    whole = (size_t)(lf - (in + pos)) + 1;
    want = whole - 1 - (whole >= 2 && lf[-1] == '\r');
    if (whole > sizeof line) ok = r == NETIO_TOOLONG && !len;
    else ok = r == 1 && len == want && !memcmp(line, in + pos, want);
    if (!ok) break;
    pos += whole;
  }
  unpair(&n, sv);
  return ok;
}

static void test_random (void)
{
  unsigned int i, bad = 0;
  for (i = 0; i < 300; i++) bad += !random_stream_ok(i * 2654435761u + 1);
  tap_is(bad, 0, "300 random streams split into lines as specified");
}

static void test_peek (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char const *s;
  char line[16];
  size_t len;
  pair(&n, sv, "hello world\r\nnext\r\n", 19, 0);
  tap_is(netio_peek(&n, &s, 0), 19, "peek reads and shows everything pending");
  tap_ok(!memcmp(s, "hello", 5), "peek shows the bytes in order");
  netio_consume(&n, 6);
  tap_ok(netio_peek(&n, &s, 0) == 13 && !memcmp(s, "world", 5), "consume moves past the used bytes");
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == 1 && len == 5, "a line after a consume");
  netio_discard(&n);
  tap_is(netio_pending(&n), 0, "discard drops the pending input");
  close(sv[0]); sv[0] = -1;
  tap_is(netio_peek(&n, &s, 0), 0, "peek at EOF: 0");
  unpair(&n, sv);
}

static void test_wipe (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char line[64];
  size_t len;
  pair(&n, sv, "AUTH PLAIN c2VjcmV0\r\nNOOP\r\n", 27, 1);
  tap_ok(netio_getline(&n, line, sizeof line, &len, NETIO_WIPE, 0) == 1 && len == 19, "a line read with NETIO_WIPE");
  tap_ok(!memmem(n.rbuf, sizeof n.rbuf, "c2VjcmV0", 8), "its bytes are gone from the buffer");
  tap_ok(netio_pending(&n) == 6, "the next line is still there");
  unpair(&n, sv);
}

/* The replies queued are written before a wait for input: a peer that
   answers only after reading them would otherwise never answer. */
static void test_flush_before_read (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char line[16];
  size_t len;
  tain d;
  pid_t pid;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(2);
  pid = fork();
  if (!pid)
  {
    char c;
    close(sv[1]);
    do if (read(sv[0], &c, 1) != 1) _exit(1); while (c != '\n');
    _exit(write(sv[0], "QUIT\r\n", 6) == 6 ? 0 : 1);
  }
  close(sv[0]); sv[0] = -1;
  netio_init(&n, sv[1]);
  tap_ok(netio_puts(&n, "220 hello\r\n") && netio_unflushed(&n) == 11, "a reply queued, not written");
  in_secs(&d, 60);
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, &d) == 1 && len == 4, "the peer saw it and answered");
  tap_is(netio_unflushed(&n), 0, "nothing left queued");
  waitpid(pid, 0, 0);
  unpair(&n, sv);
}

static void test_autoflush (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char big[5000], got[5000];
  ssize_t r;
  memset(big, 'r', sizeof big);
  pair(&n, sv, 0, 0, 0);
  netio_timeout(&n, 60);
  netio_autoflush(&n, 4096);
  tap_ok(netio_put(&n, big, 100) && netio_unflushed(&n) == 100, "under the bound: queued");
  tap_ok(netio_put(&n, big, 4900) && netio_unflushed(&n) == 0, "past it: written at once");
  r = read(sv[0], got, sizeof got);
  tap_is(r, 5000, "the peer got all of it");
  unpair(&n, sv);
}

/* A fake slow client: one byte every 50 ms, never a line end, for far
   longer than any deadline here. Killed by pid. */
static pid_t trickler (int fd, int other)
{
  pid_t pid = fork();
  if (pid < 0) exit(2);
  if (!pid)
  {
    int i;
    struct timespec ts = { 0, 50000000 };
    close(other);
    for (i = 0; i < 2000; i++)
    {
      if (write(fd, "x", 1) != 1) _exit(0);
      nanosleep(&ts, 0);
    }
    _exit(0);
  }
  return pid;
}

static void stop (pid_t pid)
{
  kill(pid, SIGKILL);
  waitpid(pid, 0, 0);
}

/* Trickling resets no deadline that is a limit: each byte arrives well
   within the timeout for one read, yet the line is cut at the limit. */
static void test_trickle_limit (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char line[512];
  size_t len;
  tain limit;
  double t0, t;
  pid_t pid;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(2);
  pid = trickler(sv[0], sv[1]);
  close(sv[0]); sv[0] = -1;
  netio_init(&n, sv[1]);
  netio_timeout(&n, 30);
  t0 = now();
  in_secs(&limit, 1);
  netio_limit(&n, &limit);
  errno = 0;
  tap_ok(netio_getline(&n, line, sizeof line, &len, NETIO_SKIPLONG, 0) == -1 && errno == ETIMEDOUT, "a trickling peer: ETIMEDOUT");
  t = now() - t0;
  tap_ok(t >= 0.99, "not before the limit");
  tap_ok(t < 20, "at the limit, long before the 30 s timeout");
  stop(pid);
  unpair(&n, sv);
}

/* The same peer against a deadline passed by the caller. */
static void test_trickle_deadline (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char line[512];
  size_t len;
  tain d;
  double t0, t;
  pid_t pid;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) exit(2);
  pid = trickler(sv[0], sv[1]);
  close(sv[0]); sv[0] = -1;
  netio_init(&n, sv[1]);
  t0 = now();
  in_secs(&d, 0.7);
  errno = 0;
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, &d) == -1 && errno == ETIMEDOUT, "a caller's deadline: ETIMEDOUT");
  t = now() - t0;
  tap_ok(t >= 0.69 && t < 20, "at that deadline");
  stop(pid);
  unpair(&n, sv);
}

/* A silent peer: the timeout for one read ends the wait. */
static void test_silent (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  char line[16];
  size_t len;
  double t0, t;
  pair(&n, sv, 0, 0, 0);
  netio_timeout(&n, 1);
  t0 = now();
  errno = 0;
  tap_ok(netio_getline(&n, line, sizeof line, &len, 0, 0) == -1 && errno == ETIMEDOUT, "a silent peer: ETIMEDOUT");
  t = now() - t0;
  tap_ok(t >= 0.99 && t < 20, "after the timeout");
  unpair(&n, sv);
}

/* A peer that never reads: the flush stops at its deadline. */
static void test_write_deadline (void)
{
  netio n = NETIO_ZERO;
  int sv[2];
  static char big[1 << 20];
  tain d;
  double t0, t;
  pair(&n, sv, 0, 0, 0);
  tap_ok(netio_put(&n, big, sizeof big), "a megabyte queued");
  t0 = now();
  in_secs(&d, 0.5);
  errno = 0;
  tap_ok(netio_flush(&n, &d) == -1 && errno == ETIMEDOUT, "a peer that never reads: ETIMEDOUT");
  t = now() - t0;
  tap_ok(t >= 0.49 && t < 20, "at the deadline");
  close(sv[0]); sv[0] = -1;
  errno = 0;
  tap_ok(netio_flush(&n, &d) == -1 && errno == EPIPE, "a peer gone: EPIPE");
  unpair(&n, sv);
}

int main (void)
{
  signal(SIGPIPE, SIG_IGN);
  tap_plan(42);
  test_lines();
  test_long();
  test_huge_line();
  test_random();
  test_peek();
  test_wipe();
  test_flush_before_read();
  test_autoflush();
  test_trickle_limit();
  test_trickle_deadline();
  test_silent();
  test_write_deadline();
  return tap_done();
}
