/* One wipe for every secret in memory (secret.h): AUTH responses, the
   smtpd's decoded credentials, OAuth2 tokens and client secrets. */

#include <string.h>
#include "secret.h"

void secret_wipe (stralloc *sa)
{
  if (sa->s) explicit_bzero(sa->s, sa->a);
  stralloc_free(sa);
}
