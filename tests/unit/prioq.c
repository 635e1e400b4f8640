/* lib/prioq: least key first, ties by the second key, O(n) loading. */
#include <stdlib.h>
#include "prioq.h"
#include "tap.h"

int main (void)
{
  prioq q = PRIOQ_ZERO;
  prioq_elt e, last;
  unsigned int i, bad = 0, n = 0;
  tap_plan(10);
  tap_ok(!prioq_min(&q, &e) && !prioq_pop(&q, &e), "empty: nothing");
  prioq_push(&q, 30, 1, 3);
  prioq_push(&q, 10, 2, 1);
  prioq_push(&q, 20, 1, 2);
  prioq_push(&q, 10, 1, 0);
  tap_ok(prioq_min(&q, &e) && e.item == 0, "the least key, and among equal keys the least tie");
  for (i = 0; i < 4 && prioq_pop(&q, &e); i++) if (e.item != i) bad++;
  tap_is(bad + (4 - i), 0, "popped in order");
  tap_is(prioq_len(&q), 0, "then empty");
  srand(42);
  for (i = 0; i < 10000; i++)
    if (!prioq_append(&q, rand() % 500, rand(), i)) bad++;
  prioq_order(&q);
  for (i = 0; i < 5000; i++)
    if (!prioq_push(&q, rand() % 500, rand(), i)) bad++;
  tap_is(bad, 0, "15,000 loaded");
  /* lower every key over 250 to 250, as a "retry everything now" does */
  for (i = 0; i < prioq_len(&q); i++) if (prioq_at(&q, i)->key > 250) prioq_at(&q, i)->key = 250;
  prioq_order(&q);
  prioq_pop(&q, &last); n = 1;
  while (prioq_pop(&q, &e))
  {
    if (e.key < last.key || (e.key == last.key && e.tie < last.tie)) bad++;
    last = e; n++;
  }
  tap_is(n, 15000, "all 15,000 come out");
  tap_is(bad, 0, "in order of key, then tie");
  tap_is(last.key, 250, "the keys changed in place were ordered again");
  /* removing chosen elements (prioq_remove) keeps the rest in order */
  for (i = 0; i < 2000; i++) prioq_push(&q, rand() % 300, rand(), i);
  for (i = 0; i < 1000; i++)
    if (!prioq_remove(&q, (size_t)rand() % prioq_len(&q), &e)) bad++;
  if (prioq_remove(&q, prioq_len(&q), &e)) bad++;
  n = 0;
  if (prioq_pop(&q, &last)) n = 1;
  while (prioq_pop(&q, &e))
  {
    if (e.key < last.key || (e.key == last.key && e.tie < last.tie)) bad++;
    last = e; n++;
  }
  tap_ok(!bad && n == 1000, "1,000 of 2,000 removed anywhere: the other 1,000 come out in order");
  prioq_free(&q);
  tap_is(prioq_len(&q), 0, "freed");
  return tap_done();
}
