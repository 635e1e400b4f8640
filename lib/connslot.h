/* connslot.h: a cap on the concurrent connections of one client, shared by
   the smtpd processes that tcpserver starts (it has no such cap itself).

   The client has n slot files dir/conn-KEY-0 ... dir/conn-KEY-(n-1); a
   connection holds the flock() of one of them for its whole life. The
   kernel drops the lock when the process ends, however it ends, so the
   count is never stale. */
#ifndef SMARTHOST_CONNSLOT_H
#define SMARTHOST_CONNSLOT_H

#include <skalibs/stralloc.h>

/* Takes a free slot of key's n. Returns the fd holding it, with its path
   in *path (for connslot_release), or -1 with errno: EBUSY when all n are
   held, anything else when dir is not usable. */
int connslot_take (char const *dir, char const *key, unsigned int n, stralloc *path);

/* Gives the slot back. With remove, its file goes too, so that files do
   not pile up for clients long gone; without, it stays for the next
   connection, which then need not create it (a fixed set of slots, such
   as one shared by all clients). A process that dies leaves an unlocked
   file, which the next connection with that key reuses. */
void connslot_release (stralloc *path, int fd, int remove);

#endif
