/* Unit tests of the queue listing (queue_list_*, what mailq prints and
   smarthost-send writes into MAILQ_FILE) and of the recipients a state
   file says are pending (queue_status_pending), on a spool made in a
   temporary directory: recipients folded and minus those done or failed,
   the last reply, held, new, a link, the caps, the totals, the status
   lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>

#include "queue_list.h"
#include "queue_status.h"
#include "tap.h"

#define A "1795816346.549471893.0000000001"
#define B "1795816347.000000000.0000000002"
#define C "1795816348.000000000.0000000003"
#define L "1795816349.000000000.0000000004"
#define N "1795816350.000000000.0000000005"
#define S "1795816351.000000000.0000000006"

static char dir[64];

static void put (char const *sub, char const *name, char const *text)
{
  char path[256];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) { perror(path); exit(2); }
}

static void spool_make (void)
{
  char const *subs[] = { "new", "cur", "state", "control" };
  char path[256];
  unsigned int i;
  strcpy(dir, "/tmp/smarthost-unit-list.XXXXXX");
  if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
  for (i = 0; i < 4; i++)
  {
    snprintf(path, sizeof path, "%s/%s", dir, subs[i]);
    if (mkdir(path, 0700) < 0) { perror(path); exit(2); }
  }
  /* A: four names, one of them twice; bob done, carol failed, dave deferred */
  put("cur", A, "F alice@example.org\nT bob@example.net\nT bob@EXAMPLE.NET\nT carol@example.com\nT dave@example.org\n\nSubject: a\n\nx\n");
  put("state", A, "attempts\t1\nnext\t1795816946\nwarned\t0\ndone\tbob@example.net\t250\tok\n"
    "fail\tcarol@example.com\t550\tno such user\ndefer\tdave@example.org\t451\t4.3.0 later\n");
  /* B: five recipients, never tried, held */
  put("cur", B, "F \nT r1@x.test\nT r2@x.test\nT r3@x.test\nT r4@x.test\nT r5@x.test\n\nbody\n");
  put("control", "held." B, "");
  /* C: a state file the scheduler would not read: every recipient counts */
  put("cur", C, "F a@b.test\nT c@d.test\nT e@f.test\n\nbody\n");
  put("state", C, "this is not a state file\n");
  /* L: a link under an id; N: in new/ */
  snprintf(path, sizeof path, "%s/cur/%s", dir, L);
  if (symlink("/etc/passwd", path) < 0) { perror(path); exit(2); }
  put("new", N, "F a@b.test\nT \x9b" "evil@x.test\n\nbody\n");
  /* S: its state file a link to another file */
  put("cur", S, "F a@b.test\nT x@y.test\n\nbody\n");
  put("control", "elsewhere", "defer\tx@y.test\t451\tsecret from elsewhere\n");
  snprintf(path, sizeof path, "%s/state/%s", dir, S);
  {
    char target[256];
    snprintf(target, sizeof target, "%s/control/elsewhere", dir);
    if (symlink(target, path) < 0) { perror(path); exit(2); }
  }
}

static int statefd;

/* The recipients state/id says are pending, or -1 when it cannot be read. */
static long pending (char const *id)
{
  queue_state st = QUEUE_STATE_ZERO;
  long n = queue_state_read(statefd, id, &st) > 0 ? (long)queue_status_pending(&st) : -1;
  queue_state_free(&st);
  return n;
}

static void test_pending (void)
{
  tap_is(pending(A), 1, "pending: the deferred one of a state with one done and one failed");
  put("state", B, "attempts\t1\nnext\t1\nwarned\t0\ndefer\tr1@x.test\t0\t\ndefer\tr2@x.test\t0\t\ndone\tr3@x.test\t250\tok\n");
  tap_is(pending(B), 2, "pending: two deferred, one done");
  unlinkat(statefd, B, 0);
}

/* The line queue_list_one makes for sub/id, NUL-terminated in a static buffer. */
static char const *line (queue_list *l, char const *sub, char const *id, int *r)
{
  static stralloc out = STRALLOC_ZERO;
  out.len = 0;
  *r = queue_list_one(l, &out, sub, id);
  if (!stralloc_0(&out)) exit(2);
  return out.s;
}

static int has (char const *s, char const *part)
{
  if (!strstr(s, part)) { printf("#   in: %s#   missing: %s\n", s, part); return 0; }
  return 1;
}

static void test_lines (void)
{
  queue_list l = QUEUE_LIST_ZERO;
  char const *s;
  int r;
  l.q = dir; l.now = 1795816346 + 7200 + 13 * 60;
  s = line(&l, "cur", A, &r);
  tap_ok(r == 1 && !strncmp(s, A " 2h13m ", sizeof(A " 2h13m ") - 1), "a line: the id and the age");
  tap_ok(has(s, " <alice@example.org> <dave@example.org> 451 4.3.0 later\n"), "the recipient not done, then the deferral's reply");
  tap_ok(!strstr(s, "bob") && !strstr(s, "carol"), "not those done or failed (bob in either case of his domain)");
  l.maxrcpts = 2;
  s = line(&l, "cur", B, &r);
  tap_ok(has(s, " <> <r1@x.test> <r2@x.test> (and 3 more) (held) (not tried yet)\n"), "the null sender, two recipients of five, held, not tried yet");
  l.wait = "(queue paused)";
  s = line(&l, "cur", B, &r);
  tap_ok(has(s, "(held) (queue paused)\n"), "a paused queue: what it waits for instead of not tried yet");
  s = line(&l, "cur", L, &r);
  tap_ok(r == 1 && has(s, " 0 (not a message file: a link, FIFO or directory)\n"), "a link: named, not followed");
  s = line(&l, "new", N, &r);
  tap_ok(has(s, "<?evil@x.test> (new)\n"), "in new/: (new), its CSI byte made printable");
  l.wait = 0;
  s = line(&l, "cur", S, &r);
  tap_ok(has(s, "<x@y.test> (not tried yet)\n") && !strstr(s, "secret") && l.malformed, "a state file that is a link: not followed, called malformed");
  s = line(&l, "cur", C, &r);
  tap_ok(has(s, " <a@b.test> <c@d.test> <e@f.test> (not tried yet)\n") && l.malformed, "a state file of garbage: malformed, every recipient listed");
  s = line(&l, "cur", A, &r);
  tap_ok(!l.malformed, "a good state file after it: not malformed");
  s = line(&l, "cur", "1795816399.000000000.0000000009", &r);
  tap_is(r, 0, "a message gone meanwhile: no line");
  queue_list_free(&l);
}

/* text as the contents of a status file, as queue_status_load gives them */
static stralloc const *file_of (stralloc *f, char const *text)
{
  f->len = 0;
  if (!stralloc_cats(f, text)) exit(2);
  return f;
}

static void test_status (void)
{
  queue_list l = QUEUE_LIST_ZERO;
  stralloc out = STRALLOC_ZERO, f = STRALLOC_ZERO;
  char const *held = "paused\t1\npause_class\tmanual\n";
  char const *auth = "paused\t1\npause_class\tauth\npause_reason\tthe upstream refused\x1b[2J us\n";
  char const *thr = "paused\t0\nthrottled_until\t2000000000\n";
  l.now = 1900000000;
  tap_ok(queue_list_status(&l, &out, file_of(&f, held)) && !strcmp(l.wait, "(queue held)")
    && out.len && !strncmp(out.s, "queue held by smarthost-control", 31), "status: held by hand");
  out.len = 0;
  tap_ok(queue_list_status(&l, &out, file_of(&f, auth)) && !strcmp(l.wait, "(queue paused)") && stralloc_0(&out)
    && !strcmp(out.s, "queue paused (auth): the upstream refused?[2J us\n"), "status: paused, the reason made printable");
  out.len = 0;
  tap_ok(queue_list_status(&l, &out, file_of(&f, thr)) && !strcmp(l.wait, "(queue throttled)"), "status: throttled");
  out.len = 0;
  tap_ok(queue_list_status(&l, &out, file_of(&f, "")) && !l.wait && !out.len, "no status: nothing said");
  out.len = 0;
  tap_ok(queue_list_total(&out, 0, 0) && stralloc_0(&out) && !strcmp(out.s, "queue is empty\n"), "total: empty");
  out.len = 0;
  tap_ok(queue_list_total(&out, 2, 5) && stralloc_0(&out) && !strcmp(out.s, "-- 5 messages (the oldest 2 listed)\n"), "total: capped");
  stralloc_free(&out);
  stralloc_free(&f);
}

static void test_ids_and_file (void)
{
  queue_list l = QUEUE_LIST_ZERO;
  stralloc ids = STRALLOC_ZERO, file = STRALLOC_ZERO;
  char path[256];
  struct stat st;
  char const *id, *sub;
  size_t n, pos = 0, walked = 1;
  l.q = dir;
  tap_ok(queue_list_ids(&l, &ids, &n) == 0 && n == 6, "ids: six entries in new/ and cur/");
  tap_ok(queue_list_next(&ids, &pos, &id, &sub) && !strcmp(id, A) && !strcmp(sub, "cur"), "ids: the oldest first, with its directory");
  while (walked < 10 && queue_list_next(&ids, &pos, &id, &sub)) walked++;
  tap_ok(walked == n && pos == ids.len, "ids: queue_list_next walks all six, then stops");
  snprintf(path, sizeof path, "%s/listing", dir);
  tap_ok(queue_list_write(dir, path, 3, 20, 0640, 1795816346) == 0 && stat(path, &st) == 0 && (st.st_mode & 07777) == 0640,
    "the listing file: written, mode 0640");
  tap_ok(openslurpclose(&file, path) && stralloc_0(&file) && strstr(file.s, "-- 6 messages (the oldest 3 listed)\n")
    && strstr(file.s, A " ") && !strstr(file.s, N " "), "the listing file: the oldest three of six");
  queue_list_free(&l);
  stralloc_free(&ids);
  stralloc_free(&file);
}

int main (void)
{
  char cmd[128];
  tap_plan(24);
  spool_make();
  {
    char p[256];
    snprintf(p, sizeof p, "%s/state", dir); statefd = open(p, O_RDONLY | O_DIRECTORY);
  }
  test_pending();
  test_lines();
  test_status();
  test_ids_and_file();
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {}
  return tap_done();
}
