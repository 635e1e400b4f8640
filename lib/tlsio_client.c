/* TLS client through libtls. Each failure is named (s6-networking's
   stls_client_init_and_handshake.c), because "TLS failed" alone is what an
   administrator cannot act on: expired, wrong name, unknown CA, timeout. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <tls.h>
#include <skalibs/stralloc.h>
#include <skalibs/tai.h>
#include "netio.h"
#include "tlsio_client.h"

/* Appends "what: why" to err; an allocation failure only loses the reason. */
static void tlsio_err (stralloc *err, char const *what, char const *why)
{
  if (stralloc_cats(err, what) && why && stralloc_cats(err, ": ")) stralloc_cats(err, why);
}

/* libtls only reads the files when configured; the key is parsed and
   matched with the certificate when a connection starts. Start one on a
   pipe, which sends nothing (the handshake is never run), so that a wrong
   key is a configuration error at start, not a TLS failure at each
   connection. 1 good, 0 with the reason in err. */
static int tlsio_client_trial (struct tls_config *cfg, stralloc *err)
{
  struct tls *ctx;
  int p[2];
  int r = 0;
  if (pipe(p) < 0) { tlsio_err(err, "unable to check the client certificate", strerror(errno)); return 0; }
  ctx = tls_client();
  if (!ctx) tlsio_err(err, "unable to allocate a TLS context", 0);
  else if (tls_configure(ctx, cfg) < 0 || tls_connect_fds(ctx, p[0], p[1], "localhost") < 0)
    tlsio_err(err, "unable to use the client key with the certificate (is it the certificate's own key, PEM, not encrypted?)", tls_error(ctx));
  else r = 1;
  if (ctx) tls_free(ctx);
  close(p[0]);
  close(p[1]);
  return r;
}

struct tls_config *tlsio_client_config (char const *cafile, char const *certfile, char const *keyfile, stralloc *err)
{
  struct tls_config *cfg = tls_config_new();
  if (!cfg) { tlsio_err(err, "unable to allocate a TLS configuration", 0); return 0; }
  if (cafile && tls_config_set_ca_file(cfg, cafile) < 0)
  {
    tlsio_err(err, "unable to load the CA file", tls_config_error(cfg));
    goto fail;
  }
  if ((certfile || keyfile) && (!certfile || !keyfile))
  {
    tlsio_err(err, "a client certificate needs both a certificate and a key file", 0);
    goto fail;
  }
  if (certfile && tls_config_set_keypair_file(cfg, certfile, keyfile) < 0)
  {
    tlsio_err(err, "unable to load the client certificate", tls_config_error(cfg));
    goto fail;
  }
  if (certfile && !tlsio_client_trial(cfg, err)) goto fail;
  return cfg;
 fail:
  tls_config_free(cfg);
  return 0;
}

struct tls *tlsio_client_handshake (struct tls_config *cfg, int fd, char const *servername, tain const *deadline, stralloc *err)
{
  struct tls *ctx = tls_client();
  if (!ctx) { tlsio_err(err, "unable to allocate a TLS context", 0); return 0; }
  if (tls_configure(ctx, cfg) < 0)
  {
    tlsio_err(err, "unable to configure TLS", tls_error(ctx));
    goto fail;
  }
  if (tls_connect_socket(ctx, fd, servername) < 0)
  {
    tlsio_err(err, "unable to start TLS", tls_error(ctx));
    goto fail;
  }
  for (;;)
  {
    int r = tls_handshake(ctx);
    if (!r) return ctx;
    if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
    {
      tlsio_err(err, "TLS handshake failed", tls_error(ctx));
      goto fail;
    }
    if (netio_wait(fd, r == TLS_WANT_POLLOUT, deadline) < 0)
    {
      tlsio_err(err, "TLS handshake failed", strerror(errno));
      goto fail;
    }
  }
 fail:
  tls_free(ctx);
  return 0;
}
