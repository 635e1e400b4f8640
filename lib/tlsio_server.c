/* tlsio_server.c: libtls server set-up, each failure named */
#include <stddef.h>
#include <tls.h>
#include "tlsio_server.h"

struct tls *tlsio_server_new (char const *certfile, char const *keyfile, char const **err)
{
  struct tls_config *cfg;
  struct tls *ctx;
  uint32_t protocols = 0;
  if (tls_init() < 0) return (*err = "tls_init failed", NULL);
  cfg = tls_config_new();
  if (!cfg) return (*err = "unable to allocate the TLS configuration", NULL);
  if (tls_config_parse_protocols(&protocols, "tlsv1.2,tlsv1.3") < 0
   || tls_config_set_protocols(cfg, protocols) < 0)
  {
    *err = "unable to set the TLS protocols";
    goto fail;
  }
  if (tls_config_set_cert_file(cfg, certfile) < 0)
  {
    *err = "unable to load the certificate file (SMTPD_CERTFILE)";
    goto fail;
  }
  if (tls_config_set_key_file(cfg, keyfile) < 0)
  {
    *err = "unable to load the key file (SMTPD_KEYFILE)";
    goto fail;
  }
  ctx = tls_server();
  if (!ctx)
  {
    *err = "unable to allocate the TLS server";
    goto fail;
  }
  if (tls_configure(ctx, cfg) < 0)
  {
    *err = "unable to configure the TLS server (does the key match the certificate?)";
    tls_free(ctx);
    goto fail;
  }
  /* the context keeps what it needs; the key material in cfg is wiped */
  tls_config_free(cfg);
  return ctx;
 fail:
  tls_config_free(cfg);
  return NULL;
}
