/* smarthost-control: asks smarthost-send to hold, release, remove or
   bounce a message, or to hold or release the whole queue. The request is
   a file in the spool's control/ (queue/queue_control.h), applied by the
   scheduler itself, in order, so nothing edits cur/ or state/ behind its
   back; this program waits for the answer. Root or the send user only:
   control/ is the send user's, 0700. */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>

#include "queue.h"
#include "queue_control.h"

#define USAGE "smarthost-control [ -t secs ] DIR hold|release [ ID ] | DIR remove ID | DIR bounce ID [ REASON ]"
#define dieusage() strerr_dieusage(100, USAGE)
#define BUSY "error: the message is being delivered right now"

static void request_make (queue_control *c, int argc, char const *const *argv)
{
  size_t n = strlen(argv[1]);
  memset(c, 0, sizeof *c);
  if (n >= sizeof c->verb) dieusage();
  memcpy(c->verb, argv[1], n + 1);
  if (argc > 2)
  {
    if (!queue_id_valid(argv[2])) strerr_dief(100, "not a message id: ", argv[2]);
    memcpy(c->id, argv[2], QUEUE_ID_SIZE);
  }
  if (argc > 3)
  {
    size_t i, m = strlen(argv[3]);
    if (strcmp(c->verb, "bounce") || argc > 4) dieusage();
    if (m > QUEUE_CONTROL_REASON_MAX) strerr_dief(100, "the reason is longer than 300 characters");
    for (i = 0; i < m; i++)
      if ((unsigned char)argv[3][i] < 32 || argv[3][i] == 127) strerr_dief(100, "the reason must be one line of text");
    memcpy(c->reason, argv[3], m + 1);
  }
  if (!strcmp(c->verb, "hold") || !strcmp(c->verb, "release")) { if (argc > 3) dieusage(); }
  else if (!strcmp(c->verb, "remove") || !strcmp(c->verb, "bounce")) { if (argc < 3) dieusage(); }
  else dieusage();
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  unsigned int secs = 30, tries;
  stralloc q = STRALLOC_ZERO, reply = STRALLOC_ZERO;
  queue_control c;
  PROG = "smarthost-control";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "t:", &l);
    if (opt == -1) break;
    if (opt == 't') { if (!uint0_scan(l.arg, &secs) || !secs) dieusage(); }
    else dieusage();
  }
  argc -= l.ind; argv += l.ind;
  if (argc < 2) dieusage();
  request_make(&c, argc, argv);
  if (!queue_spool_of(&q, argv[0])) strerr_diefu(111, "allocate");
  /* a message in flight is answered "busy": asked again, once a second, within the time given */
  for (tries = 0; tries < secs; tries++)
  {
    char reqid[QUEUE_ID_SIZE];
    int r;
    if (queue_control_send(q.s, &c, reqid) < 0) strerr_diefusys(111, "write a request into ", q.s, "/control");
    r = queue_control_wait(q.s, reqid, secs, &reply);
    if (r < 0) strerr_diefusys(111, "read the answer in ", q.s, "/control");
    if (!r) strerr_dief(111, "smarthost-send did not answer within the time given: is it running? (the request was withdrawn)");
    if (strncmp(reply.s, BUSY, sizeof BUSY - 1)) break;
    sleep(1);
  }
  if (!strncmp(reply.s, "ok", 2))
  {
    strerr_warni(reply.s);
    return 0;
  }
  strerr_dief(100, reply.s + (strncmp(reply.s, "error: ", 7) ? 0 : 7));
}
