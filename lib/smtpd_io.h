/* smtpd_io.h: the server side of an SMTP connection, plain or TLS, over two
   fds (UCSPI: 0 and 1), with a deadline on every read and write.

   Input and output are buffered in the struct itself, so that memory per
   connection is fixed. Output is flushed only when the program is about to
   wait for input and has none buffered (RFC 2920: pipelined replies go out
   in one write), or when the output buffer is full.

   Functions returning int give 1 (or a count) on success, 0 on EOF, and -1
   with errno on error; errno ETIMEDOUT when the deadline passed. */
#ifndef SMARTHOST_SMTPD_IO_H
#define SMARTHOST_SMTPD_IO_H

#include <stddef.h>
#include <skalibs/tai.h>

struct tls;

#define SMTPD_IO_INSIZE 16384
#define SMTPD_IO_OUTSIZE 4096

typedef struct smtpd_io_s smtpd_io;
struct smtpd_io_s
{
  int fdr;
  int fdw;
  struct tls *tls;          /* NULL: plain text */
  unsigned int timeout;     /* seconds for each read and each write */
  int haslimit;
  tain limit;               /* no deadline later than this, when haslimit */
  size_t ipos;              /* unread input is ibuf[ipos..ilen) */
  size_t ilen;
  size_t olen;
  char ibuf[SMTPD_IO_INSIZE];
  char obuf[SMTPD_IO_OUTSIZE];
};

/* Sets the fds non-blocking (so that writes have a deadline too). */
int smtpd_io_init (smtpd_io *io, int fdr, int fdw, unsigned int timeout);

/* From now on no read or write waits past limit, whatever the timeout
   for each: a deadline for a whole command or session that a client
   trickling a byte at a time cannot push back. */
void smtpd_io_limit (smtpd_io *io, tain const *limit);

/* Bytes of input already read and not consumed. */
#define smtpd_io_pending(io) ((io)->ilen - (io)->ipos)

/* Reads more input (at least one byte) into the buffer, after flushing the
   output if no input is pending. Returns the number of bytes now pending,
   0 on EOF, -1 on error. */
int smtpd_io_fill (smtpd_io *io);

/* Drops the pending input (after STARTTLS: RFC 3207 section 6). */
void smtpd_io_discard (smtpd_io *io);

int smtpd_io_put (smtpd_io *io, char const *s, size_t len);
int smtpd_io_puts (smtpd_io *io, char const *s);
int smtpd_io_flush (smtpd_io *io);

/* Reads one line, at most max octets before its end, into line (max bytes),
   without the LF and without one CR before it. A longer line is read to its
   end and thrown away: the result is then SMTPD_IO_TOOLONG and *len is 0.
   Consumed input is wiped when wipe is set (AUTH responses).
   Returns 1 (a line), SMTPD_IO_TOOLONG, 0 on EOF, -1 on error. */
#define SMTPD_IO_TOOLONG 2
int smtpd_io_getline (smtpd_io *io, char *line, size_t max, size_t *len, int wipe);

/* Starts TLS on the connection with a configured server context (see
   tlsio_server.h): the handshake runs under the deadline. Returns 1, or 0
   if the handshake failed (the reason is tls_error(io->tls)), -1 on error. */
int smtpd_io_starttls (smtpd_io *io, struct tls *server);

/* Closes TLS (close_notify), flushing first. */
void smtpd_io_close (smtpd_io *io);

#endif
