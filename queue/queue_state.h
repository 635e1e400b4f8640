/* queue_state.h: state/ID, the per-recipient record smarthost-send keeps for
   a message it has tried. Format for people: queue/README.md, "State files". */
#ifndef SMARTHOST_QUEUE_STATE_H
#define SMARTHOST_QUEUE_STATE_H

#include <stdint.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include <skalibs/genalloc.h>

#define QUEUE_RCPT_DEFER 0   /* not delivered yet: try again */
#define QUEUE_RCPT_DONE 1    /* the upstream accepted it */
#define QUEUE_RCPT_FAIL 2    /* refused for good (or expired): bounced */

typedef struct queue_rcpt_s queue_rcpt;
struct queue_rcpt_s
{
  unsigned int status;   /* QUEUE_RCPT_* */
  unsigned int code;     /* the upstream's code, 0 when none */
  size_t addr;           /* offset of the NUL-terminated address in sa */
  size_t text;           /* offset of the NUL-terminated reply text in sa */
};

typedef struct queue_state_s queue_state;
struct queue_state_s
{
  unsigned int attempts; /* attempts that reached a verdict (not pauses) */
  time_t next;           /* next attempt, seconds since the epoch */
  unsigned int warned;   /* 1 once a delay warning was sent */
  genalloc rcpts;        /* queue_rcpt */
  stralloc sa;           /* the strings */
  uint32_t *hash;        /* index of rcpts by address (addr_same): slot+1, 0 empty */
  size_t hashcap;        /* a power of two, at least twice the recipients; 0 none */
};
#define QUEUE_STATE_ZERO { 0, 0, 0, GENALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

#define queue_state_n(st) genalloc_len(queue_rcpt, &(st)->rcpts)
#define queue_state_rcpt(st, i) (genalloc_s(queue_rcpt, &(st)->rcpts) + (i))
#define queue_state_addr(st, i) ((st)->sa.s + queue_state_rcpt(st, i)->addr)
#define queue_state_text(st, i) ((st)->sa.s + queue_state_rcpt(st, i)->text)

/* Opens spool/state for queue_state_read. Returns a descriptor, or -1
   with errno (EACCES: a member of the spool's group, who may not). */
int queue_state_open (char const *spool);

/* Reads statefd/ID (statefd: the open state/ directory). Returns 1 when read,
   0 when there is no state file (st is then empty), -1 with errno on error
   (EPROTO: malformed). */
int queue_state_read (int statefd, char const *id, queue_state *st);

/* Writes statefd/ID.tmp, fsyncs it, renames it over statefd/ID, fsyncs the
   directory. Returns 0, or -1 with errno (ID.tmp is then removed). */
int queue_state_write (int statefd, char const *id, queue_state const *st);

/* Removes statefd/ID; a missing file is not an error. Returns 0 or -1. */
int queue_state_remove (int statefd, char const *id);

/* The index of addr in st, or -1. Two addresses are the same recipient
   when addr_same() (lib/addr.h) says so: a duplicate or a variant of the
   domain's case is one recipient, with one line in the state file. A
   hash index makes this O(1), so a message with 100,000 recipients costs
   no more per recipient than one with two. */
int queue_state_find (queue_state const *st, char const *addr);

/* The index of addr, adding it (status DEFER, code 0, empty text) if it is
   new. Returns the index, or -1 on allocation failure. */
int queue_state_add (queue_state *st, char const *addr);

/* The most of a reply text a state keeps: the first line or two of it. */
#define QUEUE_STATE_TEXT_MAX 300

/* Sets the status, code and text (made printable, cut at
   QUEUE_STATE_TEXT_MAX octets) of recipient i.
   Returns 1, or 0 on allocation failure. */
int queue_state_set_at (queue_state *st, size_t i, unsigned int status, unsigned int code, char const *text);

/* queue_state_add, then queue_state_set_at. Returns 1, or 0 on allocation
   failure. */
int queue_state_set (queue_state *st, char const *addr, unsigned int status, unsigned int code, char const *text);

/* Empties st for reuse, keeping its memory. */
void queue_state_clear (queue_state *st);
void queue_state_free (queue_state *st);

/* "done", "defer", "fail". */
char const *queue_rcpt_status_name (unsigned int status);

#endif
