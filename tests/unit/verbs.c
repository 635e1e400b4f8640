/* queue/queue_verbs: what smarthost-control's requests do to the
   schedule. A held message never comes up for dispatch until released,
   then is due at once; a message in flight is not touched (answered
   busy) and the same request applies once its attempt is over; remove
   and bounce-now take a message out for good (or put it back when its
   file stays); an unknown id changes nothing; the markers in control/
   bring the holds back after a restart; requests in one batch see what
   the earlier ones settled; a flush from the trigger counts once a
   minute and never opens the gate. The scheduler's effects are fakes
   here, which record what they were asked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "queue_verbs.h"
#include "tap.h"

#define T0 1800000000
#define BUSY "error: the message is being delivered right now"
#define is_busy(a) (!strncmp((a), BUSY, sizeof BUSY - 1))

/* The fake scheduler: which slot a worker has, what was removed or
   bounced, what was said. */
static int busy_slot = -1;
static int remove_fails, read_fails;
static char removed[QUEUE_ID_SIZE], bounced_reason[400];
static int nbounced, nsaid[16];
static char dir[] = "/tmp/unit-verbs.XXXXXX";
static queue_sched S = QUEUE_SCHED_ZERO;

static int fake_busy (uint32_t slot, void *aux) { (void)aux; return (int)slot == busy_slot; }
static int fake_remove (char const *id, void *aux)
{
  (void)aux;
  if (remove_fails) { errno = EACCES; return -1; }
  memcpy(removed, id, QUEUE_ID_SIZE);
  return 0;
}
static char const *fake_bounce_read (uint32_t slot, time_t t, void *aux)
{
  (void)slot; (void)t; (void)aux;
  return read_fails ? "error: cannot open the message" : 0;
}
/* a settle that finished the message: its slot is free */
static int fake_bounce (uint32_t slot, char const *reason, time_t t, void *aux)
{
  (void)t; (void)aux;
  nbounced++;
  strcpy(bounced_reason, reason);
  return queue_sched_free(&S, slot);
}
static void fake_said (int what, char const *id, void *aux) { (void)id; (void)aux; nsaid[what]++; }
static queue_verbs_ops const ops = { &fake_busy, &fake_remove, &fake_bounce_read, &fake_bounce, &fake_said, 0 };

static void mkid (char *id, unsigned int n)
{
  size_t k = uint64_fmt(id, 1700000000 + n);
  memcpy(id + k, ".000000000.0000000042", 22);
}

static uint32_t add (char const *id, time_t key)
{
  uint32_t slot;
  queue_sched_new(&S, id, 0, &slot);
  queue_sched_push(&S, slot, key);
  return slot;
}

static char const *ask (queue_verbs *v, char const *verb, char const *id, char const *reason)
{
  queue_control c;
  memset(&c, 0, sizeof c);
  strcpy(c.verb, verb);
  if (id) memcpy(c.id, id, QUEUE_ID_SIZE);
  if (reason) strcpy(c.reason, reason);
  return queue_verbs_do(v, &c, T0);
}

static int marker (char const *name)
{
  char path[200];
  strcpy(path, dir); strcat(path, "/control/"); strcat(path, name);
  return access(path, F_OK) == 0;
}

static int held_marker (char const *id)
{
  char name[QUEUE_ID_SIZE + 6] = "held.";
  strcat(name, id);
  return marker(name);
}

/* When slot is scheduled, or -1. */
static time_t key_of (uint32_t slot)
{
  size_t i;
  for (i = 0; i < prioq_len(&S.q); i++)
    if (prioq_at(&S.q, i)->item == slot) return prioq_at(&S.q, i)->key;
  return -1;
}

/* Whether slot comes up when everything is due: what dispatch pops. */
static int comes_up (uint32_t slot)
{
  size_t i;
  queue_sched_all_due(&S, T0);
  for (i = 0; i < prioq_len(&S.q); i++)
    if (prioq_at(&S.q, i)->item == slot) return 1;
  return 0;
}

static void hold_release (queue_verbs *v)
{
  char a[QUEUE_ID_SIZE], b[QUEUE_ID_SIZE];
  uint32_t sa;
  mkid(a, 1); mkid(b, 2);
  sa = add(a, T0 + 600);
  add(b, T0 + 600);
  tap_ok(!strcmp(ask(v, "hold", a, 0), "ok: held"), "hold: ok");
  tap_ok(queue_sched_msg(&S, sa)->flags & QUEUE_SCHED_HELD && queue_sched_msg(&S, sa)->flags & QUEUE_SCHED_PARKED, "... held and out of the schedule");
  tap_ok(!comes_up(sa) && prioq_len(&S.q) == 1, "a held message does not come up for dispatch, even when everything is due");
  tap_ok(held_marker(a), "... control/held.ID kept for a restart");
  tap_is(nsaid[QUEUE_VERBS_HELD], 1, "... and said");
  tap_ok(!strcmp(ask(v, "hold", a, 0), "ok: held") && prioq_len(&S.q) == 1, "held twice: still held, not scheduled twice");
  tap_ok(!strcmp(ask(v, "release", a, 0), "ok: released"), "release: ok");
  tap_ok(key_of(sa) == T0 && !(queue_sched_msg(&S, sa)->flags & (QUEUE_SCHED_HELD | QUEUE_SCHED_PARKED)), "... the message is due at once");
  tap_ok(!held_marker(a), "... its marker gone");
  tap_ok(!strcmp(ask(v, "release", a, 0), "ok: was not held"), "release of a message not held: said so, nothing done");
  tap_is(prioq_len(&S.q), 2, "... not scheduled twice");
}

static void unknown (queue_verbs *v)
{
  char z[QUEUE_ID_SIZE];
  size_t n = S.n, q = prioq_len(&S.q);
  mkid(z, 99);
  tap_ok(!strcmp(ask(v, "remove", z, 0), "error: no such message in the queue"), "an unknown id: refused");
  tap_ok(!strcmp(ask(v, "hold", z, 0), "error: no such message in the queue") && !held_marker(z), "... a hold too, and no marker made");
  tap_ok(S.n == n && prioq_len(&S.q) == q && !removed[0], "... nothing changed");
  tap_ok(!strcmp(ask(v, "bounce", 0, 0), "error: remove and bounce need a message id"), "bounce without an id: refused");
}

static void in_flight (queue_verbs *v)
{
  char c[QUEUE_ID_SIZE];
  uint32_t sc;
  mkid(c, 3);
  sc = add(c, T0);
  queue_sched_pull(&S, sc);   /* dispatch popped it: a worker has it */
  busy_slot = (int)sc;
  tap_ok(is_busy(ask(v, "remove", c, 0)), "remove of a message in flight: answered busy");
  tap_ok(!removed[0] && queue_sched_find(&S, c) == sc, "... nothing removed, the message still known");
  tap_ok(is_busy(ask(v, "hold", c, 0)) && !queue_sched_msg(&S, sc)->flags && !held_marker(c), "hold of a message in flight: busy, not held");
  tap_ok(is_busy(ask(v, "bounce", c, 0)) && !nbounced, "bounce of it: busy, nothing bounced");
  /* the attempt ends: its settle puts the message back */
  busy_slot = -1;
  queue_sched_push(&S, sc, T0 + 60);
  tap_ok(!strcmp(ask(v, "remove", c, 0), "ok: removed"), "asked again once the attempt is over: removed");
  tap_ok(!strcmp(removed, c) && queue_sched_find(&S, c) < 0 && !comes_up(sc), "... its files went, the message is forgotten and out of the schedule");
  tap_is(nsaid[QUEUE_VERBS_REMOVED], 1, "... and said");
}

static void remove_fails_kept (queue_verbs *v)
{
  char d[QUEUE_ID_SIZE];
  uint32_t sd;
  mkid(d, 4);
  sd = add(d, T0 + 3600);
  ask(v, "hold", d, 0);
  remove_fails = 1;
  tap_ok(!strcmp(ask(v, "remove", d, 0), "error: cannot remove the message file"), "remove when the file stays: an error");
  tap_ok(queue_sched_find(&S, d) == sd && comes_up(sd) && held_marker(d), "... the message is still queued, scheduled, and its marker kept");
  tap_is(nsaid[QUEUE_VERBS_NOREMOVE], 1, "... and the failure said");
  remove_fails = 0;
  tap_ok(!strcmp(ask(v, "remove", d, 0), "ok: removed") && !held_marker(d), "removed when it can be: the held message's marker goes with it");
}

static void bounce_now (queue_verbs *v)
{
  char e[QUEUE_ID_SIZE], f[QUEUE_ID_SIZE];
  uint32_t se;
  mkid(e, 5); mkid(f, 6);
  se = add(e, T0 + 3600);
  ask(v, "hold", e, 0);
  read_fails = 1;
  tap_ok(!strcmp(ask(v, "bounce", e, 0), "error: cannot open the message") && !nbounced, "bounce of a message that cannot be read: the reason, nothing bounced");
  tap_ok(comes_up(se) && held_marker(e), "... it is scheduled again, its marker kept");
  read_fails = 0;
  ask(v, "hold", e, 0);
  tap_ok(!strcmp(ask(v, "bounce", e, 0), "ok: bounced"), "bounce of a held message: bounced");
  tap_ok(nbounced == 1 && !strcmp(bounced_reason, QUEUE_VERBS_BOUNCE_REASON), "... at once, with the default reason");
  tap_ok(!held_marker(e) && queue_sched_find(&S, e) < 0, "... its marker gone, the message settled");
  add(f, T0 + 3600);
  tap_ok(!strcmp(ask(v, "bounce", f, "5.7.1 spam") , "ok: bounced") && !strcmp(bounced_reason, "5.7.1 spam"), "bounce with a reason: that reason");
  mkid(f, 11);
  add(f, T0 + 3600);
  tap_ok(!strcmp(ask(v, "bounce", f, "5.7.1 zur\303\274ck \351t\351\177") , "ok: bounced") && !strcmp(bounced_reason, "5.7.1 zur??ck ?t??"), "an 8-bit reason: each byte outside printable ASCII as ? (log, us-ascii notification)");
}

static void whole_queue (queue_verbs *v)
{
  tap_ok(!strcmp(ask(v, "hold", 0, 0), "ok: the queue is held") && v->held && marker("hold-all"), "hold of the whole queue: held, control/hold-all made");
  tap_ok(!strcmp(ask(v, "release", 0, 0), "ok: the queue is released") && !v->held && !marker("hold-all"), "release of it: control/hold-all gone");
}

/* A restart: the holds come back from control/; a marker of a message
   no longer queued goes. */
static void restart (void)
{
  queue_verbs v = QUEUE_VERBS_ZERO, w = QUEUE_VERBS_ZERO;
  char g[QUEUE_ID_SIZE], gone[QUEUE_ID_SIZE];
  uint32_t sg;
  v.sched = &S; v.ops = &ops;
  queue_verbs_open(&v, dir);
  mkid(g, 7); mkid(gone, 8);
  sg = add(g, T0);
  add(gone, T0);
  ask(&v, "hold", g, 0);
  ask(&v, "hold", gone, 0);
  ask(&v, "hold", 0, 0);
  close(v.ctl);
  /* the new run knows g (cur/) but not gone */
  queue_sched_free(&S, (uint32_t)queue_sched_find(&S, gone));
  queue_sched_msg(&S, sg)->flags = 0;
  w.sched = &S; w.ops = &ops;
  nsaid[QUEUE_VERBS_RESTORED] = 0;
  tap_is(queue_verbs_open(&w, dir), 0, "a restart opens control/");
  tap_ok(w.held && nsaid[QUEUE_VERBS_RESTORED] == 1, "... the whole queue held again, and said");
  tap_ok(queue_sched_msg(&S, sg)->flags & QUEUE_SCHED_HELD, "... the held message held again");
  tap_ok(held_marker(g) && !held_marker(gone), "... the marker of a message no longer queued removed");
  ask(&w, "release", 0, 0);
  ask(&w, "release", g, 0);
  close(w.ctl);
}

/* Requests of one batch, in order: the second sees what the first did. */
static void batch (queue_verbs *v)
{
  char h[QUEUE_ID_SIZE], r1[QUEUE_ID_SIZE], r2[QUEUE_ID_SIZE];
  queue_control c;
  stralloc reply = STRALLOC_ZERO;
  mkid(h, 9);
  add(h, T0 + 60);
  memset(&c, 0, sizeof c);
  strcpy(c.verb, "bounce"); memcpy(c.id, h, QUEUE_ID_SIZE);
  queue_control_send(dir, &c, r1);
  strcpy(c.verb, "hold");
  queue_control_send(dir, &c, r2);
  tap_is(queue_verbs_apply(v, T0), 0, "a batch of two requests applied");
  tap_ok(queue_control_wait(dir, r1, 1, &reply) == 1 && !strcmp(reply.s, "ok: bounced"), "... the first: bounced");
  tap_ok(queue_control_wait(dir, r2, 1, &reply) == 1 && !strcmp(reply.s, "error: no such message in the queue"), "... the second, about the message the first settled: no such message");
  tap_ok(!held_marker(h), "... and no marker left for it");
  stralloc_free(&reply);
}

static void flush (queue_verbs *v)
{
  char k[QUEUE_ID_SIZE];
  uint32_t sk;
  gate g;
  unsigned int retry[1] = { 60 };
  gate_event ev;
  mkid(k, 10);
  sk = add(k, T0 + 5000);
  gate_init(&g, retry, 1, 0, 0);
  gate_result(&g, "auth", 0, T0, &ev);   /* a refused password pauses */
  v->gate = &g;
  tap_ok(gate_when(&g, T0) != 0, "the gate is paused");
  tap_is(queue_verbs_flush_trigger(v, T0), 1, "a flush from the trigger counts");
  tap_is(key_of(sk), T0, "... everything is due now");
  tap_ok(gate_when(&g, T0) != 0, "... but the pause goes on");
  queue_sched_pull(&S, sk); queue_sched_push(&S, sk, T0 + 5000);
  tap_is(queue_verbs_flush_trigger(v, T0 + 59), 0, "another within the minute: ignored");
  tap_is(key_of(sk), T0 + 5000, "... nothing made due");
  tap_is(queue_verbs_flush_trigger(v, T0 + 60), 1, "a minute later: counts");
  queue_verbs_flush(v, 1, T0 + 60);
  tap_ok(!gate_when(&g, T0 + 60), "SIGALRM's flush opens the gate");
  v->gate = 0;
  gate_free(&g);
}

int main (void)
{
  queue_verbs v = QUEUE_VERBS_ZERO;
  tap_plan(53);
  if (!mkdtemp(dir)) return 111;
  v.sched = &S; v.ops = &ops;
  tap_is(queue_verbs_open(&v, dir), 0, "control/ opened (made)");
  tap_ok(!v.held, "... the queue not held");
  hold_release(&v);
  unknown(&v);
  in_flight(&v);
  remove_fails_kept(&v);
  bounce_now(&v);
  whole_queue(&v);
  batch(&v);
  restart();
  flush(&v);
  {
    char cmd[100];
    strcpy(cmd, "rm -rf "); strcat(cmd, dir);
    if (system(cmd)) return 111;
  }
  return tap_done();
}
