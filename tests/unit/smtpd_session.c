/* Unit tests for lib/smtpd_session: the smtpd's state machine, driven by
   a scripted client (tests/unit/smtpd_peer.h): commands out of order are
   refused, MAIL SIZE over the limit, the envelope after RSET, a message
   through the sink, too many errors, QUIT and the end of input. */
#include "smtpd_peer.h"
#include "tap.h"

static void test_order (void)
{
  peer p;
  peer_conf(&p.cf);
  peer_start(&p);
  tap_ok(!strcmp(p.reply, "220 relay.test ESMTP smarthost\r\n"), "the greeting");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  tap_ok(peer_got(&p, "503 5.5.1 send HELO or EHLO first"), "MAIL before HELO: 503");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  tap_ok(peer_got(&p, "503 5.5.1 send MAIL first"), "RCPT before MAIL: 503");
  peer_cmd(&p, "DATA");
  tap_ok(peer_got(&p, "503 5.5.1 send MAIL first"), "DATA before MAIL: 503");
  peer_cmd(&p, "HELO client.test");
  tap_ok(!strcmp(p.reply, "250 relay.test\r\n"), "HELO: 250 without an enhanced code");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  tap_ok(peer_got(&p, "250 2.1.0 "), "MAIL after HELO: 250");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  tap_ok(peer_got(&p, "503 5.5.1 nested MAIL"), "MAIL twice: 503");
  peer_cmd(&p, "DATA");
  tap_ok(peer_got(&p, "503 5.5.1 send RCPT first"), "DATA before RCPT: 503");
  tap_is(p.opened, 0, "no message begun");
  tap_is(p.s.errors, 5, "each refusal counted");
  peer_stop(&p);
}

static void test_size (void)
{
  peer p;
  peer_conf(&p.cf);
  p.limit = 1000;
  peer_start(&p);
  peer_cmd(&p, "EHLO client.test");
  tap_ok(strstr(p.reply, "250-SIZE 1000\r\n") && peer_finals(&p) == 1, "EHLO: SIZE is the limit, one reply");
  peer_cmd(&p, "MAIL FROM:<a@example.org> SIZE=1001");
  tap_ok(peer_got(&p, "552 5.3.4 "), "SIZE over the limit: 552");
  tap_ok(!p.s.inmail, "and no transaction");
  peer_cmd(&p, "MAIL FROM:<a@example.org> SIZE=99999999999999999999999");
  tap_ok(peer_got(&p, "552 5.3.4 "), "SIZE past 64 bits: 552");
  peer_cmd(&p, "MAIL FROM:<a@example.org> SIZE=1x");
  tap_ok(peer_got(&p, "501 5.5.4 bad SIZE"), "SIZE not a number: 501");
  peer_cmd(&p, "MAIL FROM:<a@example.org> BODY=9BIT");
  tap_ok(peer_got(&p, "501 5.5.4 bad BODY"), "BODY unknown: 501");
  peer_cmd(&p, "MAIL FROM:<a@example.org> FOO=1");
  tap_ok(peer_got(&p, "555 5.5.4 "), "an unknown parameter: 555");
  peer_cmd(&p, "MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=x");
  tap_ok(peer_got(&p, "250 ") && p.s.inmail && p.s.utf8mail, "SIZE at the limit, BODY, SMTPUTF8, RET, ENVID: 250");
  tap_ok(!strcmp(p.s.mdsn.s, "RET=HDRS ENVID=x") || strstr(p.s.mdsn.s, "HDRS"), "RET and ENVID kept for the spool");
  peer_stop(&p);
}

static void test_rcpt (void)
{
  peer p;
  unsigned int i;
  peer_conf(&p.cf);
  p.cf.maxrcpt = 3;
  peer_start(&p);
  peer_cmd(&p, "EHLO client.test");
  peer_cmd(&p, "MAIL FROM:<>");
  peer_cmd(&p, "RCPT TO:<postmaster>");
  tap_ok(peer_got(&p, "550 5.1.3 "), "a local part only: 550");
  peer_cmd(&p, "RCPT TO:<b@example.org> NOTIFY=NEVER");
  tap_ok(peer_got(&p, "250 2.1.5 Ok\r\n"), "RCPT with NOTIFY: 250");
  peer_cmd(&p, "RCPT TO:<b@EXAMPLE.org>");
  tap_ok(peer_got(&p, "250 2.1.5 Ok (duplicate"), "the same mailbox again: 250, stored once");
  for (i = 0; i < 2; i++) { char c[64]; sprintf(c, "RCPT TO:<r%u@example.org>", i); peer_cmd(&p, c); }
  peer_cmd(&p, "RCPT TO:<over@example.org>");
  tap_ok(peer_got(&p, "452 4.5.3 "), "past SMTPD_MAXRCPT: 452");
  tap_is(p.s.nrcpt, 3, "three recipients kept");
  peer_cmd(&p, "RSET");
  tap_ok(peer_got(&p, "250 2.0.0 Ok"), "RSET: 250");
  tap_ok(!p.s.inmail && !p.s.nrcpt && !p.s.rcpts.len && !p.s.sender.len && !p.s.rdsn.len, "after RSET the envelope is empty");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  tap_ok(peer_got(&p, "503 "), "and RCPT needs MAIL again");
  peer_stop(&p);

  peer_conf(&p.cf);
  p.cf.relayclient = 0;
  peer_start(&p);
  peer_cmd(&p, "EHLO client.test");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  tap_ok(peer_got(&p, "550 5.7.1 relaying denied"), "no relay rights: 550");
  tap_ok(p.log.len && strstr(p.log.s, "192.0.2.1: relaying denied to <b@example.org>"), "and the log says so");
  peer_stop(&p);
}

static void test_data (void)
{
  peer p;
  peer_conf(&p.cf);
  peer_start(&p);
  peer_cmd(&p, "EHLO client.test");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  peer_send(&p, "DATA\r\nSubject: t\r\n\r\nbody\r\n..dot\r\n.\r\n");
  tap_is(peer_step(&p), SMTPD_SESSION_NEXT, "DATA: the step goes on");
  tap_ok(!strncmp(p.reply, "354 ", 4) && strstr(p.reply, "\r\n250 2.0.0 Ok: queued as ") && peer_finals(&p) == 2,
         "354, then 250 queued");
  tap_ok(p.opened == 1 && p.committed == 1 && !p.aborted, "the sink opened and committed once");
  tap_ok(p.msg.len && !strncmp(p.msg.s, "Received: from client.test ([192.0.2.1])\n\tby relay.test (smarthost) with ESMTP\n", 79),
         "the Received header first");
  tap_ok(strstr(p.msg.s, "\nSubject: t\nDate: ") && strstr(p.msg.s, "\nMessage-ID: <") && strstr(p.msg.s, "\n\nbody\n.dot\n"),
         "Date: and Message-ID: added, LF line ends, the dot unstuffed");
  tap_ok(!p.s.inmail && !p.s.nrcpt, "the envelope is empty after DATA");
  tap_ok(p.log.len && strstr(p.log.s, ": queued ") && strstr(p.log.s, " helo client.test from <a@example.org> size "), "the log line");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  peer_send(&p, "DATA\r\nSubject: t\r\n");
  shutdown(p.fd, SHUT_WR);
  tap_is(peer_step(&p), SMTPD_SESSION_GONE_DATA, "the client gone in DATA");
  tap_ok(p.aborted == 1 && p.committed == 1, "the sink aborted: nothing queued");
  peer_stop(&p);
}

static void test_auth (void)
{
  peer p;
  peer_conf(&p.cf);
  p.cf.relayclient = 0;
  p.cf.authfile = peer_authfile();
  peer_start(&p);
  peer_cmd(&p, "AUTH PLAIN AHVzZXIAc2VjcmV0");
  tap_ok(peer_got(&p, "538 5.7.11 "), "AUTH in clear without SMTPD_AUTH_CLEAR: 538");
  peer_stop(&p);

  peer_conf(&p.cf);
  p.cf.relayclient = 0;
  p.cf.authfile = peer_authfile();
  p.cf.auth_clear = 1;
  peer_start(&p);
  peer_cmd(&p, "HELO client.test");
  peer_cmd(&p, "AUTH PLAIN AHVzZXIAc2VjcmV0");
  tap_ok(peer_got(&p, "503 5.5.1 send EHLO first"), "AUTH after HELO: 503");
  peer_cmd(&p, "EHLO client.test");
  tap_ok(strstr(p.reply, "250-AUTH PLAIN LOGIN\r\n") != 0, "EHLO offers AUTH");
  peer_cmd(&p, "AUTH PLAIN AHVzZXIAd3Jvbmc=");
  tap_ok(peer_got(&p, "535 5.7.8 "), "a wrong password: 535");
  tap_ok(strstr(p.log.s, "AUTH PLAIN failed for user") != 0, "logged with the user's name");
  peer_send(&p, "AUTH LOGIN dXNlcg==\r\nc2VjcmV0\r\n");
  peer_step(&p);
  tap_ok(!strncmp(p.reply, "334 UGFzc3dvcmQ6\r\n235 2.7.0 ", 28) && p.s.authuser.len == 4 && !memcmp(p.s.authuser.s, "user", 4),
         "AUTH LOGIN with the user: asks the password, then 235");
  tap_ok(strstr(p.log.s, "AUTH LOGIN ok for user") != 0, "logged");
  peer_cmd(&p, "AUTH PLAIN AHVzZXIAc2VjcmV0");
  tap_ok(peer_got(&p, "503 5.5.1 already authenticated"), "AUTH twice: 503");
  peer_cmd(&p, "MAIL FROM:<a@example.org>");
  peer_cmd(&p, "RCPT TO:<b@example.org>");
  tap_ok(peer_got(&p, "250 "), "authenticated: may relay");
  peer_stop(&p);

  peer_conf(&p.cf);
  p.cf.authfile = peer_authfile();
  p.cf.auth_clear = 1;
  peer_start(&p);
  peer_cmd(&p, "EHLO client.test");
  peer_send(&p, "AUTH PLAIN\r\n*\r\n");
  peer_step(&p);
  tap_ok(!strncmp(p.reply, "334 \r\n501 5.7.0 ", 16) && peer_finals(&p) == 2, "AUTH PLAIN without a response: 334; cancelled with *: 501");
  peer_send(&p, "AUTH LOGIN\r\n");
  shutdown(p.fd, SHUT_WR);
  tap_is(peer_step(&p), SMTPD_SESSION_GONE_AUTH, "the client gone in AUTH");
  peer_stop(&p);
}

static void test_end (void)
{
  peer p;
  int i, r = 0;
  peer_conf(&p.cf);
  p.cf.maxerrors = 3;
  peer_start(&p);
  for (i = 0; i < 3 && !r; i++)
  {
    peer_send(&p, "BOGUS\r\n");
    r = peer_step(&p);
  }
  tap_ok(r == SMTPD_SESSION_END && i == 3 && strstr(p.reply, "500 5.5.2 unrecognized command\r\n421 4.7.0 too many errors"),
         "the third error: 421 and the end");
  tap_ok(strstr(p.log.s, "too many errors") != 0, "logged");
  peer_stop(&p);

  peer_conf(&p.cf);
  peer_start(&p);
  peer_send(&p, "QUIT\r\n");
  tap_ok(peer_step(&p) == SMTPD_SESSION_END && !strcmp(p.reply, "221 2.0.0 relay.test closing connection\r\n"), "QUIT: 221, the end");
  peer_stop(&p);

  peer_conf(&p.cf);
  p.cf.starttls = 1;
  peer_start(&p);
  peer_send(&p, "STARTTLS\r\n");
  tap_ok(peer_step(&p) == SMTPD_SESSION_STARTTLS && !p.rlen, "STARTTLS: handed to the caller, no reply yet");
  smtpd_session_tls(&p.s, "TLSv1.3 X");
  peer_cmd(&p, "EHLO client.test");
  tap_ok(!strstr(p.reply, "STARTTLS") && !strcmp(p.s.tlsinfo, "TLSv1.3 X"), "inside TLS, STARTTLS is no longer offered");
  shutdown(p.fd, SHUT_WR);
  tap_is(peer_step(&p), SMTPD_SESSION_END, "the end of input: the end");
  peer_stop(&p);
}

int main (void)
{
  tap_plan(55);
  test_order();
  test_size();
  test_rcpt();
  test_data();
  test_auth();
  test_end();
  return tap_done();
}
