/* queue_upsize.h: queue/upstream-size, the SIZE (RFC 1870) the upstream
   last advertised: written by smarthost-remote, read by the smtpd (its
   limit at MAIL and DATA) and smarthost-status. Format: queue/README.md.

   With ROUTES, each route's upstream has its own record,
   queue/upstream-size.HASH, HASH the 16 hex digits of a 64-bit FNV-1a
   of the route's upstream as the routes file writes it: the writer (a
   worker, which knows its UPSTREAM) and the readers (the smtpd, which
   reads the routes file) name it alike without talking, routes to one
   upstream share it, and a line moved in the file keeps its record.
   upstream-size itself stays conf/'s (the route of no rule, "default"). */
#ifndef SMARTHOST_QUEUE_UPSIZE_H
#define SMARTHOST_QUEUE_UPSIZE_H

#include <stdint.h>
#include <skalibs/stralloc.h>
#include "route.h"

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

/* The same for the record of a route's upstream (0: conf/'s, the file
   above). */
int queue_upsize_read_route (char const *dir, char const *upstream, uint64_t *size);
int queue_upsize_write_route (char const *dir, char const *upstream, uint64_t size);

/* Appends the record's file name ("upstream-size" or
   "upstream-size.HASH", no directory) to sa. 1, or 0 on allocation
   failure. */
int queue_upsize_name (stralloc *sa, char const *upstream);

/* The smtpd's side: the record of the upstream of a sender's route. The
   routes file is read at the first call (a session costs nothing more
   without MAIL) and kept for the next ones. */
typedef struct queue_upsize_routes_s queue_upsize_routes;
struct queue_upsize_routes_s
{
  routes rt;
  int loaded;       /* 0 not yet, 1 read, -1 unreadable or bad */
};
#define QUEUE_UPSIZE_ROUTES_ZERO { ROUTES_ZERO, 0 }

/* Reads into *size the record of sender's route in file (0 or "": no
   routes, conf/'s record); returns as queue_upsize_read. When the file
   cannot be read or is bad, conf/'s record serves, and the first call
   returns -2 with the reason in err (printable, NUL-terminated) for the
   caller to log; then the file is not tried again. */
int queue_upsize_sender (queue_upsize_routes *ur, char const *dir, char const *file, char const *sender, uint64_t *size, stralloc *err);
void queue_upsize_routes_free (queue_upsize_routes *ur);

#endif
