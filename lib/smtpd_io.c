/* smtpd_io.c: buffered, deadlined I/O on the client connection, plain or TLS */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <tls.h>
#include <skalibs/djbunix.h>
#include <skalibs/iopause.h>
#include <skalibs/tai.h>
#include "smtpd_io.h"

static void deadline_set (smtpd_io const *io, tain *d)
{
  tain_now_g();
  tain_addsec_g(d, io->timeout);
  if (io->haslimit && tain_less(&io->limit, d)) *d = io->limit;
}

void smtpd_io_limit (smtpd_io *io, tain const *limit)
{
  io->limit = *limit;
  io->haslimit = 1;
}

/* Waits until fd is ready or the deadline passes (ETIMEDOUT). */
static int wait_fd (int fd, short events, tain const *deadline)
{
  iopause_fd x = { .fd = fd, .events = events, .revents = 0 };
  int r = iopause_g(&x, 1, deadline);
  if (r < 0) return -1;
  if (!r) return (errno = ETIMEDOUT, -1);
  return 1;
}

/* libtls asks to wait for the socket in either direction. */
static int wait_tls (smtpd_io const *io, ssize_t r, tain const *deadline)
{
  if (r == TLS_WANT_POLLIN) return wait_fd(io->fdr, IOPAUSE_READ, deadline);
  if (r == TLS_WANT_POLLOUT) return wait_fd(io->fdw, IOPAUSE_WRITE, deadline);
  return (errno = EPROTO, -1);
}

static ssize_t io_read (smtpd_io *io, char *s, size_t n, tain const *deadline)
{
  for (;;)
  {
    ssize_t r;
    if (io->tls)
    {
      r = tls_read(io->tls, s, n);
      if (r >= 0) return r;
      if (wait_tls(io, r, deadline) < 0) return -1;
      continue;
    }
    r = read(io->fdr, s, n);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (wait_fd(io->fdr, IOPAUSE_READ, deadline) < 0) return -1;
  }
}

static ssize_t io_write (smtpd_io *io, char const *s, size_t n, tain const *deadline)
{
  for (;;)
  {
    ssize_t r;
    if (io->tls)
    {
      r = tls_write(io->tls, s, n);
      if (r >= 0) return r;
      if (wait_tls(io, r, deadline) < 0) return -1;
      continue;
    }
    r = write(io->fdw, s, n);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    if (wait_fd(io->fdw, IOPAUSE_WRITE, deadline) < 0) return -1;
  }
}

int smtpd_io_init (smtpd_io *io, int fdr, int fdw, unsigned int timeout)
{
  io->fdr = fdr;
  io->fdw = fdw;
  io->tls = 0;
  io->timeout = timeout;
  io->haslimit = 0;
  io->ipos = io->ilen = io->olen = 0;
  if (ndelay_on(fdr) < 0) return -1;
  if (fdw != fdr && ndelay_on(fdw) < 0) return -1;
  return 0;
}

int smtpd_io_flush (smtpd_io *io)
{
  size_t done = 0;
  tain deadline;
  if (!io->olen) return 1;
  deadline_set(io, &deadline);
  while (done < io->olen)
  {
    ssize_t r = io_write(io, io->obuf + done, io->olen - done, &deadline);
    if (r < 0) return -1;
    done += r;
  }
  io->olen = 0;
  return 1;
}

int smtpd_io_put (smtpd_io *io, char const *s, size_t len)
{
  while (len)
  {
    size_t n = sizeof io->obuf - io->olen;
    if (!n)
    {
      if (smtpd_io_flush(io) < 0) return -1;
      continue;
    }
    if (n > len) n = len;
    memcpy(io->obuf + io->olen, s, n);
    io->olen += n; s += n; len -= n;
  }
  return 1;
}

int smtpd_io_puts (smtpd_io *io, char const *s)
{
  return smtpd_io_put(io, s, strlen(s));
}

int smtpd_io_fill (smtpd_io *io)
{
  tain deadline;
  ssize_t r;
  if (io->ipos == io->ilen)
  {
    io->ipos = io->ilen = 0;
    /* About to wait for the client: every reply so far goes out now, in one
       write (RFC 2920 section 3.2). */
    if (smtpd_io_flush(io) < 0) return -1;
  }
  else if (io->ipos)
  {
    memmove(io->ibuf, io->ibuf + io->ipos, io->ilen - io->ipos);
    io->ilen -= io->ipos;
    io->ipos = 0;
  }
  if (io->ilen == sizeof io->ibuf) return (int)io->ilen;
  deadline_set(io, &deadline);
  r = io_read(io, io->ibuf + io->ilen, sizeof io->ibuf - io->ilen, &deadline);
  if (r <= 0) return (int)r;
  io->ilen += r;
  return (int)(io->ilen - io->ipos);
}

void smtpd_io_discard (smtpd_io *io)
{
  explicit_bzero(io->ibuf, sizeof io->ibuf);
  io->ipos = io->ilen = 0;
}

int smtpd_io_getline (smtpd_io *io, char *line, size_t max, size_t *len, int wipe)
{
  size_t n = 0;
  int toolong = 0;
  for (;;)
  {
    char *s = io->ibuf + io->ipos;
    size_t avail = io->ilen - io->ipos;
    char *lf = memchr(s, '\n', avail);
    size_t take = lf ? (size_t)(lf - s) + 1 : avail;
    /* Past max, keep reading to the end of the line but store nothing:
       memory stays bounded whatever the client sends. */
    if (!toolong)
    {
      if (n + take > max) toolong = 1;
      else { memcpy(line + n, s, take); n += take; }
    }
    if (wipe) explicit_bzero(s, take);
    io->ipos += take;
    if (lf) break;
    {
      int r = smtpd_io_fill(io);
      if (r <= 0) return r;
    }
  }
  if (toolong)
  {
    if (wipe) explicit_bzero(line, n);
    *len = 0;
    return SMTPD_IO_TOOLONG;
  }
  n--;
  if (n && line[n-1] == '\r') n--;
  *len = n;
  return 1;
}

int smtpd_io_starttls (smtpd_io *io, struct tls *server)
{
  tain deadline;
  if (tls_accept_fds(server, &io->tls, io->fdr, io->fdw) < 0)
  {
    io->tls = 0;
    return 0;
  }
  deadline_set(io, &deadline);
  for (;;)
  {
    int r = tls_handshake(io->tls);
    if (!r) return 1;
    if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) return 0;
    if (wait_tls(io, r, &deadline) < 0) return -1;
  }
}

void smtpd_io_close (smtpd_io *io)
{
  tain deadline;
  smtpd_io_flush(io);
  if (!io->tls) return;
  deadline_set(io, &deadline);
  for (;;)
  {
    int r = tls_close(io->tls);
    if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT) break;
    if (wait_tls(io, r, &deadline) < 0) break;
  }
  tls_free(io->tls);
  io->tls = 0;
}
