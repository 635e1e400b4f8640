/* tlsio_server.h: a libtls server context from a certificate and a key file */
#ifndef SMARTHOST_TLSIO_SERVER_H
#define SMARTHOST_TLSIO_SERVER_H

struct tls;

/* Loads certfile and keyfile (PEM) and makes a server context: TLS 1.2 and
   1.3, libtls's secure ciphers. Returns the context, or NULL with *err set to
   a static description of the step that failed (no file contents in it).
   Called only when a client asks for STARTTLS, so that sessions without TLS
   never pay for it. */
struct tls *tlsio_server_new (char const *certfile, char const *keyfile, char const **err);

#endif
