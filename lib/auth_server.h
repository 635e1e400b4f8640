/* auth_server.h: inbound SMTP AUTH (RFC 4954): PLAIN (RFC 4616), LOGIN,
   checked against a file of "user:crypt-hash" lines (as /etc/shadow; a
   third field and more are ignored) */
#ifndef SMARTHOST_AUTH_SERVER_H
#define SMARTHOST_AUTH_SERVER_H

#include <stddef.h>
#include <skalibs/stralloc.h>
#include "secret.h"

/* Checks a user and a password against file. The password is hashed with
   crypt(3) even when the user is unknown (with the setting of the file's
   first entry, so that it takes as long), and the hashes are compared in
   constant time. Locked entries ('!' or '*') never match. *known is set
   to whether the user has an entry (for the log only: a name that is not
   in the file may be a password typed in the wrong field).
   Returns 1 match, 0 no match, -1 error (errno: the file is unreadable). */
int auth_server_check (char const *file, char const *user, char const *pass, int *known);

/* Decodes an AUTH PLAIN response (base64 of authzid NUL authcid NUL passwd)
   into sa, NUL-terminated fields; *user and *pass point into sa. An authzid
   other than empty or the authcid is refused. Returns 1, 0 if malformed,
   -1 on allocation failure. The caller wipes sa (secret_wipe). */
int auth_server_plain (stralloc *sa, char const *s, size_t len, char const **user, char const **pass);

/* Decodes one base64 response (AUTH LOGIN) into sa, NUL-terminated; refuses
   a NUL inside. Returns 1, 0 if malformed, -1 on allocation failure. */
int auth_server_login (stralloc *sa, char const *s, size_t len);

#endif
