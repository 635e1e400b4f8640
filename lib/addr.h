/* addr.h: envelope address checks (RFC 5321 4.5.3.1) */
#ifndef SMARTHOST_ADDR_H
#define SMARTHOST_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_LOCAL_MAX 64
#define ADDR_DOMAIN_MAX 255
/* A path is at most 256 octets with its angle brackets. */
#define ADDR_MAX 254

#define ADDR_OK 0
#define ADDR_ELONG 1  /* local part, domain or whole address too long */
#define ADDR_ECHAR 2  /* a control character (CR, LF, NUL, ...) or DEL */

/* Checks an address (no angle brackets). The empty address is ADDR_OK: the
   caller decides where the null path is allowed. */
int addr_check (char const *s, size_t len);

/* Whether two envelope addresses name the same mailbox, for folding
   duplicate recipients: the local part compared byte for byte (RFC 5321
   2.4: it may be case-sensitive), the domain after the last '@' without
   regard to ASCII case. smtpd, injector and scheduler all use this one rule. */
int addr_same (char const *a, size_t alen, char const *b, size_t blen);

/* A hash of the address addr_same() sees (a keyed FNV-1a of the local
   part as it is and the domain in lower case): two addresses addr_same()
   calls equal hash alike, so a table of recipients finds duplicates by
   it. The key is random, drawn once per process (addr_hash_key), so a
   caller cannot choose names that collide (lib/addr_hash.c); a table's
   order may differ from one process to the next, never what it folds. */
uint32_t addr_hash (char const *s, size_t len);
/* The same with a given key (tests). */
uint32_t addr_hash_keyed (uint64_t key, char const *s, size_t len);
/* This process's key. */
uint64_t addr_hash_key (void);

#endif
