/* queue_list.h: the queue as mailq(1) shows it, one line per message:
   id, age, size, sender, the recipients not yet done, and the last reply
   (or why it waits: held, the queue paused, not tried yet). Two callers:
   smarthost-sendmail -bp, reading the spool itself (root, the send
   user), and smarthost-send, which writes the same text into MAILQ_FILE
   for the members of the instance's group, who may not read the spool
   (queue/README.md, the privilege model). Nothing here prints: lines are
   appended to a stralloc the caller writes out. */
#ifndef SMARTHOST_QUEUE_LIST_H
#define SMARTHOST_QUEUE_LIST_H

#include <stddef.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include "queue_state.h"

typedef struct queue_list_s queue_list;
struct queue_list_s
{
  char const *q;          /* the spool's path */
  time_t now;             /* ages are counted to this */
  unsigned int maxrcpts;  /* recipients shown per message; 0: all */
  char const *wait;       /* why a message not tried yet waits (queue_list_status); 0: it does not */
  int malformed;          /* set by queue_list_one: 1 when state/ID was malformed (queue_state_read's
                             EPROTO: a link, a FIFO, garbage), its recipients then all listed */
  int statefd;            /* q/state, opened at the first message: -1 not yet, -2 not openable */
  queue_state state;      /* scratch: state/ID */
  stralloc reply;         /* scratch: the last reply */
  stralloc path;          /* scratch */
};
#define QUEUE_LIST_ZERO { 0, 0, 0, 0, 0, -1, QUEUE_STATE_ZERO, STRALLOC_ZERO, STRALLOC_ZERO }

/* Appends the lines that say how the whole queue stands (held, paused,
   throttled, rate-limited) from queue/status as queue_status_load read
   it (queue/queue_status.h), and sets l->wait. An empty file says
   nothing. Returns 1, or 0 on allocation failure. */
int queue_list_status (queue_list *l, stralloc *out, stralloc const *status);

/* The messages of new/ and cur/ of l->q, sorted by arrival (ids are
   fixed-width): each entry of ids is the id, then 'n' or 'c' (the
   directory), then NUL; *n is their number. Returns 0, or -1 with errno
   (EACCES: the caller may not read the spool). */
int queue_list_ids (queue_list const *l, stralloc *ids, size_t *n);

/* Walks ids as queue_list_ids made it: the entry at *pos, cut in place,
   into *id and *sub ("new", "cur"), and *pos moved to the next one.
   Start with *pos 0. Returns 1, or 0 past the last entry. */
int queue_list_next (stralloc *ids, size_t *pos, char const **id, char const **sub);

/* Appends the line of the message sub/id. A link, FIFO or directory
   under an id is named as such and not followed or read (the smtpd's
   user may put one into new/); a file the caller may not read is given
   with its size only. The state file is read with queue_state_read; one
   it calls malformed sets l->malformed (for the caller to say so: nothing
   here prints) and hides no recipient. Returns 1 when a line was
   appended, 0 when the message has gone meanwhile, -1 with errno. */
int queue_list_one (queue_list *l, stralloc *out, char const *sub, char const *id);

/* Appends the last line: "queue is empty", or "-- N messages", with
   "(the oldest M listed)" when fewer were. Returns 1, or 0. */
int queue_list_total (stralloc *out, size_t listed, size_t total);

/* The whole listing of the spool q, at most max messages (0: all) and
   maxrcpts recipients each, into file (path.tmp, then a rename; mode).
   For smarthost-send's MAILQ_FILE. Returns 0, or -1 with errno. */
int queue_list_write (char const *q, char const *file, size_t max, unsigned int maxrcpts, unsigned int mode, time_t now);

void queue_list_free (queue_list *l);

/* MAILQ_FILE, as smarthost-send keeps it for the members of the
   instance's group (who may not read the spool): written after the
   status file was (so the listing says what the status says), at most
   every QUEUE_LISTING_EVERY seconds, the oldest QUEUE_LISTING_MAX
   messages (it reads two files per message), QUEUE_LISTING_RCPTS
   recipients each, mode 0640. */
#define QUEUE_LISTING_EVERY 5
#define QUEUE_LISTING_MAX 1000
#define QUEUE_LISTING_RCPTS 20

typedef struct queue_listing_s queue_listing;
struct queue_listing_s
{
  char const *q;          /* the spool's path */
  char const *file;       /* MAILQ_FILE, or 0: none */
  time_t listed;          /* when it was last written */
  time_t status;          /* the status file's time then */
  int failing;            /* the last write failed (and was said) */
};
#define QUEUE_LISTING_ZERO { 0, 0, 0, 0, 0 }

/* 1 when the status file, last written at written, is newer than the
   listing, else 0. */
int queue_listing_due (queue_listing const *l, time_t written);

/* The latest the caller's loop may wake at for the listing: w, or
   earlier when one is due. */
time_t queue_listing_wake (queue_listing const *l, time_t written, time_t w);

/* Writes the listing at t when it is due and QUEUE_LISTING_EVERY seconds
   have passed. 1 when written, 0 when not now; when the write failed,
   -1 with errno the first time after a success (for the caller to say
   it) and -2 while it goes on failing (said already). */
int queue_listing_update (queue_listing *l, time_t written, time_t t);

#endif
