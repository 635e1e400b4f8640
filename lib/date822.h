/* date822.h: the date of a message field (RFC 5322 3.3), for the Date and
   Received fields and the dates of a delivery report. */
#ifndef SMARTHOST_DATE822_H
#define SMARTHOST_DATE822_H

#include <stddef.h>
#include <time.h>

/* "Thu, 26 Nov 2026 23:04:35 +0000", with NUL: room for any year. */
#define DATE822_MAX 48

/* Writes the date of t at offset seconds east of UTC ("+0100" is 3600;
   0 for UTC) into s (DATE822_MAX octets), NUL-terminated. Returns its
   length. Done by hand, not with strftime: gmtime_r() and localtime_r()
   load /etc/localtime (five syscalls and a parse) at the first message
   of every smtpd connection, and strftime's names follow the locale. */
size_t date822_fmt (char *s, time_t t, long offset);

#endif
