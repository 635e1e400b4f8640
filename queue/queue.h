/* queue.h: the spool in code. The format for people is queue/README.md. */
#ifndef SMARTHOST_QUEUE_H
#define SMARTHOST_QUEUE_H

#include <sys/types.h>
#include <skalibs/stralloc.h>

/* SSSSSSSSSS.NNNNNNNNN.PPPPPPPPPP: seconds, nanoseconds, a per-process number. */
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
  char id[QUEUE_ID_SIZE];
};
#define QUEUE_TMP_ZERO { -1, -1, { 0 } }

/* Creates tmp/ID (O_EXCL, mode 0600) in the spool dir. Returns 0, or -1 with errno
   (EEXIST: the id is in use). */
int queue_tmp_open (queue_tmp *t, char const *dir, char const *id);
/* The same in the spool already open as dirfd, which t then owns (it is
   closed by the commit or the abort, and on failure here). */
int queue_tmp_openat (queue_tmp *t, int dirfd, char const *id);
/* The commit: fsync tmp/ID, close it, rename it into new/ID without replacing
   anything (RENAME_NOREPLACE), fsync new/. Returns 0, or -1 with errno; on
   failure tmp/ID is removed. */
int queue_tmp_commit (queue_tmp *t);
/* Removes tmp/ID and closes everything. Keeps errno. */
void queue_tmp_abort (queue_tmp *t);

/* Writes one byte to dir/trigger without blocking. No reader, or a full FIFO,
   is not an error. Returns 0, or -1 with errno. */
int queue_trigger (char const *dir);

/* The envelope at the top of a message file. */
typedef struct queue_env_s queue_env;
struct queue_env_s
{
  stralloc sender;    /* NUL-terminated; empty for the null sender */
  stralloc rcpts;     /* recipients, each NUL-terminated, one after the other */
  unsigned int nrcpt;
  off_t body;         /* offset of the message after the blank line */
};
#define QUEUE_ENV_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

/* Reads the envelope of a message file from fd (at offset 0) and leaves the fd
   at the start of the body. Returns 1, 0 if the file is malformed, -1 on error. */
int queue_env_read (int fd, queue_env *e);
void queue_env_free (queue_env *e);

#endif
