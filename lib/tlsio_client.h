/* tlsio_client.h: libtls client set-up over a connected socket */
#ifndef SMARTHOST_TLSIO_CLIENT_H
#define SMARTHOST_TLSIO_CLIENT_H

#include <skalibs/stralloc.h>
#include <skalibs/tai.h>

struct tls;
struct tls_config;

/* A client configuration: the chain and the host name are verified
   (libtls's default), against cafile, or the system bundle when cafile is
   NULL; certfile and keyfile (both or neither) are our client certificate,
   checked here: unreadable files, or a key that is not the certificate's,
   fail now. Returns NULL on failure with a reason appended to err (never
   the files' contents). */
struct tls_config *tlsio_client_config (char const *cafile, char const *certfile, char const *keyfile, stralloc *err);

/* Starts TLS on the connected non-blocking socket fd, sending servername
   as SNI (libtls leaves it out for IP addresses) and verifying the
   certificate for it, and completes the handshake before the deadline.
   Returns the context (the caller owns it), or NULL with a reason appended
   to err. */
struct tls *tlsio_client_handshake (struct tls_config *cfg, int fd, char const *servername, tain const *deadline, stralloc *err);

#endif
