/* secret.h: buffers that held a password, a token or a key */
#ifndef SMARTHOST_SECRET_H
#define SMARTHOST_SECRET_H

#include <skalibs/stralloc.h>

/* Wipes all sa allocated (explicit_bzero: the compiler may not drop it)
   and frees it. Every buffer that held a secret in clear ends here
   (OpenSMTPD's smtp_client.c does the same). */
void secret_wipe (stralloc *sa);

#endif
