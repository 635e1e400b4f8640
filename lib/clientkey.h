/* clientkey.h: the name under which per-client limits are counted */
#ifndef SMARTHOST_CLIENTKEY_H
#define SMARTHOST_CLIENTKEY_H

#include <stddef.h>

/* "4-" and the dotted address for IPv4 (an IPv4-mapped IPv6 address
   included); "6-" and 16 hex digits, the /64 prefix, for IPv6, since an
   IPv6 client commonly holds a whole /64 and would otherwise get a cap per
   address it picks; "x-unknown" for anything else. The result is safe as
   a file name. */
#define CLIENTKEY_MAX 24
void clientkey_make (char *key, char const *ip);

#endif
