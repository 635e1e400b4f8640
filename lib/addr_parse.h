/* addr_parse.h: the <path> and the parameters of MAIL FROM and RCPT TO
   (RFC 5321 section 4.1.2) */
#ifndef SMARTHOST_ADDR_PARSE_H
#define SMARTHOST_ADDR_PARSE_H

#include <stddef.h>
#include "addr.h"

#define ADDR_PARSE_OK 0
#define ADDR_PARSE_ELONG ADDR_ELONG
#define ADDR_PARSE_ECHAR ADDR_ECHAR
#define ADDR_PARSE_ESYNTAX 3   /* no <...>, space or junk inside, unbalanced quotes */

/* Parses a path that starts at s[0] == '<'. On ADDR_PARSE_OK, addr (ADDR_MAX+1
   bytes) holds the address without brackets or source route, NUL-terminated,
   *alen its length, and *end the offset just after the closing '>'. A quoted
   local part may hold '>' and spaces. The address is checked with addr_check(). */
int addr_parse_path (char const *s, size_t len, char *addr, size_t *alen, size_t *end);

/* Iterates over "KEY[=VALUE]" parameters separated by spaces, from *pos.
   Returns 1 with key/value set (value NULL when there is no '='), 0 at the end. */
int addr_parse_param (char const *s, size_t len, size_t *pos,
                      char const **key, size_t *keylen, char const **val, size_t *vallen);

#endif
