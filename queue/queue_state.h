/* queue_state.h: state/ID, the per-recipient record smarthost-send keeps for
   a message it has tried. Format for people: queue/README.md, "State files". */
#ifndef SMARTHOST_QUEUE_STATE_H
#define SMARTHOST_QUEUE_STATE_H

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
};
#define QUEUE_STATE_ZERO { 0, 0, 0, GENALLOC_ZERO, STRALLOC_ZERO }

#define queue_state_n(st) genalloc_len(queue_rcpt, &(st)->rcpts)
#define queue_state_rcpt(st, i) (genalloc_s(queue_rcpt, &(st)->rcpts) + (i))
#define queue_state_addr(st, i) ((st)->sa.s + queue_state_rcpt(st, i)->addr)
#define queue_state_text(st, i) ((st)->sa.s + queue_state_rcpt(st, i)->text)

/* Reads statefd/ID (statefd: the open state/ directory). Returns 1 when read,
   0 when there is no state file (st is then empty), -1 with errno on error
   (EPROTO: malformed). */
int queue_state_read (int statefd, char const *id, queue_state *st);

/* Writes statefd/ID.tmp, fsyncs it, renames it over statefd/ID, fsyncs the
   directory. Returns 0, or -1 with errno (ID.tmp is then removed). */
int queue_state_write (int statefd, char const *id, queue_state const *st);

/* Removes statefd/ID; a missing file is not an error. Returns 0 or -1. */
int queue_state_remove (int statefd, char const *id);

/* The index of addr in st, or -1. */
int queue_state_find (queue_state const *st, char const *addr);

/* Sets addr's status, code and text (text is made printable), adding the
   recipient if it is new. Returns 1, or 0 on allocation failure. */
int queue_state_set (queue_state *st, char const *addr, unsigned int status, unsigned int code, char const *text);

/* Empties st for reuse, keeping its memory. */
void queue_state_clear (queue_state *st);
void queue_state_free (queue_state *st);

/* "done", "defer", "fail". */
char const *queue_rcpt_status_name (unsigned int status);

#endif
