/* queue.h: the spool in code. The format for people is queue/README.md. */
#ifndef SMARTHOST_QUEUE_H
#define SMARTHOST_QUEUE_H

#include <stdint.h>
#include <sys/types.h>
#include <skalibs/stralloc.h>

/* SSSSSSSSSS.NNNNNNNNN.RRRRRRRRRR: seconds, nanoseconds, 10 random digits. */
#define QUEUE_ID_LEN 31
#define QUEUE_ID_SIZE (QUEUE_ID_LEN + 1)

/* Writes a fresh id and a NUL into id (QUEUE_ID_SIZE bytes). */
void queue_id_make (char *id);
/* 1 if s is a well-formed id, 0 if not. */
int queue_id_valid (char const *s);

/* A message being written into tmp/. */
typedef struct queue_tmp_s queue_tmp;
struct queue_tmp_s
{
  int dirfd;                /* the spool directory */
  int fd;                   /* tmp/ID, open for writing */
  int owndir;               /* 1: dirfd is ours to close */
  char id[QUEUE_ID_SIZE];
};
#define QUEUE_TMP_ZERO { -1, -1, 0, { 0 } }

/* A message file's mode (queue/README.md, the privilege model): 0600 when
   its writer owns the spool, 0640 when it does not (the smtpd: the
   spool's group, which holds the scheduler's user, must read it). */
#define QUEUE_MSG_MODE 0600
#define QUEUE_MSG_MODE_SHARED 0640

/* Creates tmp/ID (O_EXCL, mode QUEUE_MSG_MODE) in the spool dir. Returns 0, or
   -1 with errno (EEXIST: the id is in use). */
int queue_tmp_open (queue_tmp *t, char const *dir, char const *id);
/* The same in the spool already open as dirfd, which stays the caller's
   (a session commits many messages with one descriptor). */
int queue_tmp_openat (queue_tmp *t, int dirfd, char const *id);
/* The commit: fsync tmp/ID, close it, rename it into new/ID without replacing
   anything (RENAME_NOREPLACE), fsync new/. Returns 0, or -1 with errno; on
   failure tmp/ID is removed. */
int queue_tmp_commit (queue_tmp *t);
/* Removes tmp/ID and closes everything. Keeps errno. */
void queue_tmp_abort (queue_tmp *t);
/* An unnamed scratch file in the spool's tmp/ (dirfd), for a message
   too large to hold in memory until its envelope is known: O_TMPFILE,
   or on a file system without it (NFS, an older overlayfs) a fresh
   tmp/ID unlinked at once, which a kill in between leaves to the tmp/
   sweep. Mode 0600. Returns a descriptor, or -1 with errno. */
int queue_tmp_scratch (int dirfd);

/* A file to write and then rename over another (the pattern of every
   writer of the spool's small files): name in dirfd (AT_FDCWD: a path)
   is removed and created new, O_EXCL, O_NOFOLLOW and O_NONBLOCK, never
   opened as found: a FIFO planted there would block the writer, a link
   (symbolic or hard) would have it truncate and write what the link
   names. Returns a descriptor open for writing, or -1 with errno. */
int queue_file_fresh (int dirfd, char const *name, unsigned int mode);

/* Writes one byte to dir/trigger without blocking. No reader, or a full FIFO,
   is not an error. The trigger is reached without following a symbolic
   link and must be a FIFO: anything else is refused (ELOOP, EINVAL)
   before a byte is written. Returns 0, or -1 with errno. */
int queue_trigger (char const *dir);
/* The same in the spool open as dirfd (which stays open). */
int queue_trigger_at (int dirfd);
/* sendmail -q: the same checks, but the byte is LF, which asks
   smarthost-send to try every message now (doc/interfaces.md, "The
   trigger FIFO"). Returns 1 when written, 0 when nobody reads the FIFO
   (smarthost-send is not running), or -1 with errno. */
int queue_trigger_kick (char const *dir);

/* Opens the message file dir/id for reading, as the scheduler must: not
   through a link (ELOOP), not blocking on a FIFO, and only a regular file
   (anything else: EFTYPE_QUEUE). Returns a descriptor, or -1 with errno. */
#define EFTYPE_QUEUE EINVAL
int queue_msg_openat (int dirfd, char const *id);
/* The same for a message named by its path (a worker's job): the last
   component is the message, opened as queue_msg_openat does. */
int queue_msg_open (char const *path);

/* 1 if the process runs with privileges its caller did not have (setuid,
   setgid, file capabilities: the kernel's AT_SECURE), else 0. */
int queue_privileged (void);
/* Writes into sa (NUL-terminated) the spool named by an administrator's
   DIR: DIR/queue when DIR is an instance (DIR/queue/cur exists), else
   DIR itself. Returns 1, or 0 on allocation failure. */
int queue_spool_of (stralloc *sa, char const *dir);
/* Opens the spool of the installation the running program comes from:
   DIR/queue for DIR/bin/PROG. It must be a directory (not a link) owned by
   the effective user. Writes its path into path (size bytes). Returns a
   descriptor, or -1 with errno (EPERM: someone else's directory). */
int queue_spool_installed (char *path, size_t size);
/* The largest message (in octets, as CRLF lines: what the smtpd and the
   upstream count) a privileged injector takes into the spool at path
   (DIR/queue): the smtpd's limit, from DIR/conf/DATABYTES and
   DIR/conf/UPSTREAM_SIZE_MARGIN as s6-envdir reads them (their defaults
   when missing or empty) and the upstream's SIZE record (lib/sizelimit.h):
   path/upstream-size, or with DIR/conf/ROUTES the record of sender's
   route (queue_upsize_sender, as the smtpd); sender 0 (not known yet)
   with ROUTES counts no upstream's SIZE. 0 is no limit. Returns 1; 0
   with *bad naming a setting that is no number; -1 with errno when a
   file cannot be read. */
int queue_size_cap (char const *path, char const *sender, uint64_t *cap, char const **bad);

/* The envelope lines of a message being made (F, T..., blank line), with
   duplicate recipients folded (addr_same(): the first is kept) and at most
   QUEUE_RCPT_MAX distinct recipients. */
#define QUEUE_RCPT_MAX 100000
typedef struct queue_head_s queue_head;
struct queue_head_s
{
  stralloc s;           /* the lines, as they go into the file */
  size_t *slot;         /* hash table: 1 + offset in s of a T line; 0 empty */
  size_t cap;           /* slots, a power of 2 */
  unsigned int nrcpt;   /* distinct recipients */
  unsigned int ndup;    /* duplicates folded */
  char last;            /* the last line: 'F', 'T', 'D', or 'x' a folded recipient */
  int smtputf8;         /* 1: the U line (queue/README.md), set by an
                           address outside ASCII or queue_head_smtputf8() */
  unsigned long probes; /* recipients compared while folding: the work it
                           did, which tests count instead of timing it */
};
#define QUEUE_HEAD_ZERO { STRALLOC_ZERO, 0, 0, 0, 0, 0, 0, 0 }
/* Each returns -1 with errno: ENAMETOOLONG (an address over RFC 5321's
   limits), EINVAL (a control character; or out of order: the sender
   first, once, then non-empty recipients), E2BIG (more than
   QUEUE_RCPT_MAX recipients), ENOMEM. */
int queue_head_sender (queue_head *h, char const *s, size_t len);
/* 1 added, 0 a duplicate (folded), or -1. */
int queue_head_rcpt (queue_head *h, char const *s, size_t len);
/* The DSN parameters (lib/dsnparam.h) of the sender or of the
   recipient just added, as a "D" line after its F or T line; s is a
   list dsnparam_scan() takes (" NOTIFY=SUCCESS ORCPT=rfc822;b@example.net",
   any case, words repeated), written in dsnparam_fmt()'s form.
   A folded duplicate's are dropped with it (1 written, 0 dropped).
   -1 with EINVAL: not right after F or T, or not such a list. */
int queue_head_dsn (queue_head *h, char const *s, size_t len);
/* Marks the message as needing SMTPUTF8 (RFC 6531) on its way out: the
   client asked for it, or its header holds UTF-8. */
void queue_head_smtputf8 (queue_head *h);
/* The U line when the message needs SMTPUTF8, then the blank line;
   EINVAL when there is no recipient. Returns 0 or -1. */
int queue_head_end (queue_head *h);
void queue_head_free (queue_head *h);

/* The envelope at the top of a message file. The DSN parameters are
   kept as the D lines hold them, after the "D" (lib/dsnparam.h:
   dsnparam_scan() reads them), "" when there is no D line. */
typedef struct queue_env_s queue_env;
struct queue_env_s
{
  stralloc sender;    /* NUL-terminated; empty for the null sender */
  stralloc rcpts;     /* recipients, each NUL-terminated, one after the other */
  unsigned int nrcpt;
  off_t body;         /* offset of the message after the blank line */
  stralloc dsn;       /* the sender's D line (RET, ENVID), NUL-terminated */
  stralloc rdsn;      /* each recipient's (NOTIFY, ORCPT), NUL-terminated, in the order of rcpts */
  unsigned int ndsn;  /* recipients with a D line */
  int smtputf8;       /* 1: a U line, the message goes with SMTPUTF8 */
};
#define QUEUE_ENV_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

/* Reads the envelope of a message file from fd (at offset 0) and leaves the fd
   at the start of the body. Returns 1, 0 if the file is malformed, -1 on error. */
int queue_env_read (int fd, queue_env *e);
void queue_env_free (queue_env *e);

#endif
