/* Unit test for lib/smtpd_session: an invariant over many random command
   sequences (a fixed seed, so a failure repeats). Whatever the order, the
   session does not crash, every command gets exactly one reply (DATA
   accepted: 354 and one more), every reply is well formed, a message is
   only begun with a sender and a recipient, and after RSET the envelope
   is empty. */
#include "smtpd_peer.h"
#include "tap.h"

#define SESSIONS 200
#define COMMANDS 60

static char const *const cmds[] =
{
  "EHLO client.test", "HELO client.test", "EHLO", "MAIL FROM:<a@example.org>",
  "MAIL FROM:<> SIZE=100 BODY=8BITMIME", "MAIL FROM:<a@example.org> SIZE=99999999",
  "MAIL FROM:<a@example.org> RET=FULL ENVID=e1", "MAIL FROM:<bad", "MAIL FROM:<\xc3\xa9@example.org> SMTPUTF8",
  "RCPT TO:<b@example.org>", "RCPT TO:<c@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;c@example.org",
  "RCPT TO:<local>", "RCPT TO:<b@example.org> NOTIFY=NEVER,SUCCESS", "RCPT TO:<\xc3\xa9@example.org>",
  "DATA\r\nSubject: r\r\n\r\nbody\r\n.", "DATA x", "RSET", "RSET x", "NOOP", "VRFY b", "VRFY", "HELP",
  "EXPN x", "BOGUS", "STARTTLS", "AUTH PLAIN AHVzZXIAc2VjcmV0", "AUTH PLAIN AHVzZXIAd3Jvbmc=",
  "AUTH LOGIN dXNlcg==\r\nc2VjcmV0", "AUTH CRAM-MD5", "AUTH PLAIN =",
};
#define NCMDS (sizeof cmds / sizeof *cmds)

/* One random session; 1 if every step kept the invariants. */
static int one_session (unsigned int *seed, unsigned int *replies, unsigned int *resets, unsigned int *queued)
{
  peer p;
  int i, ok = 1;
  peer_conf(&p.cf);
  p.cf.maxerrors = 100000;
  p.cf.maxrcpt = 3;
  p.cf.relayclient = rand_r(seed) & 1;
  p.cf.auth_clear = 1;
  p.cf.authfile = peer_authfile();
  p.limit = 1000;
  peer_start(&p);
  for (i = 0; i < COMMANDS && ok; i++)
  {
    char const *c = cmds[rand_r(seed) % NCMDS];
    int isrset = !strcmp(c, "RSET");
    int isdata = !strncmp(c, "DATA\r\n", 6);
    int mail = p.s.inmail, nrcpt = p.s.nrcpt;
    unsigned int opened = p.opened;
    int r, n;
    peer_send(&p, c);
    peer_send(&p, "\r\n");
    r = peer_step(&p);
    n = peer_finals(&p);
    if (r != SMTPD_SESSION_NEXT) { printf("# step %d (%s): %d\n", i, c, r); ok = 0; break; }
    /* DATA accepted reads its message in the same step: 354 and the verdict */
    if (isdata && !strncmp(p.reply, "354 ", 4)) ok = n == 2 && p.opened == opened + 1 && mail && nrcpt > 0;
    else if (!strncmp(c, "AUTH LOGIN dXNlcg==", 19) && !strncmp(p.reply, "334 ", 4)) ok = n == 2;
    else ok = n == 1;
    if (isdata && strncmp(p.reply, "354 ", 4))
    {
      /* refused: the message's lines come as commands, one reply each */
      int k;
      for (k = 0; k < 4 && ok; k++) ok = peer_step(&p) == SMTPD_SESSION_NEXT && peer_finals(&p) == 1;
    }
    if (!strncmp(c, "AUTH LOGIN dXNlcg==", 19) && strncmp(p.reply, "334 ", 4))
      ok = ok && peer_step(&p) == SMTPD_SESSION_NEXT && peer_finals(&p) == 1;   /* the password line as a command */
    if (!ok) { printf("# step %d (%s): %d replies: %s", i, c, n, p.reply); break; }
    *replies += 1;
    if (isrset)
    {
      ok = !p.s.inmail && !p.s.nrcpt && !p.s.sender.len && !p.s.rcpts.len && !p.s.rdsn.len;
      *resets += 1;
    }
    ok = ok && p.s.nrcpt <= 3 && (p.s.inmail || !p.s.nrcpt);
  }
  *queued += p.committed;
  peer_stop(&p);
  return ok;
}

int main (void)
{
  unsigned int seed = 20261130, replies = 0, resets = 0, queued = 0, i, bad = 0;
  tap_plan(3);
  for (i = 0; i < SESSIONS && !bad; i++) bad += !one_session(&seed, &replies, &resets, &queued);
  tap_ok(!bad, "every command of every random session: one well-formed reply, the state consistent");
  tap_ok(resets > 100 && !bad, "after every RSET the envelope is empty");
  tap_ok(queued > 10, "some sequences got a message through");
  printf("# %u sessions, %u commands, %u RSET, %u messages\n", i, replies, resets, queued);
  return tap_done();
}
