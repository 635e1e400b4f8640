/* queue_dirs.h: the spool as the scheduler holds it for its whole run:
   the directories and the trigger open, and the walks over them. Each
   walk hands the caller ids (and what it found wrong, to log): nothing
   here logs. The format and the crash states are queue/README.md's. */
#ifndef SMARTHOST_QUEUE_DIRS_H
#define SMARTHOST_QUEUE_DIRS_H

#include <dirent.h>
#include <time.h>
#include <skalibs/stralloc.h>
#include "queue.h"
#include "queue_state.h"

typedef struct queue_dirs_s queue_dirs;
struct queue_dirs_s
{
  int cur, new, state, tmp;
  int trigger;             /* the FIFO, read end (and a write end: never EOF) */
};
#define QUEUE_DIRS_ZERO { -1, -1, -1, -1, -1 }

/* Opens the spool at path. Returns 0, or -1 with errno and *what set to
   the part that failed ("", "cur", "new", "state", "tmp", "trigger"). */
int queue_dirs_open (queue_dirs *q, char const *path, char const **what);

/* A DIR over a directory held open (one of q's, or another): a fresh
   descriptor, rewound, so the walk can be repeated. 0 with errno. */
DIR *queue_dir_open (int fd);

/* What a walk found, for its callback. */
#define QUEUE_FOUND 0        /* an id: in cur/ (scan_cur), moved from new/ to cur/ (scan_new) */
#define QUEUE_NOTREG 1       /* new/ID is no regular file: left alone */
#define QUEUE_CLASH 2        /* new/ID is another file than cur/ID: left in new/ */
#define QUEUE_FAILED 3       /* an operation on the name failed: errno says why */
#define QUEUE_REMOVED 4      /* sweep_tmp: a leftover removed */
typedef void queue_walk_fn (char const *name, int what, void *aux);

/* cur/: every well-formed id. -1 with errno when cur/ cannot be read. */
int queue_scan_cur (queue_dirs const *q, queue_walk_fn *f, void *aux);
/* new/ to cur/, each regular file under a well-formed id, never over a
   file in cur/ (RENAME_NOREPLACE). The same file under both names (what
   a power loss can leave of our rename) loses its name in new/. */
int queue_scan_new (queue_dirs const *q, queue_walk_fn *f, void *aux);
/* tmp/: files not modified since before are removed (an injector killed
   while writing); an injector still writing keeps its file fresh. */
int queue_sweep_tmp (queue_dirs const *q, time_t before, queue_walk_fn *f, void *aux);
/* state/: a state file whose id keep() says is not queued, an ID.tmp, or
   any other name goes (a crash between the two unlinks of
   queue_msg_done, or inside queue_state_write). */
int queue_clean_state (queue_dirs const *q, int (*keep)(char const *id, void *aux), queue_walk_fn *f, void *aux);

/* Drains the trigger. The injector writes a NUL: new mail. Any other
   byte (echo > trigger) asks for what SIGALRM does. Returns 1 for that,
   else 0. */
int queue_trigger_read (queue_dirs const *q);

/* The message is finished: cur/ID goes first, then state/ID (a crash in
   between leaves a state file without a message, which clean_state
   removes; the other order would resend to every recipient). When a
   state file exists (hadstate), the removal is on disk (fsync cur/)
   before it goes. Returns 0; -1 with errno when cur/ID stays (try
   again later); 1 with errno and *what set when a later step failed
   (the message is gone all the same). */
int queue_msg_done (queue_dirs const *q, char const *id, int hadstate, char const **what);

/* Opens cur/ID for reading (queue_msg_openat: a regular file, not
   through a link, never blocking on a FIFO). A descriptor, or -1 with
   errno; EPROTO: not a regular file. */
int queue_msg_cur (queue_dirs const *q, char const *id);

/* Reads the envelope of cur/ID into env. 1; 0 when it is malformed; -1
   with errno (ENOENT: the message is gone; EPROTO: not a regular file). */
int queue_msg_env (queue_dirs const *q, char const *id, queue_env *env);

/* The path of cur/ID under the spool at path, for a worker's job:
   appended to sa, NUL-terminated. 1, or 0 on allocation failure. */
int queue_msg_path (stralloc *sa, char const *path, char const *id);

/* A message kept after an attempt: its state file written. Before the
   first state file (!hadstate), the move from new/ to cur/ is made
   durable (fsync cur/ and new/): a power loss must not bring back new/ID
   (whose scan then takes it again as never tried) while state/ID says
   who has it already. Returns 0, or -1 with errno when the state file
   could not be written; *syncerr is the errno of a failed fsync, or 0
   (the state is written all the same). */
int queue_msg_keep (queue_dirs const *q, char const *id, queue_state const *st, int hadstate, int *syncerr);

#endif
