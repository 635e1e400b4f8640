/* Unit tests for lib/smtpd_session: DATA's refusals and failures come
   back as replies and results, never as an exit: the size limit, bare
   LFs, a sink that refuses or cannot start, a write error, a client that
   stops reading. */
#include <signal.h>
#include <sys/wait.h>
#include "smtpd_peer.h"
#include "tap.h"

/* A session with a sender and a recipient, ready for DATA. */
static void ready (peer *p, int relay)
{
  peer_conf(&p->cf);
  p->cf.relayclient = relay;
  p->cf.auth_clear = 1;
  p->cf.authfile = peer_authfile();
  p->limit = 1000;
  peer_start(p);
  peer_cmd(p, "EHLO client.test");
  if (!relay) peer_cmd(p, "AUTH PLAIN AHVzZXIAc2VjcmV0");
  peer_cmd(p, "MAIL FROM:<a@example.org>");
  peer_cmd(p, "RCPT TO:<b@example.org>");
}

static void test_refusals (void)
{
  peer p;
  char big[1200];
  ready(&p, 1);
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  peer_send(&p, "DATA\r\nSubject: big\r\n\r\n");
  peer_send(&p, big);
  peer_send(&p, "\r\n.\r\n");
  tap_is(peer_step(&p), SMTPD_SESSION_NEXT, "a message over the limit: the session goes on");
  tap_ok(strstr(p.reply, "\r\n552 5.3.4 message too big: the limit is 1000 octets\r\n") && p.aborted == 1 && !p.committed,
         "552, the sink aborted");
  tap_ok(strstr(p.log.s, "refused a message over 1000 octets") != 0, "logged");
  peer_stop(&p);

  /* an AUTH client is not on the LAN: no normalizing under the default */
  ready(&p, 0);
  peer_send(&p, "DATA\r\nSubject: lf\nx\r\n.\r\n");
  peer_step(&p);
  tap_ok(strstr(p.reply, "\r\n554 5.6.0 message refused: bare CR, bare LF") && p.aborted == 1, "a bare LF from an AUTH client: 554");
  peer_stop(&p);

  ready(&p, 1);
  peer_send(&p, "DATA\r\nSubject: lf\nx\r\n.\r\n");
  peer_step(&p);
  tap_ok(strstr(p.reply, "\r\n250 2.0.0 Ok: queued as ") && strstr(p.log.s, ": normalized "), "from a relay client: normalized, queued");
  peer_stop(&p);
}

static void test_sink (void)
{
  peer p;
  ready(&p, 1);
  p.open_ret = W_EXITCODE(31, 0);
  peer_cmd(&p, "DATA");
  tap_ok(peer_got(&p, "554 ") && peer_finals(&p) == 1 && !p.s.inmail, "the sink refuses at open: its verdict, no 354, the envelope gone");
  peer_stop(&p);

  ready(&p, 1);
  p.open_ret = -1;
  peer_cmd(&p, "DATA");
  tap_ok(peer_got(&p, "451 4.3.0 unable to start the injector") && strstr(p.log.s, "start the injector for 192.0.2.1"),
         "the sink cannot start: 451, logged");
  peer_stop(&p);

  ready(&p, 1);
  p.write_err = ENOSPC;
  p.abort_ret = W_EXITCODE(53, 0);
  peer_send(&p, "DATA\r\nSubject: t\r\n\r\nx\r\n.\r\n");
  tap_is(peer_step(&p), SMTPD_SESSION_NEXT, "a write error: the session goes on");
  tap_ok(strstr(p.reply, "\r\n451 4.3.0 the queue cannot write: disk full") && p.aborted == 1 && !p.committed, "the verdict the sink gives (a full disk: 451), nothing committed");
  peer_stop(&p);
}

static void test_gone (void)
{
  peer p;
  char line[] = "NOOP";
  ready(&p, 1);
  close(p.fd);
  p.fd = -1;
  /* every reply written at once, as when the buffer is full */
  netio_autoflush(&p.io, 1);
  tap_is(smtpd_session_command(&p.s, line, 4), SMTPD_SESSION_IOERR, "the client gone: the reply fails, an error returned, no exit");
  tap_is(smtpd_session_step(&p.s), SMTPD_SESSION_IOERR, "and the next step returns it again without reading");
  peer_stop(&p);
}

int main (void)
{
  signal(SIGPIPE, SIG_IGN);
  tap_plan(11);
  test_refusals();
  test_sink();
  test_gone();
  return tap_done();
}
