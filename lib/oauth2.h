/* oauth2.h: the pieces of an OAuth 2.0 client (RFC 6749) that
   smarthost-oauth2 puts together: a form POST over HTTPS (libcurl), a
   signed client assertion (RFC 7523), PKCE (RFC 7636), and files that
   hold secrets, replaced atomically. Returns, never prints or exits. */
#ifndef SMARTHOST_OAUTH2_H
#define SMARTHOST_OAUTH2_H

#include <stddef.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include "secret.h"

/* --- oauth2_http.c --- */

/* Appends "name=value" to an application/x-www-form-urlencoded body
   (with '&' when not the first), percent-encoding the value. 1, or 0 out
   of memory. */
int oauth2_form_add (stralloc *form, char const *name, char const *value);

/* Percent-encodes s onto sa (RFC 3986: unreserved characters stay). */
int oauth2_urlencode (stralloc *sa, char const *s);

/* Decodes a query-string value (percent escapes, '+' as space) of length
   len onto sa, 0-terminated. 1, or 0 (malformed or out of memory). */
int oauth2_urldecode (stralloc *sa, char const *s, size_t len);

typedef struct oauth2_http_s oauth2_http;
struct oauth2_http_s
{
  char const *cafile;       /* CA bundle for the endpoint; NULL: the system's */
  unsigned int timeout;     /* seconds for the whole request */
  long status;              /* the HTTP status of the answer */
  char err[256];            /* why there is no answer (libcurl's words) */
};

/* POSTs form to url over HTTPS only, verifying the server's certificate
   and name (never turned off). The answer's body goes to body (its old
   content is wiped first). 1 when the server answered (any status), 0
   when it did not (err says why). */
int oauth2_post (oauth2_http *h, char const *url, stralloc const *form, stralloc *body);

/* --- oauth2_crypto.c --- */

/* base64url without padding (RFC 7515 2) of len bytes, onto sa. */
int oauth2_b64url (stralloc *sa, unsigned char const *s, size_t len);

/* PKCE (RFC 7636 4.1, 4.2): a random code_verifier of 43 characters and
   its S256 code_challenge, each 0-terminated. 1, or 0. */
int oauth2_pkce (stralloc *verifier, stralloc *challenge);

/* n random bytes as 2n hex digits onto sa, 0-terminated (state, jti). */
int oauth2_random_hex (stralloc *sa, size_t n);

/* The client assertion of RFC 7523 2.2 as Microsoft's identity platform
   takes it: a JWT signed RS256 with keyfile, its header naming the
   certificate in certfile by thumbprint (x5t), iss and sub the client id,
   aud the token endpoint, valid 10 minutes from now. 0-terminated in out.
   A key file that others may access is refused.
   1, or 0 with *why saying which part failed (no secret in it). */
int oauth2_jwt_assertion (stralloc *out, char const *certfile, char const *keyfile,
  char const *client_id, char const *aud, time_t now, char const **why);

/* --- oauth2_file.c --- */

/* Reads a secret file (trailing newlines dropped) into sa, 0-terminated.
   1; 0 when the file is empty, or has several lines and oneline is set
   (errno EINVAL), or others may access it (errno EPERM); -1 with errno. */
int oauth2_file_read_secret (char const *path, stralloc *sa, int oneline);

/* Replaces path with data durably: path.tmp (mode 0600) is written,
   fsynced, renamed over path, and the directory fsynced. Until the rename
   the old file is untouched, so a crash at any instant leaves either the
   old content or the new one at path. 0, or -1 with errno. */
int oauth2_file_replace (char const *path, char const *data, size_t len);

#endif
