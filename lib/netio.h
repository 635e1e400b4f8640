/* netio.h: buffered client I/O over a socket, in clear or through libtls,
   every read and write under a deadline */
#ifndef SMARTHOST_NETIO_H
#define SMARTHOST_NETIO_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>

struct tls;

#define NETIO_RBUF 16384

typedef struct netio_s netio;
struct netio_s
{
  int fd;             /* non-blocking, unless blocking is set */
  int blocking;       /* 1: wait for input before each read (a blocking fd) */
  struct tls *tls;    /* NULL: in clear */
  size_t rpos;
  size_t rlen;
  stralloc out;       /* written by netio_flush */
  char rbuf[NETIO_RBUF];
};
#define NETIO_ZERO { -1, 0, 0, 0, 0, STRALLOC_ZERO, { 0 } }

/* Takes fd (sets it non-blocking). */
void netio_init (netio *n, int fd);
/* Reads fd (a pipe, a tty: left blocking, for it is shared) in clear. */
void netio_init_blocking (netio *n, int fd);

/* Waits until fd is readable (want_write 0) or writable (1) or the
   deadline passes (NULL: no deadline). 1 ready, -1 with errno (ETIMEDOUT). */
int netio_wait (int fd, int want_write, tain const *deadline);

/* Reads at most max bytes of one line (up to and without its LF; a CR
   before the LF is removed too) into line. Returns 1 with *len set,
   0 on EOF, -1 with errno: E2BIG for a longer line (the rest of the
   stream is then unusable), ETIMEDOUT, EPROTO for a TLS error, ... */
int netio_getline (netio *n, char *line, size_t max, size_t *len, tain const *deadline);

/* Bytes read from the peer and not consumed yet. */
size_t netio_pending (netio const *n);

/* Queues bytes for the next flush. 1, or 0 on allocation failure. */
int netio_put (netio *n, char const *s, size_t len);
int netio_puts (netio *n, char const *s);

/* Writes everything queued, in as few writes as possible.
   1, or -1 with errno. */
int netio_flush (netio *n, tain const *deadline);

/* Switches to TLS: from now on every byte goes through ctx, which must be
   connected to n->fd already (tlsio_client_handshake). n owns ctx. */
void netio_tls (netio *n, struct tls *ctx);

/* Closes the connection without waiting: one try at a TLS close_notify,
   then close(). Frees the TLS context and the buffers. */
void netio_close (netio *n);

#endif
