/* sizelimit.h: the largest message the smtpd takes, from DATABYTES and
   the SIZE the upstream advertises ($QUEUE/upstream-size). The upstream
   measures the message it receives, which is ours plus what it adds
   before it checks (its Received header, often a DKIM or ARC signature
   or a spam filter's headers): a message that fits the upstream's SIZE
   exactly would be accepted here and refused there, and then bounced.
   So the upstream's SIZE counts less a margin (UPSTREAM_SIZE_MARGIN). */
#ifndef SMARTHOST_SIZELIMIT_H
#define SMARTHOST_SIZELIMIT_H

#include <stdint.h>

#define SIZELIMIT_MARGIN_DEFAULT 4096

/* The limit in octets, 0 for none: the smaller of databytes (0: none)
   and upstream minus margin (upstream 0: none advertised or not known).
   An upstream SIZE not above the margin counts whole: a margin larger
   than the limit itself is a misreading, not a reason to refuse all. */
uint64_t sizelimit_of (uint64_t databytes, uint64_t upstream, uint64_t margin);

#endif
