/* utf8.h: UTF-8 as RFC 3629 defines it, for SMTPUTF8 (RFC 6531): what
   is well formed, and what may stand in an envelope address. */
#ifndef SMARTHOST_UTF8_H
#define SMARTHOST_UTF8_H

#include <stddef.h>

#define UTF8_OK 0
#define UTF8_EFORM 1    /* not well formed: a stray or missing continuation
                           byte, an overlong form, a surrogate (U+D800 to
                           U+DFFF), past U+10FFFF, a cut sequence, 0xC0,
                           0xC1, 0xF5 to 0xFF */
#define UTF8_ECTRL 2    /* well formed, but a control character: C0
                           (U+0000 to U+001F), DEL, C1 (U+0080 to U+009F) */

/* 1 if s holds only ASCII (0x00 to 0x7F), else 0. */
int utf8_ascii (char const *s, size_t len);

/* Length of the well-formed UTF-8 sequence at the start of s (1 to 4), and
   its code point in *cp; 0 when it is not well formed. len > 0. */
size_t utf8_decode (char const *s, size_t len, unsigned long *cp);

/* Whether s is well-formed UTF-8 (UTF8_OK or UTF8_EFORM). */
int utf8_check (char const *s, size_t len);

/* Whether s may be an envelope address under SMTPUTF8: well formed, and
   no control character (UTF8_OK, UTF8_EFORM or UTF8_ECTRL; the first
   fault found wins). RFC 6531 section 3.3 extends RFC 5321's atext with
   UTF8-non-ascii only; a C1 control is as unfit for a mailbox name as
   a C0 one. The length limits stay addr_check()'s (lib/addr.h). */
int utf8_check_addr (char const *s, size_t len);

#endif
