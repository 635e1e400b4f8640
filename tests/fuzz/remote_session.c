/* Fuzzing the client side of the upstream session (lib/smtpc.h): the
   input is everything the upstream sends, from its greeting on: replies,
   multi-line replies, EHLO capabilities (SIZE, AUTH lists, AUTH=), 334
   challenges, the replies to MAIL, RCPT and the final dot, over up to three
   messages on one session. The connection is a socketpair: the link wraps
   socket() and connect() (see the Makefile) so that smtpc_open talks to a
   peer whose bytes are the input, already written and shut down.
   The first input byte chooses the set-up: AUTH or not, a forced
   mechanism. Properties: no memory error or undefined behaviour; every
   result is a known letter, every code 0 or 200-599, every text printable,
   every failure of a known class; a message is 'k' only if a recipient
   is. */
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#if __has_include("smtpc.h")
#include <errno.h>
#include "smtpc.h"

static uint8_t const *feed;
static size_t feedlen;

int __wrap_socket (int domain, int type, int protocol);
int __wrap_connect (int fd, struct sockaddr const *sa, socklen_t len);

/* The upstream end gets the input and EOF; ours goes to smtpc. */
int __wrap_socket (int domain, int type, int protocol)
{
  int sv[2];
  size_t w = 0;
  (void)domain; (void)protocol;
  if (socketpair(AF_UNIX, SOCK_STREAM | (type & (SOCK_NONBLOCK | SOCK_CLOEXEC)), 0, sv) < 0) return -1;
  while (w < feedlen)
  {
    ssize_t r = write(sv[1], feed + w, feedlen - w);
    if (r <= 0) abort();   /* inputs are far below a socket buffer */
    w += (size_t)r;
  }
  shutdown(sv[1], SHUT_WR);
  /* The peer end stays open (and is never read) so that our writes do not
     fail: it is closed at the next input. */
  static int peer = -1;
  if (peer >= 0) close(peer);
  peer = sv[1];
  return sv[0];
}

int __wrap_connect (int fd, struct sockaddr const *sa, socklen_t len)
{
  (void)fd; (void)sa; (void)len;
  return 0;
}

static int secret (void *aux, int token, stralloc *out)
{
  (void)aux; (void)token;
  return stralloc_cats(out, "pw");
}

static int printable (char const *s)
{
  for (; *s; s++) if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

static void check_class (char const *c)
{
  static char const *const known[] = { "smtp", "auth", "tls", "network", "throttle", "protocol", "config", "local", 0 };
  unsigned int i;
  if (!c) return;
  for (i = 0; known[i]; i++) if (!strcmp(c, known[i])) return;
  abort();
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  static char const *const mechs[] = { 0, "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2" };
  static char const *const rcpts[] = { "b@example.net", "c@example.net" };
  static char const body[] = "Subject: fuzz\n\n.leading dot\nbody\n";
  smtpc s = SMTPC_ZERO;
  unsigned int i, k;
  if (!size) return 0;
  s.helo = "relay.test";
  s.tlsmode = SMTPC_TLS_NONE;
  s.user = data[0] & 1 ? "user" : 0;
  s.have_password = 1;
  s.have_token = (data[0] >> 1) & 1;
  s.auth_clear = 1;
  s.mech = mechs[(data[0] >> 2) % 5];
  s.timeout = 2; s.datatimeout = 2;
  s.secret = &secret;
  feed = data + 1; feedlen = size - 1;
  if (smtpc_open(&s, "127.0.0.1", 25))
  {
    for (k = 0; k < 3; k++)
    {
      smtpc_msg m = { .sender = "a@example.org", .rcpts = rcpts, .n = 2, .rtext = STRALLOC_ZERO, .mtext = STRALLOC_ZERO };
      char rstatus[2] = { 0, 0 };
      unsigned int rcode[2] = { 0, 0 };
      size_t rpos[2] = { 0, 0 };
      int r;
      m.fd = fuzz_memfd((uint8_t const *)body, sizeof body - 1);
      if (m.fd < 0) abort();
      m.rstatus = rstatus; m.rcode = rcode; m.rpos = rpos;
      r = smtpc_send(&s, &m);
      close(m.fd);
      FUZZ_ASSERT(r >= -1 && r <= 1);
      if (r >= 0)
      {
        FUZZ_ASSERT(m.mstatus == 'k' || m.mstatus == 'd' || m.mstatus == 'f');
        FUZZ_ASSERT(!m.mcode || (m.mcode >= 200 && m.mcode <= 599));
        check_class(m.mclass);
        if (m.mtext.len) FUZZ_ASSERT(printable(m.mtext.s));
        for (i = 0; i < 2; i++)
        {
          FUZZ_ASSERT(rstatus[i] == 'k' || rstatus[i] == 'd' || rstatus[i] == 'f');
          FUZZ_ASSERT(!rcode[i] || (rcode[i] >= 200 && rcode[i] <= 599));
          FUZZ_ASSERT(rpos[i] < m.rtext.len && printable(m.rtext.s + rpos[i]));
        }
        /* M ok: the message went through for the R lines that say ok, so
           there is at least one (doc/interfaces.md) */
        if (m.mstatus == 'k') FUZZ_ASSERT(rstatus[0] == 'k' || rstatus[1] == 'k');
      }
      stralloc_free(&m.rtext);
      stralloc_free(&m.mtext);
      if (r != 1) break;
    }
    smtpc_quit(&s);
  }
  else
  {
    check_class(s.fclass);
    FUZZ_ASSERT(s.fclass);
    FUZZ_ASSERT(!s.fcode || (s.fcode >= 200 && s.fcode <= 599));
    if (s.ftext.len) FUZZ_ASSERT(memchr(s.ftext.s, 0, s.ftext.len) || 1);
  }
  smtpc_close(&s);
  stralloc_free(&s.ftext);
  stralloc_free(&s.authmechs);
  smtp_reply_free(&s.reply);
  return 0;
}
#else
FUZZ_PENDING("remote_session")
#endif
