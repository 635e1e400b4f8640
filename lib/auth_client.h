/* auth_client.h: the client side of SMTP AUTH (RFC 4954): choosing a
   mechanism and building each response. The dialogue itself is in smtpc.c. */
#ifndef SMARTHOST_AUTH_CLIENT_H
#define SMARTHOST_AUTH_CLIENT_H

#include <stddef.h>
#include <skalibs/stralloc.h>
#include "secret.h"

enum auth_mech
{
  AUTH_NONE = 0,
  AUTH_LOGIN,
  AUTH_PLAIN,
  AUTH_CRAM_MD5,
  AUTH_XOAUTH2,
  AUTH_OAUTHBEARER
};

/* The name of a mechanism ("CRAM-MD5"), or NULL. */
char const *auth_mech_name (enum auth_mech m);
/* The mechanism named s (case-insensitive), or AUTH_NONE. */
enum auth_mech auth_mech_parse (char const *s);

/* Chooses the strongest mechanism in offered (the words after "AUTH" in
   the EHLO reply) that we can run: with a token, OAUTHBEARER then XOAUTH2;
   with a password, CRAM-MD5, PLAIN, then LOGIN. force, if not NULL, is
   the only one allowed (UPSTREAM_MECH). Returns AUTH_NONE when nothing
   fits: the caller must then not send mail. */
enum auth_mech auth_choose (char const *offered, int have_password, int have_token, char const *force);

/* Each appends a base64 response to out; 1, or 0 on allocation failure.
   The caller wipes out after use (secret_wipe: it holds the secret). */

/* PLAIN (RFC 4616): "\0user\0password". */
int auth_plain (stralloc *out, char const *user, char const *pass, size_t passlen);
/* CRAM-MD5 (RFC 2195): "user hex(HMAC-MD5(password, challenge))",
   challenge being the base64 text of the 334 line. Returns 1, 0 on
   allocation failure, -1 if the challenge is not valid base64. */
int auth_cram_md5 (stralloc *out, char const *user, char const *pass, size_t passlen, char const *challenge);
/* XOAUTH2 (Google, Microsoft): "user=U^Aauth=Bearer T^A^A". */
int auth_xoauth2 (stralloc *out, char const *user, char const *token, size_t toklen);
/* OAUTHBEARER (RFC 7628): "n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A",
   with ',' and '=' in U written "=2C" and "=3D" (RFC 7628 section 3.1). */
int auth_oauthbearer (stralloc *out, char const *user, char const *host, unsigned int port, char const *token, size_t toklen);

#endif
