/* netio.c: buffered, deadline-bound I/O on one connection, plain or TLS.
   With TLS, libtls says which direction it waits for (TLS_WANT_POLLIN or
   TLS_WANT_POLLOUT), even while writing: each wait is on that fd. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <tls.h>
#include <skalibs/djbunix.h>
#include <skalibs/iopause.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "netio.h"

static void netio_reset (netio *n, int fdr, int fdw)
{
  n->fdr = fdr;
  n->fdw = fdw;
  n->tls = 0;
  n->timeout = 0;
  n->autoflush = 0;
  n->haslimit = 0;
  n->rpos = n->rlen = 0;
  n->out.len = 0;
}

void netio_init (netio *n, int fd)
{
  ndelay_on(fd);
  netio_reset(n, fd, fd);
}

int netio_init2 (netio *n, int fdr, int fdw)
{
  netio_reset(n, fdr, fdw);
  if (ndelay_on(fdr) < 0) return -1;
  if (fdw != fdr && ndelay_on(fdw) < 0) return -1;
  return 0;
}

void netio_timeout (netio *n, unsigned int secs)
{
  n->timeout = secs;
}

void netio_limit (netio *n, tain const *limit)
{
  n->limit = *limit;
  n->haslimit = 1;
}

void netio_autoflush (netio *n, size_t max)
{
  n->autoflush = max;
}

/* The deadline of one read or write: the earliest of the caller's, the
   timeout from now and the limit. 0: none at all. */
static int deadline_of (netio const *n, tain const *given, tain *d)
{
  int has = 0;
  if (given) { *d = *given; has = 1; }
  if (n->timeout)
  {
    tain t;
    tain_now_g();
    tain_addsec_g(&t, n->timeout);
    if (!has || tain_less(&t, d)) *d = t;
    has = 1;
  }
  if (n->haslimit && (!has || tain_less(&n->limit, d))) { *d = n->limit; has = 1; }
  return has;
}

int netio_wait (int fd, int want_write, tain const *deadline)
{
  iopause_fd x = { .fd = fd, .events = want_write ? IOPAUSE_WRITE : IOPAUSE_READ };
  for (;;)
  {
    int r;
    tain_now_g();
    r = iopause_g(&x, 1, deadline ? deadline : &tain_infinite);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      return -1;
    }
    if (!r) return (errno = ETIMEDOUT, -1);
    return 1;
  }
}

/* libtls asks to wait for the socket in either direction. */
static int wait_tls (netio const *n, ssize_t r, tain const *d)
{
  if (r == TLS_WANT_POLLIN) return netio_wait(n->fdr, 0, d);
  if (r == TLS_WANT_POLLOUT) return netio_wait(n->fdw, 1, d);
  return (errno = EPROTO, -1);
}

/* One read into s: >0 bytes, 0 EOF, -1 error. */
static ssize_t netio_read (netio *n, char *s, size_t len, tain const *d)
{
  for (;;)
  {
    ssize_t r;
    if (n->tls)
    {
      r = tls_read(n->tls, s, len);
      if (r >= 0) return r;
      if (wait_tls(n, r, d) < 0) return -1;
      continue;
    }
    r = read(n->fdr, s, len);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (netio_wait(n->fdr, 0, d) < 0) return -1;
  }
}

/* One write from s: >0 bytes written, -1 error. */
static ssize_t netio_write (netio *n, char const *s, size_t len, tain const *d)
{
  for (;;)
  {
    ssize_t r;
    if (n->tls)
    {
      r = tls_write(n->tls, s, len);
      if (r >= 0) return r;
      if (wait_tls(n, r, d) < 0) return -1;
      continue;
    }
    r = write(n->fdw, s, len);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (netio_wait(n->fdw, 1, d) < 0) return -1;
  }
}

int netio_flush (netio *n, tain const *deadline)
{
  size_t done = 0;
  tain d;
  int has;
  if (!n->out.len) return 1;
  has = deadline_of(n, deadline, &d);
  while (done < n->out.len)
  {
    ssize_t r = netio_write(n, n->out.s + done, n->out.len - done, has ? &d : 0);
    if (r < 0) return -1;
    done += r;
  }
  n->out.len = 0;
  return 1;
}

/* Reads more input after what is pending: the count now pending, 0 on
   EOF, -1 on error. About to wait for the peer with no input pending,
   every reply so far goes out first, in one write (RFC 2920 3.2). */
static ssize_t netio_fill (netio *n, tain const *deadline)
{
  tain d;
  int has;
  ssize_t r;
  if (n->rpos == n->rlen)
  {
    n->rpos = n->rlen = 0;
    if (netio_flush(n, deadline) < 0) return -1;
  }
  else if (n->rpos)
  {
    memmove(n->rbuf, n->rbuf + n->rpos, n->rlen - n->rpos);
    n->rlen -= n->rpos;
    n->rpos = 0;
  }
  if (n->rlen == NETIO_RBUF) return NETIO_RBUF;
  has = deadline_of(n, deadline, &d);
  r = netio_read(n, n->rbuf + n->rlen, NETIO_RBUF - n->rlen, has ? &d : 0);
  if (r <= 0) return r;
  n->rlen += r;
  return n->rlen - n->rpos;
}

int netio_getline (netio *n, char *line, size_t max, size_t *len, unsigned int flags, tain const *deadline)
{
  size_t got = 0;
  int toolong = 0;
  for (;;)
  {
    char *s = n->rbuf + n->rpos;
    size_t avail = n->rlen - n->rpos;
    char *lf = memchr(s, '\n', avail);
    size_t take = lf ? (size_t)(lf - s) + 1 : avail;
    if (!toolong && got + take > max)
    {
      if (!(flags & NETIO_SKIPLONG)) return (errno = E2BIG, -1);
      toolong = 1;
    }
    if (!toolong) { memcpy(line + got, s, take); got += take; }
    if (flags & NETIO_WIPE) explicit_bzero(s, take);
    n->rpos += take;
    if (lf) break;
    {
      ssize_t r = netio_fill(n, deadline);
      if (r <= 0) return r;
    }
  }
  if (toolong)
  {
    if (flags & NETIO_WIPE) explicit_bzero(line, got);
    *len = 0;
    return NETIO_TOOLONG;
  }
  got--;
  if (got && line[got-1] == '\r') got--;
  *len = got;
  return 1;
}

size_t netio_pending (netio const *n)
{
  return n->rlen - n->rpos;
}

ssize_t netio_peek (netio *n, char const **s, tain const *deadline)
{
  if (n->rpos == n->rlen)
  {
    ssize_t r = netio_fill(n, deadline);
    if (r <= 0) return r;
  }
  *s = n->rbuf + n->rpos;
  return n->rlen - n->rpos;
}

void netio_consume (netio *n, size_t len)
{
  n->rpos += len <= n->rlen - n->rpos ? len : n->rlen - n->rpos;
}

void netio_discard (netio *n)
{
  explicit_bzero(n->rbuf, sizeof n->rbuf);
  n->rpos = n->rlen = 0;
}

int netio_put (netio *n, char const *s, size_t len)
{
  /* the smtpd's replies: the room is there after the first, copy at once */
  if (n->out.a - n->out.len < len && !stralloc_readyplus(&n->out, len)) return 0;
  memcpy(n->out.s + n->out.len, s, len);
  n->out.len += len;
  if (n->autoflush && n->out.len >= n->autoflush && netio_flush(n, 0) < 0) return 0;
  return 1;
}

int netio_puts (netio *n, char const *s)
{
  return netio_put(n, s, strlen(s));
}

size_t netio_unflushed (netio const *n)
{
  return n->out.len;
}

void netio_wipe_output (netio *n)
{
  if (n->out.s) explicit_bzero(n->out.s, n->out.a);
}

void netio_tls (netio *n, struct tls *ctx)
{
  n->tls = ctx;
}

int netio_starttls (netio *n, struct tls *server, tain const *deadline)
{
  tain d;
  int has;
  if (tls_accept_fds(server, &n->tls, n->fdr, n->fdw) < 0)
  {
    n->tls = 0;
    return 0;
  }
  has = deadline_of(n, deadline, &d);
  for (;;)
  {
    int r = tls_handshake(n->tls);
    if (!r) return 1;
    if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) return 0;
    if (wait_tls(n, r, has ? &d : 0) < 0) return -1;
  }
}

int netio_fd (netio const *n)
{
  return n->fdr;
}

struct tls *netio_tlsctx (netio const *n)
{
  return n->tls;
}

void netio_close (netio *n, tain const *deadline)
{
  if (n->tls)
  {
    tain d;
    int has = deadline_of(n, deadline, &d);
    for (;;)
    {
      int r = tls_close(n->tls);
      if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) break;
      /* a past deadline: that one try was all */
      tain_now_g();
      if (has && !tain_less(&STAMP, &d)) break;
      if (wait_tls(n, r, has ? &d : 0) < 0) break;
    }
    tls_free(n->tls);
    n->tls = 0;
  }
  if (n->fdr >= 0) close(n->fdr);
  if (n->fdw >= 0 && n->fdw != n->fdr) close(n->fdw);
  n->fdr = n->fdw = -1;
  n->rpos = n->rlen = 0;
  stralloc_free(&n->out);
}
