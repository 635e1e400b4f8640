/* netio.h: one SMTP connection's I/O, either end (the smtpd on its UCSPI
   fds 0 and 1, the client on its socket), in clear or through libtls.

   The fds are non-blocking, so a stalled or trickling peer can never hang
   us: every wait is bounded by a deadline. Each call that may wait takes
   one (NULL: none of its own); the netio may also have its own bounds, a
   timeout for each read or write and a limit no wait goes past (the
   server's phase and session ends, which a client trickling a byte at a
   time cannot push back). The earliest of these applies.

   The buffers are private: input is read with netio_getline, or
   netio_peek and netio_consume (DATA); output is queued with netio_put
   and written by netio_flush, or before any wait for input when no input
   is pending (RFC 2920: pipelined replies go out in one write).

   Functions returning int give 1 (or a count) on success, 0 on EOF, and
   -1 with errno on error: ETIMEDOUT when a deadline passed, EPROTO for a
   TLS error (tls_error(netio_tlsctx(n)) says more). */
#ifndef SMARTHOST_NETIO_H
#define SMARTHOST_NETIO_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>

struct tls;

#define NETIO_RBUF 16384   /* the longest line or DATA chunk read at once */

typedef struct netio_s netio;
struct netio_s
{
  /* private: use the functions below */
  int fdr;
  int fdw;
  struct tls *tls;            /* NULL: in clear */
  unsigned int timeout;       /* seconds for each read or write, 0: none */
  size_t autoflush;           /* netio_put flushes past this, 0: never */
  int haslimit;
  tain limit;
  size_t rpos;                /* unread input is rbuf[rpos..rlen) */
  size_t rlen;
  stralloc out;
  char rbuf[NETIO_RBUF];
};
#define NETIO_ZERO { .fdr = -1, .fdw = -1, .out = STRALLOC_ZERO }

/* Takes fd for both directions and sets it non-blocking. */
void netio_init (netio *n, int fd);
/* Two fds, read and write (UCSPI: 0 and 1), both set non-blocking.
   0, or -1 with errno. */
int netio_init2 (netio *n, int fdr, int fdw);

/* Each read or write waits at most secs (0: no such bound). */
void netio_timeout (netio *n, unsigned int secs);
/* No wait goes past limit, whatever the other deadlines. */
void netio_limit (netio *n, tain const *limit);
/* netio_put flushes by itself once max octets are queued (0: never), so
   a peer that sends and never reads cannot grow the buffer. */
void netio_autoflush (netio *n, size_t max);

/* Waits until fd is readable (want_write 0) or writable (1), or the
   deadline passes (NULL: none). 1 ready, -1 with errno (ETIMEDOUT). */
int netio_wait (int fd, int want_write, tain const *deadline);

/* Reads one line into line (max octets: the line with its LF must fit),
   without the LF and without one CR before it; a bare CR or a NUL inside
   is kept, for the caller to judge. Returns 1 with *len set, 0 on EOF
   (a partial line is dropped), -1 on error. A line that does not fit
   gives -1 with E2BIG (the stream is then out of step), or with
   NETIO_SKIPLONG is read to its end and thrown away: NETIO_TOOLONG, *len
   0; memory stays bounded whatever the peer sends. NETIO_WIPE wipes the
   input consumed from the buffer (it may hold a password). */
#define NETIO_SKIPLONG 1u
#define NETIO_WIPE 2u
#define NETIO_TOOLONG 2
int netio_getline (netio *n, char *line, size_t max, size_t *len, unsigned int flags, tain const *deadline);

/* Bytes read from the peer and not consumed yet. */
size_t netio_pending (netio const *n);
/* Points *s at the pending input, reading some first (after a flush) when
   there is none. Returns how many bytes (at most NETIO_RBUF), 0 on EOF,
   -1 on error. Nothing is consumed: see netio_consume. */
ssize_t netio_peek (netio *n, char const **s, tain const *deadline);
/* Marks len bytes of the pending input as used. */
void netio_consume (netio *n, size_t len);
/* Drops (and wipes) the pending input (after STARTTLS: RFC 3207 6). */
void netio_discard (netio *n);

/* Queues bytes for the next flush. 1, or 0 with errno (ENOMEM, or the
   error of an automatic flush). */
int netio_put (netio *n, char const *s, size_t len);
int netio_puts (netio *n, char const *s);
/* Output queued and not written yet. */
size_t netio_unflushed (netio const *n);
/* Writes everything queued. 1, or -1 with errno. */
int netio_flush (netio *n, tain const *deadline);
/* Wipes the output buffer's memory, written or not (after AUTH). */
void netio_wipe_output (netio *n);

/* Client: from now on every byte goes through ctx, which is connected to
   the fd already (tlsio_client_handshake). n owns ctx. */
void netio_tls (netio *n, struct tls *ctx);
/* Server: accepts TLS on the fds with a configured server context (see
   tlsio_server.h), the handshake under the deadlines. 1, 0 if the
   handshake failed (tls_error(netio_tlsctx(n)) or of server says why),
   -1 on error (ETIMEDOUT). */
int netio_starttls (netio *n, struct tls *server, tain const *deadline);
/* The fd read from (the socket, for a client), -1 once closed. */
int netio_fd (netio const *n);
/* The TLS context, NULL in clear. */
struct tls *netio_tlsctx (netio const *n);

/* Ends the connection: a TLS close_notify, waiting for the peer's until
   the deadline (NULL: the netio's own bounds; a past one: one try), then
   closes the fds, frees the TLS context and the output buffer. Queued
   output is not written: flush first. Nothing is wiped (that would cost
   every connection): see NETIO_WIPE, netio_discard, netio_wipe_output. */
void netio_close (netio *n, tain const *deadline);

#endif
