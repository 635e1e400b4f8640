/* queue/queue_sched: the schedule of smarthost-send: slots reused, the
   oldest first among messages due at the same second, a message pulled
   out and found again, everything due at once, the census, and the
   sorted lookup that keeps state files of queued messages, over many
   random operations checked against a plain model. */
#include <stdlib.h>
#include <string.h>
#include <skalibs/types.h>
#include "queue_sched.h"
#include "tap.h"

/* An id arriving at sec, ns. */
static void mkid (char *id, uint64_t sec, unsigned int ns)
{
  size_t n = uint64_fmt(id, sec);
  id[n++] = '.';
  n += uint0_fmt(id + n, ns, 9);
  memcpy(id + n, ".42", 4);
}

static void basics (void)
{
  queue_sched s = QUEUE_SCHED_ZERO;
  char a[QUEUE_ID_SIZE], b[QUEUE_ID_SIZE], c[QUEUE_ID_SIZE], oldest[QUEUE_ID_SIZE];
  uint32_t sa, sb, sc;
  uint64_t held, rcpts, uncounted;
  prioq_elt e;
  mkid(a, 1700000000, 5); mkid(b, 1700000000, 3); mkid(c, 1699999000, 0);
  tap_ok(queue_sched_new(&s, a, 0, &sa) && queue_sched_new(&s, b, 0, &sb) && queue_sched_new(&s, c, QUEUE_SCHED_HELD, &sc), "three messages known");
  tap_is(s.n, 3, "counted");
  queue_sched_push(&s, sa, 2000);
  queue_sched_push(&s, sb, 2000);
  tap_ok(prioq_min(&s.q, &e) && e.item == sb, "due at the same second: the older id first");
  queue_sched_counted(&s, sa, 4);
  queue_sched_census(&s, &held, oldest, &rcpts, &uncounted);
  tap_ok(held == 1 && !strcmp(oldest, c), "census: one held, the oldest is the held one");
  tap_ok(rcpts == 6 && uncounted == 2, "census: 4 recipients counted, two messages not read yet count one each");
  tap_is(queue_sched_find(&s, b), sb, "found by id");
  tap_ok(queue_sched_pull(&s, sb) && prioq_len(&s.q) == 1, "pulled out of the schedule");
  tap_ok(!queue_sched_pull(&s, sb), "and not there twice");
  queue_sched_push(&s, sb, 5000);
  queue_sched_all_due(&s, 1500);
  tap_ok(prioq_min(&s.q, &e) && e.key == 1500 && e.item == sb, "all due now: the later one too, oldest first");
  queue_sched_free(&s, sc);
  tap_is(queue_sched_find(&s, c), -1, "a freed message is not found");
  {
    uint32_t sd;
    char d[QUEUE_ID_SIZE];
    mkid(d, 1700000100, 0);
    queue_sched_new(&s, d, 0, &sd);
    tap_is(sd, sc, "its slot is reused");
  }
  prioq_free(&s.q);
  genalloc_free(queue_sched_msg, &s.msgs);
  genalloc_free(uint32_t, &s.freeslots);
}

/* Random loads and frees: the sorted lookup says "queued" for exactly
   the ids scheduled, and pops come in (key, arrival) order. */
static void random_model (void)
{
  enum { N = 2000 };
  static char ids[N][QUEUE_ID_SIZE];
  static int in[N];
  queue_sched s = QUEUE_SCHED_ZERO;
  genalloc sorted = GENALLOC_ZERO;
  unsigned int i, bad = 0, order = 0, n = 0;
  prioq_elt e, prev;
  srand(11);
  for (i = 0; i < N; i++)
  {
    mkid(ids[i], 1700000000 + rand() % 50, (unsigned int)(rand() % 1000000000));
    in[i] = rand() % 3 != 0;
    if (in[i]) { queue_sched_load(&s, ids[i], QUEUE_SCHED_UNKNOWN); n++; }
  }
  queue_sched_order(&s);
  queue_sched_sorted(&s, &sorted);
  for (i = 0; i < N; i++)
    if (queue_sched_has(&s, &sorted, ids[i]) != in[i] && strcmp(ids[i], ids[(i + 1) % N])) bad++;
  tap_is(bad, 0, "2000 random ids: the lookup finds exactly those scheduled");
  tap_is(prioq_len(&s.q), n, "all of them in the schedule");
  if (prioq_pop(&s.q, &prev))
    while (prioq_pop(&s.q, &e))
    {
      if (e.key < prev.key || (e.key == prev.key && e.tie < prev.tie)) order++;
      prev = e;
    }
  tap_is(order, 0, "popped by arrival, the oldest first");
  genalloc_free(uint32_t, &sorted);
  prioq_free(&s.q);
  genalloc_free(queue_sched_msg, &s.msgs);
  genalloc_free(uint32_t, &s.freeslots);
}

int main (void)
{
  basics();
  random_model();
  tap_plan(tap_n);
  return tap_done();
}
