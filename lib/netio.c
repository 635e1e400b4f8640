/* Buffered client I/O with deadlines. The socket is non-blocking, so a
   stalled upstream can never hang us: every wait goes through netio_wait()
   and its deadline. With TLS, libtls tells us which direction it waits for
   (TLS_WANT_POLLIN/POLLOUT), even while writing. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <tls.h>
#include <skalibs/iopause.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "netio.h"

void netio_init (netio *n, int fd)
{
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  n->fd = fd;
  n->blocking = 0;
  n->tls = 0;
  n->rpos = n->rlen = 0;
  n->out.len = 0;
}

void netio_init_blocking (netio *n, int fd)
{
  n->fd = fd;
  n->blocking = 1;
  n->tls = 0;
  n->rpos = n->rlen = 0;
  n->out.len = 0;
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

/* One read into the free end of rbuf: >0 bytes, 0 EOF, -1 error. */
static ssize_t netio_read (netio *n, tain const *deadline)
{
  char *p = n->rbuf + n->rlen;
  size_t room = NETIO_RBUF - n->rlen;
  for (;;)
  {
    ssize_t r;
    int want;
    if (n->tls)
    {
      r = tls_read(n->tls, p, room);
      if (r >= 0) return r;
      if (r == TLS_WANT_POLLIN) want = 0;
      else if (r == TLS_WANT_POLLOUT) want = 1;
      else return (errno = EPROTO, -1);
    }
    else
    {
      if (n->blocking && netio_wait(n->fd, 0, deadline) < 0) return -1;
      r = read(n->fd, p, room);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      want = 0;
    }
    if (netio_wait(n->fd, want, deadline) < 0) return -1;
  }
}

int netio_getline (netio *n, char *line, size_t max, size_t *len, tain const *deadline)
{
  for (;;)
  {
    char *lf = memchr(n->rbuf + n->rpos, '\n', n->rlen - n->rpos);
    if (lf)
    {
      size_t l = lf - (n->rbuf + n->rpos);
      size_t keep = l && lf[-1] == '\r' ? l - 1 : l;
      if (keep > max) return (errno = E2BIG, -1);
      memcpy(line, n->rbuf + n->rpos, keep);
      *len = keep;
      n->rpos += l + 1;
      return 1;
    }
    /* +1: a CR that may be waiting for its LF */
    if (n->rlen - n->rpos > max + 1) return (errno = E2BIG, -1);
    if (n->rpos)
    {
      memmove(n->rbuf, n->rbuf + n->rpos, n->rlen - n->rpos);
      n->rlen -= n->rpos;
      n->rpos = 0;
    }
    if (n->rlen == NETIO_RBUF) return (errno = E2BIG, -1);
    {
      ssize_t r = netio_read(n, deadline);
      if (r < 0) return -1;
      if (!r) return 0;
      n->rlen += r;
    }
  }
}

size_t netio_pending (netio const *n)
{
  return n->rlen - n->rpos;
}

int netio_put (netio *n, char const *s, size_t len)
{
  return stralloc_catb(&n->out, s, len);
}

int netio_puts (netio *n, char const *s)
{
  return netio_put(n, s, strlen(s));
}

/* One write attempt: >=0 bytes written, -1 error, -2 wait for read, -3 wait for write. */
static ssize_t netio_write1 (netio *n, char const *s, size_t len)
{
  ssize_t r;
  if (n->tls)
  {
    r = tls_write(n->tls, s, len);
    if (r >= 0) return r;
    if (r == TLS_WANT_POLLIN) return -2;
    if (r == TLS_WANT_POLLOUT) return -3;
    return (errno = EPROTO, -1);
  }
  r = write(n->fd, s, len);
  if (r >= 0) return r;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return -3;
  return -1;
}

int netio_flush (netio *n, tain const *deadline)
{
  size_t done = 0;
  while (done < n->out.len)
  {
    ssize_t r = netio_write1(n, n->out.s + done, n->out.len - done);
    if (r == -1) return -1;
    if (r >= 0) { done += r; continue; }
    if (netio_wait(n->fd, r == -3, deadline) < 0) return -1;
  }
  n->out.len = 0;
  return 1;
}

void netio_tls (netio *n, struct tls *ctx)
{
  n->tls = ctx;
}

void netio_close (netio *n)
{
  if (n->tls)
  {
    tls_close(n->tls);
    tls_free(n->tls);
    n->tls = 0;
  }
  if (n->fd >= 0) close(n->fd);
  n->fd = -1;
  n->rpos = n->rlen = 0;
  stralloc_free(&n->out);
}
