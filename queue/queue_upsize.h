/* queue_upsize.h: queue/upstream-size, the SIZE (RFC 1870) the upstream
   last advertised: written by smarthost-remote, read by the smtpd (its
   limit at MAIL and DATA) and smarthost-status. Format: queue/README.md. */
#ifndef SMARTHOST_QUEUE_UPSIZE_H
#define SMARTHOST_QUEUE_UPSIZE_H

#include <stdint.h>

/* Reads dir/upstream-size into *size (0: the upstream set no limit).
   Returns 1, 0 when there is no record (or not a decimal number and LF:
   nobody wrote it whole), or -1 with errno. */
int queue_upsize_read (char const *dir, uint64_t *size);

/* Records size in dir/upstream-size, mode 0644 (the smtpd's user reads
   it): written to upstream-size.PID, then renamed over the record, so a
   reader sees the old number or the new one, whole. Not fsynced: after
   a power loss an empty file reads as no record, the next session
   writes it again. Returns 0, or -1 with errno (nothing left behind). */
int queue_upsize_write (char const *dir, uint64_t size);

#endif
