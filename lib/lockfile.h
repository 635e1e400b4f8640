/* lockfile.h: files that exist while someone holds a flock() on them.
   The kernel drops the lock when the holder dies, however it dies, so a
   held lock is never stale; a file left by a dead holder is just unlocked.
   A holder may remove its file when it is done (lockfile_drop): whoever
   opened it meanwhile notices, once it gets the lock, that the name now
   leads elsewhere, and starts again. (So a file removed by every holder
   would starve those that wait for it: remove it only now and then, as
   connslot, which never waits, and authlimit, on a success, do.) */
#ifndef SMARTHOST_LOCKFILE_H
#define SMARTHOST_LOCKFILE_H

/* Opens or creates path (mode 0600, never through a symbolic link,
   close-on-exec) and locks it exclusively: waits for the lock, or with
   nowait fails at once with EWOULDBLOCK when another process holds it.
   Returns the locked fd, or -1 with errno. */
int lockfile_take (char const *path, int nowait);

/* Removes path, then closes fd, which holds its lock. */
void lockfile_drop (char const *path, int fd);

#endif
