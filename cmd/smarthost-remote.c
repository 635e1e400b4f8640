/* smarthost-remote: SMTP client to the upstream smarthost: TLS, AUTH,
   several messages per session, per-recipient results (qmail-remote's
   RESULTS are the model; the protocol is in doc/interfaces.md). */

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <skalibs/buffer.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/tai.h>
#include <skalibs/types.h>
#include <tls.h>
#include "addr.h"
#include "envnum.h"
#include "heloname.h"
#include "job.h"
#include "auth_client.h"
#include "netio.h"
#include "printable.h"
#include "queue.h"
#include "queue_upsize.h"
#include "route.h"
#include "smtpc.h"
#include "smtputf8.h"
#include "tlsio_client.h"

#define USAGE "smarthost-remote [ -v ] -w | --check | --probe-size | -f sender rcpt..."
#define dieusage() strerr_dieusage(100, USAGE)

#define SECRET_MAX 16384

/* The configuration, from the environment. */
static char const *cf_upstream;
static char const *cf_passfile;
static char const *cf_tokencmd;
static char const *cf_tokenfile;      /* UPSTREAM_TOKENFILE: a token kept fresh by someone else */
static char const *cf_rewrite;        /* UPSTREAM_REWRITE: the account's address (a route's) */
static char const *cf_route;          /* UPSTREAM_ROUTE: set by smarthost-send for a route */
static char const *cf_queue;
static char const *cf_error;          /* why the configuration cannot work */
static char const *cf_errclass = "config";
static unsigned int cf_maxmsgs = 100;
static unsigned int cf_idle = 30;
static int verbose;
static int checkmode;
static int probemode;  /* --probe-size */
static int token_used;                /* this login used a token from UPSTREAM_TOKENCMD */
static int token_fresh;               /* ask it for a new token, not a cached one */
static struct tls_config *tlscfg;
static unsigned long size_written = (unsigned long)-1;

static smtpc S = SMTPC_ZERO;

/* --- configuration ---------------------------------------------------- */

/* A numeric setting (lib/envnum.h); dies 100 on garbage. */
static void conf_tls (void)
{
  stralloc err = STRALLOC_ZERO;
  tlscfg = tlsio_client_config(getenv("UPSTREAM_CAFILE"), getenv("UPSTREAM_CERTFILE"), getenv("UPSTREAM_KEYFILE"), &err);
  if (!tlscfg)
  {
    if (!stralloc_0(&err)) strerr_diefu1sys(111, "allocate");
    /* our own files (CA, client certificate, key): a configuration to
       fix, whatever the upstream does */
    cf_error = err.s;
  }
}

static void conf_read (void)
{
  char const *x = getenv("UPSTREAM_TLS");
  char const *bad = 0;
  cf_upstream = getenv("UPSTREAM");
  cf_queue = getenv("QUEUE");
  S.user = getenv("UPSTREAM_USER");
  if (S.user && !*S.user) S.user = 0;
  cf_passfile = getenv("UPSTREAM_PASSFILE");
  cf_tokencmd = getenv("UPSTREAM_TOKENCMD");
  cf_tokenfile = getenv("UPSTREAM_TOKENFILE");
  cf_rewrite = getenv("UPSTREAM_REWRITE");
  cf_route = getenv("UPSTREAM_ROUTE");
  if (cf_passfile && !*cf_passfile) cf_passfile = 0;
  if (cf_tokencmd && !*cf_tokencmd) cf_tokencmd = 0;
  if (cf_tokenfile && !*cf_tokenfile) cf_tokenfile = 0;
  if (cf_rewrite && !*cf_rewrite) cf_rewrite = 0;
  if (cf_route && !*cf_route) cf_route = 0;
  S.have_password = !!cf_passfile;
  S.have_token = cf_tokencmd || cf_tokenfile;
  S.mech = getenv("UPSTREAM_MECH");
  if (S.mech && !*S.mech) S.mech = 0;
  x = getenv("UPSTREAM_AUTH_CLEAR");
  S.auth_clear = x && !strcmp(x, "1");
  S.helo = heloname_get();
  S.timeout = envnum_get("UPSTREAM_TIMEOUT", 60, ENVNUM_SECONDS_MAX, &bad);
  if (!S.timeout) S.timeout = 1;
  S.datatimeout = envnum_get("UPSTREAM_DATATIMEOUT", 600, ENVNUM_SECONDS_MAX, &bad);
  if (!S.datatimeout) S.datatimeout = 1;
  cf_maxmsgs = envnum_get("UPSTREAM_MAXMSGS", 100, UINT_MAX, &bad);
  if (!cf_maxmsgs) cf_maxmsgs = 1;
  cf_idle = envnum_get("UPSTREAM_IDLE", 30, ENVNUM_SECONDS_MAX, &bad);
  if (bad) strerr_dief(100, "invalid ", bad, ": ", getenv(bad));
  x = getenv("UPSTREAM_TLS");
  if (!x || !*x || !strcmp(x, "starttls")) S.tlsmode = SMTPC_TLS_STARTTLS;
  else if (!strcmp(x, "tls")) S.tlsmode = SMTPC_TLS_IMPLICIT;
  else if (!strcmp(x, "none")) S.tlsmode = SMTPC_TLS_NONE;
  else { cf_error = "UPSTREAM_TLS must be starttls, tls or none"; return; }
  if (!cf_upstream || !*cf_upstream) { cf_error = "UPSTREAM is not set"; return; }
  if (S.mech && auth_mech_parse(S.mech) == AUTH_NONE) { cf_error = "UPSTREAM_MECH names no known mechanism"; return; }
  if (cf_rewrite && !route_rewrite_ok(cf_rewrite)) { cf_error = "UPSTREAM_REWRITE is not a usable address"; return; }
  if (cf_tokencmd && cf_tokenfile) { cf_error = "UPSTREAM_TOKENCMD and UPSTREAM_TOKENFILE are both set"; return; }
  /* Credentials half-configured must never mean "send without AUTH". */
  if (!S.user && (cf_passfile || cf_tokencmd || cf_tokenfile)) { cf_error = "UPSTREAM_PASSFILE or UPSTREAM_TOKENCMD is set without UPSTREAM_USER"; return; }
  if (S.user && !cf_passfile && !cf_tokencmd && !cf_tokenfile)
  {
    cf_error = "UPSTREAM_USER is set without UPSTREAM_PASSFILE or UPSTREAM_TOKENCMD";
    cf_errclass = "auth";
    return;
  }
  if (S.user && S.tlsmode == SMTPC_TLS_NONE && !S.auth_clear)
  {
    cf_error = "UPSTREAM_TLS=none with credentials needs UPSTREAM_AUTH_CLEAR=1";
    return;
  }
  if (S.tlsmode != SMTPC_TLS_NONE) conf_tls();
  S.tlscfg = tlscfg;
}

/* --- secrets ------------------------------------------------------------ */

static void chomp (stralloc *sa)
{
  while (sa->len && (sa->s[sa->len - 1] == '\n' || sa->s[sa->len - 1] == '\r')) sa->len--;
}

/* A secret from a file (UPSTREAM_PASSFILE, UPSTREAM_TOKENFILE): its
   content without its final line end, or for a token its first line.
   name is the setting, for the failure's text. */
static int secret_file (char const *file, char const *name, int firstline, stralloc *out)
{
  char buf[SECRET_MAX];
  ssize_t r;
  struct stat st;
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
  {
    smtpc_fail(&S, "config", 0, "unable to open ", 15);
    if (stralloc_cats(&S.ftext, name) && stralloc_cats(&S.ftext, ": ")) stralloc_cats(&S.ftext, strerror(errno));
    S.fperm = 1;
    return 0;
  }
  /* doc/design.md: readable by the user that runs us alone. Any access for the group is
     refused as for others: the instance's group holds the smtpd user and
     every local sender, who must never see the ISP password. */
  if (fstat(fd, &st) < 0 || (st.st_mode & 077))
  {
    close(fd);
    smtpc_fail(&S, "config", 0, name, strlen(name));
    if (stralloc_cats(&S.ftext, " ") && printable_cat(&S.ftext, file, strlen(file)))
      stralloc_cats(&S.ftext, " is readable by its group or others: chmod 600 it (owner: the user that runs smarthost-send)");
    S.fperm = 1;
    return 0;
  }
  r = read(fd, buf, sizeof buf);
  close(fd);
  if (r < 0 || (size_t)r == sizeof buf || !stralloc_catb(out, buf, r > 0 ? r : 0))
  {
    explicit_bzero(buf, sizeof buf);
    smtpc_fail(&S, "config", 0, "unable to read ", 15);
    stralloc_cats(&S.ftext, name);
    S.fperm = 1;
    return 0;
  }
  explicit_bzero(buf, sizeof buf);
  /* a token file may say more after its first line (an expiry) */
  if (firstline)
  {
    char *nl = memchr(out->s, '\n', out->len);
    if (nl) out->len = nl - out->s;
  }
  chomp(out);
  if (!out->len) { smtpc_fail(&S, "config", 0, name, strlen(name)); stralloc_cats(&S.ftext, " is empty"); S.fperm = 1; return 0; }
  return 1;
}

/* Waits for the token command until the deadline, then kills it: one
   that printed a token and hangs must not hang the worker. 1 if it
   exited 0. */
static int token_reap (pid_t pid, tain const *deadline)
{
  int wstat;
  for (;;)
  {
    pid_t r = waitpid(pid, &wstat, WNOHANG);
    if (r == pid) return WIFEXITED(wstat) && !WEXITSTATUS(wstat);
    if (r < 0 && errno != EINTR) return 0;
    tain_now_g();
    if (!tain_less(&STAMP, deadline)) break;
    {
      struct timespec ts = { 0, 10000000 };
      nanosleep(&ts, 0);
    }
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &wstat, 0) < 0 && errno == EINTR) ;
  return 0;
}

/* The last line the token command wrote on stderr (in the file fd), made
   printable: its reason, for the pause line. Empty when it said nothing. */
static void token_reason (int fd, stralloc *why)
{
  char buf[1024];
  ssize_t r;
  size_t end, start;
  off_t size = lseek(fd, 0, SEEK_END);
  why->len = 0;
  if (size <= 0) return;
  r = pread(fd, buf, sizeof buf, size > (off_t)sizeof buf ? size - (off_t)sizeof buf : 0);
  if (r <= 0) return;
  end = r;
  while (end && (buf[end - 1] == '\n' || buf[end - 1] == '\r')) end--;
  start = end;
  while (start && buf[start - 1] != '\n') start--;
  if (stralloc_cats(why, ": ")) printable_cat(why, buf + start, end - start);
}

static void token_fail (int errfd)
{
  static char const what[] = "UPSTREAM_TOKENCMD failed or printed no token";
  stralloc why = STRALLOC_ZERO;
  if (errfd >= 0) token_reason(errfd, &why);
  /* class auth: no token is no login, and the scheduler pauses the queue
     and says what to fix, as for a 535 */
  smtpc_fail(&S, "auth", 0, what, sizeof what - 1);
  if (why.len) stralloc_catb(&S.ftext, why.s, why.len);
  if (stralloc_0(&S.ftext)) S.ftext.len--;
  stralloc_free(&why);
  S.fperm = 1;
}

/* Runs UPSTREAM_TOKENCMD with /bin/sh; its first output line is the token.
   Its stdin is /dev/null: ours is the job pipe in worker mode. Its stderr
   goes to a memory file, so that its last line (smarthost-oauth2 says
   there what went wrong, never a secret) can explain a failure. */
static int secret_token (stralloc *out)
{
  int p[2];
  pid_t pid;
  int r, ok;
  size_t len = 0;
  char line[SECRET_MAX + 2];   /* and CRLF */
  netio n = NETIO_ZERO;
  tain d;
  int errfd = memfd_create("tokencmd-stderr", MFD_CLOEXEC);
  if (errfd < 0) goto sysfail;
  if (pipe2(p, O_CLOEXEC) < 0) goto sysfail;
  pid = fork();
  if (pid < 0) { close(p[0]); close(p[1]); goto sysfail; }
  if (!pid)
  {
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(errfd, 2) < 0) _exit(126);
    if (token_fresh && setenv("OAUTH2_FRESH", "1", 1) < 0) _exit(126);
    execl("/bin/sh", "sh", "-c", cf_tokencmd, (char *)0);
    _exit(127);
  }
  close(p[1]);
  netio_init(&n, p[0]);
  tain_now_g();
  tain_addsec_g(&d, S.timeout);
  r = netio_getline(&n, line, sizeof line, &len, 0, &d);
  if (r > 0 && len > SECRET_MAX) r = -1;
  netio_discard(&n);   /* wipes the buffer, where the token was read */
  netio_close(&n, &tain_zero);
  if (r <= 0) kill(pid, SIGKILL);
  ok = token_reap(pid, &d) && r > 0 && len && stralloc_catb(out, line, len);
  explicit_bzero(line, sizeof line);
  if (!ok) token_fail(errfd);
  close(errfd);
  token_used = ok;
  return ok;
 sysfail:
  if (errfd >= 0) close(errfd);
  smtpc_fail(&S, "local", 0, "unable to run UPSTREAM_TOKENCMD", 31);
  return 0;
}

static int secret_get (void *aux, int token, stralloc *out)
{
  (void)aux;
  if (!token) return secret_file(cf_passfile, "UPSTREAM_PASSFILE", 0, out);
  return cf_tokenfile ? secret_file(cf_tokenfile, "UPSTREAM_TOKENFILE", 1, out) : secret_token(out);
}

/* --- the dialogue, for --check and -v ----------------------------------- */

static void trace (void *aux, char dir, char const *s, size_t len)
{
  buffer *b = checkmode ? buffer_1 : buffer_2;
  char pre[2] = { dir, ' ' };
  (void)aux;
  if (!checkmode && !verbose) return;
  if (!checkmode) buffer_puts(b, "smarthost-remote: info: ");
  buffer_put(b, pre, 2);
  buffer_put(b, s, len);
  buffer_putflush(b, "\n", 1);
}

/* --- upstreams ------------------------------------------------------------ */

/* The next "host[:port]" of the list (IPv6 in brackets), or 0 at the end. */
static int upstream_next (char const **list, stralloc *host, unsigned int *port)
{
  char const *p = *list;
  size_t w, h;
  char const *colon;
  while (*p == ',' || *p == ' ') p++;
  if (!*p) return 0;
  w = strcspn(p, ", ");
  *list = p + w;
  host->len = 0;
  *port = S.tlsmode == SMTPC_TLS_IMPLICIT ? 465 : 587;
  if (*p == '[')
  {
    char const *e = memchr(p, ']', w);
    if (!e) return -1;
    if (!stralloc_catb(host, p + 1, e - p - 1)) return -1;
    colon = e + 1 < p + w && e[1] == ':' ? e + 1 : 0;
  }
  else
  {
    colon = memchr(p, ':', w);
    h = colon ? (size_t)(colon - p) : w;
    if (!stralloc_catb(host, p, h)) return -1;
  }
  if (colon)
  {
    size_t pl = p + w - colon - 1;
    if (!pl || uint_scan(colon + 1, port) != pl || !*port || *port > 65535) return -1;
  }
  return host->len && stralloc_0(host) ? 1 : -1;
}

/* Records the upstream's SIZE for the smtpd (doc/interfaces.md): a
   route's worker (UPSTREAM_ROUTE) in its upstream's record, conf/'s in
   upstream-size. */
static void record_size (void)
{
  if (!cf_queue || S.size == size_written) return;
  if (queue_upsize_write_route(cf_queue, cf_route ? cf_upstream : 0, S.size) < 0)
    strerr_warnwu2sys("record the upstream's SIZE in ", cf_queue);
  else size_written = S.size;
}

static int token_refused (void)
{
  return token_used && S.fclass && !strcmp(S.fclass, "auth") && S.fcode >= 500;
}

/* A token the provider has just issued, refused by its SMTP server: the
   cause is on the provider's side, and the usual ones are named. */
static void token_refused_hint (void)
{
  stralloc_cats(&S.ftext, " (the token endpoint issued a new token but the SMTP server refused it:"
    " check that UPSTREAM_USER is the mailbox, that SMTP AUTH is enabled for it"
    " (Microsoft 365: Set-CASMailbox -SmtpClientAuthenticationDisabled $false),"
    " that the application has the SMTP permission (SMTP.Send; for client credentials"
    " SMTP.SendAsApp and an Exchange service principal with rights on the mailbox),"
    " and that OAUTH2_SCOPE names the SMTP resource)");
  if (stralloc_0(&S.ftext)) S.ftext.len--;
}

/* One upstream. A token refused with a 5xx may be a cached one that the
   provider has revoked: once, the login is tried again with a new one
   (smarthost-oauth2 reads OAUTH2_FRESH) before the refusal counts. */
static int upstream_open (char const *host, unsigned int port)
{
  int ok;
  token_used = 0;
  if (smtpc_open(&S, host, port)) return 1;
  if (!token_refused()) return 0;
  if (verbose && !checkmode) strerr_warni(host, ": the token was refused, trying a new one");
  token_fresh = 1;
  token_used = 0;
  ok = smtpc_open(&S, host, port);
  token_fresh = 0;
  if (!ok && token_refused()) token_refused_hint();
  return ok;
}

/* Opens a session on the first upstream that answers. 1, or 0 with the
   failure of the last one tried in S. */
static int session_open (void)
{
  static stralloc host = STRALLOC_ZERO;
  char const *list = cf_upstream;
  unsigned int port;
  int r;
  if (cf_error)
  {
    smtpc_fail(&S, cf_errclass, 0, cf_error, strlen(cf_error));
    S.fperm = 1;
    return 0;
  }
  while ((r = upstream_next(&list, &host, &port)) > 0)
  {
    if (verbose || checkmode)
    {
      char fmt[UINT_FMT];
      fmt[uint_fmt(fmt, port)] = 0;
      if (checkmode) { buffer_puts(buffer_1, "* trying "); buffer_puts(buffer_1, host.s); buffer_puts(buffer_1, ":"); buffer_puts(buffer_1, fmt); buffer_putflush(buffer_1, "\n", 1); }
      else strerr_warni("trying ", host.s, ":", fmt);
    }
    /* the session keeps a pointer to the host name: one at a time */
    if (upstream_open(host.s, port)) { record_size(); return 1; }
    if (verbose && !checkmode)
    {
      /* ftext is not NUL-terminated */
      stralloc t = STRALLOC_ZERO;
      if (stralloc_catb(&t, S.ftext.s, S.ftext.len) && stralloc_0(&t)) strerr_warnw(host.s, ": ", S.fclass, ": ", t.s);
      stralloc_free(&t);
    }
    if (!S.fnext) return 0;
  }
  if (r < 0)
  {
    smtpc_fail(&S, "config", 0, "UPSTREAM is malformed", 21);
    S.fperm = 1;
  }
  return 0;
}

/* --- results ------------------------------------------------------------- */

/* The status letters of lib/smtpc.h, in the protocol's terms. */
static unsigned int status_of (char st)
{
  return st == 'k' ? JOB_OK : st == 'f' ? JOB_FAIL : JOB_DEFER;
}

/* One result line on stdout (lib/job.h makes its fields printable). */
static void put_result (job_result const *res)
{
  stralloc t = STRALLOC_ZERO;
  if (!job_result_put(&t, res)) strerr_diefu1sys(111, "allocate");
  buffer_put(buffer_1, t.s, t.len);
  stralloc_free(&t);
}

static void put_rline (char const *rcpt, char st, unsigned int code, char const *text)
{
  job_result res = JOB_RESULT_ZERO;
  res.type = 'R';
  res.rcpt = rcpt;
  res.status = status_of(st);
  res.code = code;
  res.text = text;
  put_result(&res);
}

/* The M line ends the job's results: flushed. */
static void put_mline (char st, char const *cls, unsigned int code, char const *text)
{
  job_result res = JOB_RESULT_ZERO;
  res.type = 'M';
  res.status = status_of(st);
  res.class = cls;
  res.code = code;
  res.text = text;
  put_result(&res);
  if (!buffer_flush(buffer_1)) strerr_diefu1sys(111, "write to stdout");
}

/* Every recipient and the message get the same outcome (nothing was sent). */
static void put_all (char const *const *rcpts, unsigned int n, char st, char const *cls, unsigned int code, char const *text)
{
  unsigned int i;
  for (i = 0; i < n; i++) put_rline(rcpts[i], st, code, text);
  put_mline(st, cls, code, text);
}

static void put_sline (void);

/* The S line first: what was negotiated before the failure (TLS, AUTH),
   for the scheduler's log line. */
static void put_session_failure (char const *const *rcpts, unsigned int n)
{
  stralloc t = STRALLOC_ZERO;
  put_sline();
  if (!stralloc_catb(&t, S.ftext.s, S.ftext.len) || !stralloc_0(&t)) strerr_diefu1sys(111, "allocate");
  put_all(rcpts, n, 'd', S.fclass ? S.fclass : "local", S.fcode, t.s);
  stralloc_free(&t);
}

/* S: which upstream, TLS version and mechanism, for the scheduler's log
   (worker mode only: by hand, -v and --check show the dialogue) */
static int sline = 0;

static void put_sline (void)
{
  job_result res = JOB_RESULT_ZERO;
  stralloc host = STRALLOC_ZERO;
  char port[UINT_FMT];
  if (!sline) return;
  port[uint_fmt(port, S.port)] = 0;
  if (!stralloc_cats(&host, S.host ? S.host : "-") || !stralloc_catb(&host, ":", 1)
   || !stralloc_cats(&host, port) || !stralloc_0(&host)) strerr_diefu1sys(111, "allocate");
  res.type = 'S';
  res.host = host.s;
  res.tls = S.tlsversion[0] ? S.tlsversion : "none";
  res.mech = S.authmech ? S.authmech : "none";
  /* the scheduler acts for an upstream without DSN (lib/bounce.h) */
  res.ext = S.ext & SMTPC_EXT_DSN ? "DSN" : "";
  put_result(&res);
  stralloc_free(&host);
}

static void put_results (smtpc_msg *m)
{
  unsigned int i;
  put_sline();
  for (i = 0; i < m->n; i++)
    put_rline(m->rcpts[i], m->rstatus[i], m->rcode[i], m->rtext.s + m->rpos[i]);
  put_mline(m->mstatus, m->mclass, m->mcode, m->mtext.len ? m->mtext.s : "");
}

/* --- one message ---------------------------------------------------------- */

/* Octets of s once its LF line ends are CRLF, for SIZE=. */
static unsigned long crlf_size (char const *s, size_t len)
{
  unsigned long n = len;
  char const *e = s + len;
  while ((s = memchr(s, '\n', e - s))) { n++; s++; }
  return n;
}

/* SIZE= (RFC 1870): the body with CRLF line ends; the pass also costs
   little next to sending it. Leaves fd where it found it. */
static unsigned long body_size (int fd)
{
  char buf[65536];
  unsigned long n = 0;
  off_t start = lseek(fd, 0, SEEK_CUR);
  ssize_t r;
  if (start < 0) return 0;
  while ((r = read(fd, buf, sizeof buf)) > 0) n += crlf_size(buf, r);
  if (lseek(fd, start, SEEK_SET) < 0) return 0;
  return r < 0 ? 0 : n;
}

/* UPSTREAM_REWRITE: the header up to its empty line with From:
   rewritten; fd is left where the rest starts. 1, 0 (unreadable), or -1
   when the header goes on past ROUTE_HEAD_MAX octets: a From: field, or
   the folded rest of one, could follow unrewritten. */
static int head_rewrite (int fd, stralloc *head)
{
  stralloc raw = STRALLOC_ZERO;
  off_t start = lseek(fd, 0, SEEK_CUR);
  size_t cut = 0;
  int ok = 0;
  if (start < 0) return 0;
  while (raw.len < ROUTE_HEAD_MAX)
  {
    ssize_t r;
    if (!stralloc_readyplus(&raw, 65536)) goto end;
    r = read(fd, raw.s + raw.len, 65536);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) goto end;
    raw.len += r;
    cut = route_head_end(raw.s, raw.len);
    if (cut) break;
    if (!r) { cut = raw.len; break; }
  }
  if (!cut) { ok = -1; goto end; }
  head->len = 0;
  ok = route_rewrite_from(head, raw.s, cut, cf_rewrite) && lseek(fd, start + (off_t)cut, SEEK_SET) >= 0;
 end:
  stralloc_free(&raw);
  return ok;
}

/* Sends one message with a session opened (or reopened) as needed and
   prints the results. Returns the message's status letter. A route's
   account (UPSTREAM_REWRITE) replaces the sender in MAIL FROM and in
   From: here, at send time: the spool keeps the original sender, to
   whom our bounces go; the null sender (a bounce) is never rewritten. */
static char deliver (char const *sender, char const *const *rcpts, unsigned int n, int fd, char const *dsn, char const *const *rdsn, int utf8)
{
  smtpc_msg m = { .sender = sender, .rcpts = rcpts, .n = n, .fd = fd, .rtext = STRALLOC_ZERO, .mtext = STRALLOC_ZERO, .dsn = dsn, .rdsn = rdsn };
  stralloc head = STRALLOC_ZERO;
  unsigned int tries;
  char st;
  if (cf_rewrite && *sender)
  {
    int k = head_rewrite(fd, &head);
    if (k < 0)
    {
      put_all(rcpts, n, 'f', "smtp", 0, "5.3.4 the header is over 1 MB: From: cannot be rewritten to the account's address");
      stralloc_free(&head);
      return 'f';
    }
    if (!k)
    {
      put_all(rcpts, n, 'd', "local", 0, "unable to read the message's header");
      stralloc_free(&head);
      return 'd';
    }
    m.sender = cf_rewrite;
    m.head = head.s;
    m.headlen = head.len;
  }
  m.size = body_size(fd);
  if (m.headlen) m.size += crlf_size(m.head, m.headlen);
  m.rstatus = malloc(n ? n : 1);
  m.rcode = calloc(n ? n : 1, sizeof *m.rcode);
  m.rpos = calloc(n ? n : 1, sizeof *m.rpos);
  if (!m.rstatus || !m.rcode || !m.rpos) strerr_diefu1sys(111, "allocate");
  for (tries = 0; ; tries++)
  {
    off_t start = lseek(fd, 0, SEEK_CUR);
    int r;
    if (!S.up && !session_open())
    {
      put_session_failure(rcpts, n);
      st = 'd';
      break;
    }
    r = smtputf8_send(&S, &m, utf8);
    /* a reused connection found dead: once more on a fresh one */
    if (r < 0 && !tries && start >= 0 && lseek(fd, start, SEEK_SET) >= 0) continue;
    if (r < 0)
    {
      put_session_failure(rcpts, n);
      st = 'd';
      break;
    }
    put_results(&m);
    st = m.mstatus;
    break;
  }
  free(m.rstatus);
  free(m.rcode);
  free(m.rpos);
  stralloc_free(&m.rtext);
  stralloc_free(&m.mtext);
  stralloc_free(&head);
  return st;
}

/* --- worker mode ---------------------------------------------------------- */

/* Reads one job (lib/job.h). 1, 0 at EOF before a job, -1 when the
   deadline passes before a job starts (idle); dies on a malformed job:
   the scheduler and we disagree, which retrying cannot fix. Our stdin
   is a pipe shared with nobody, left blocking: a read follows a wait. */
static int job_read (job_reader *rd, job *j, tain const *deadline)
{
  for (;;)
  {
    char *line;
    size_t len;
    int r = job_reader_line(rd, &line, &len);
    ssize_t n;
    /* no address or path is that long: the scheduler wrote garbage */
    if (r < 0) strerr_dief(100, "malformed job: a line too long");
    if (r)
    {
      r = job_take(j, line, len);
      if (r < 0 && errno == EPROTO) strerr_dief(100, "malformed job: expected an M line, an R line or .");
      if (r < 0) strerr_diefu1sys(111, "allocate");
      if (r) return 1;
      continue;
    }
    if (j->started <= 0 && !job_reader_partial(rd) && netio_wait(0, 0, deadline) < 0)
    {
      if (errno == ETIMEDOUT) return -1;
      strerr_diefu1sys(111, "wait for a job");
    }
    n = job_reader_fill(rd, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) strerr_diefu1sys(111, "read a job");
    if (!n)
    {
      if (j->started <= 0 && !job_reader_partial(rd)) return 0;
      strerr_dief(111, "job cut short on stdin");
    }
  }
}

/* 1 if every recipient of the job is a T line of the message: the job
   is a subset of the envelope (doc/interfaces.md), and a scheduler that
   mixed up two messages must not send one to the other's recipients.
   The search goes on from where the last one was found, wrapping around:
   smarthost-send lists a job in envelope order, so a message's jobs cost
   one pass over its envelope each, not one per recipient. Each one's DSN
   parameters (its D line, "" for none) go into rdsn[i]. */
static int job_rcpts_in (char const *const *rcpts, unsigned int n, queue_env const *env, char const **rdsn)
{
  size_t pos = 0, dpos = 0;
  unsigned int i, k = 0;
  for (i = 0; i < n; i++)
  {
    unsigned int tries;
    for (tries = 0; tries < env->nrcpt; tries++)
    {
      int same = !strcmp(rcpts[i], env->rcpts.s + pos);
      rdsn[i] = env->rdsn.s + dpos;
      pos += strlen(env->rcpts.s + pos) + 1;
      dpos += strlen(env->rdsn.s + dpos) + 1;
      if (++k == env->nrcpt) { k = 0; pos = dpos = 0; }
      if (same) break;
    }
    if (tries == env->nrcpt) return 0;
  }
  return 1;
}

static void job_do (job *j)
{
  char const **rcpts = calloc(j->n ? j->n : 1, sizeof *rcpts);
  char const **rdsn = calloc(j->n ? j->n : 1, sizeof *rdsn);
  queue_env env = QUEUE_ENV_ZERO;
  size_t pos = 0;
  unsigned int i;
  int fd;
  int r;
  if (!rcpts || !rdsn) strerr_diefu1sys(111, "allocate");
  for (i = 0; i < j->n; i++) { rcpts[i] = j->rcpts.s + pos; pos += strlen(rcpts[i]) + 1; }
  if (!j->n || j->bad)
  {
    put_all(rcpts, j->n, 'd', "local", 0, "malformed recipient in the job");
    free(rcpts);
    free(rdsn);
    return;
  }
  /* not through a link, not a FIFO: the spool's group may have put
     anything under an id into new/ (queue/README.md, the privilege model) */
  fd = queue_msg_open(j->path.s);
  if (fd < 0)
  {
    put_all(rcpts, j->n, 'd', "local", 0, "unable to open the message file");
    free(rcpts);
    free(rdsn);
    return;
  }
  r = queue_env_read(fd, &env);
  if (r <= 0) put_all(rcpts, j->n, 'd', "local", 0, r ? "unable to read the message file" : "malformed message file");
  else if (!job_rcpts_in(rcpts, j->n, &env, rdsn))
    put_all(rcpts, j->n, 'd', "local", 0, "a recipient of the job is not in the message file");
  else deliver(env.sender.s, rcpts, j->n, fd, env.dsn.s, rdsn, env.smtputf8);
  close(fd);
  queue_env_free(&env);
  free(rcpts);
  free(rdsn);
}

static int worker (void)
{
  job_reader rd = JOB_READER_ZERO(JOB_LINE_MAX);
  job j = JOB_ZERO;
  for (;;)
  {
    tain d;
    int r;
    tain_now_g();
    tain_addsec_g(&d, cf_idle);
    r = job_read(&rd, &j, S.up ? &d : 0);
    if (r < 0)
    {
      if (verbose) strerr_warni("idle: closing the session");
      smtpc_quit(&S);
      continue;
    }
    if (!r) break;
    job_do(&j);
    if (S.up && S.nmsgs >= cf_maxmsgs) smtpc_quit(&S);
  }
  smtpc_quit(&S);
  job_free(&j);
  job_reader_free(&rd);
  return 0;
}

/* --- by hand ----------------------------------------------------------- */

/* The message from stdin: used in place if it is a file, else copied
   to an unlinked temporary file (SIZE= and a retry need to read it twice). */
static int stdin_file (void)
{
  struct stat st;
  char buf[65536];
  char const *dir = getenv("TMPDIR");
  int fd;
  if (!fstat(0, &st) && S_ISREG(st.st_mode)) return 0;
  if (!dir || !*dir) dir = "/tmp";
  fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
  {
    /* a file system without O_TMPFILE: a named file, unlinked at once */
    stralloc name = STRALLOC_ZERO;
    if (!stralloc_cats(&name, dir) || !stralloc_cats(&name, "/smarthost-remote.XXXXXX") || !stralloc_0(&name))
      strerr_diefu1sys(111, "allocate");
    fd = mkstemp(name.s);
    if (fd < 0) strerr_diefu1sys(111, "create a temporary file");
    unlink(name.s);
    stralloc_free(&name);
  }
  for (;;)
  {
    ssize_t r = read(0, buf, sizeof buf);
    if (r < 0) { if (errno == EINTR) continue; strerr_diefu1sys(111, "read stdin"); }
    if (!r) break;
    if (write(fd, buf, r) != r) strerr_diefu1sys(111, "write a temporary file");
  }
  if (lseek(fd, 0, SEEK_SET) < 0) strerr_diefu1sys(111, "rewind a temporary file");
  return fd;
}

static int byhand (char const *sender, char const *const *rcpts, unsigned int n)
{
  unsigned int i;
  char st;
  if (addr_check(sender, strlen(sender)) != ADDR_OK) strerr_dief(100, "invalid sender: ", sender);
  for (i = 0; i < n; i++)
    if (!*rcpts[i] || addr_check(rcpts[i], strlen(rcpts[i])) != ADDR_OK) strerr_dief(100, "invalid recipient: ", rcpts[i]);
  if (cf_error) strerr_dief(100, cf_error);
  st = deliver(sender, rcpts, n, stdin_file(), 0, 0, 0);
  smtpc_quit(&S);
  return st == 'k' ? 0 : st == 'f' ? 100 : 111;
}

/* Whether --check failed on something that waiting will not fix: a 5xx,
   a configuration that cannot work, and a TLS failure that is not a
   timeout or a 4xx reply (a wrong certificate name, an unknown CA, no
   STARTTLS offered). The scheduler still treats TLS failures as a pause:
   a person must fix them, and it retries meanwhile. */
static int check_permanent (void)
{
  if (S.fperm) return 1;
  return S.fclass && !strcmp(S.fclass, "tls") && S.fcode < 400;
}

static int check (void)
{
  int ok = session_open();
  if (ok) smtpc_quit(&S);
  if (ok) buffer_puts(buffer_1, "ok: the upstream accepts our session\n");
  else
  {
    buffer_puts(buffer_1, "fail: ");
    buffer_puts(buffer_1, S.fclass ? S.fclass : "local");
    buffer_puts(buffer_1, ": ");
    buffer_put(buffer_1, S.ftext.s ? S.ftext.s : "", S.ftext.len);
    buffer_puts(buffer_1, "\n");
  }
  buffer_flush(buffer_1);
  return ok ? 0 : check_permanent() ? 100 : 111;
}

/* --- routes (ROUTES, lib/route.h) ----------------------------------------- */

static routes RT = ROUTES_ZERO;

/* Reads ROUTES when it is set; dies 100 on a bad file, as smarthost-send
   does at its start. 1 if there are routes. */
static int routes_read (void)
{
  char const *file = getenv("ROUTES");
  stralloc err = STRALLOC_ZERO;
  int r;
  if (!file || !*file) return 0;
  r = routes_load(&RT, file, &err);
  if (r < 0 && !err.len) strerr_diefu1sys(111, "allocate");
  if (r < 0) strerr_diefsys(111, err.s);
  if (!r) strerr_dief(100, err.s);
  stralloc_free(&err);
  return 1;
}

/* The settings of route i, as a worker of smarthost-send gets them. */
static void route_conf (unsigned int i)
{
  if (routes_env_apply(&RT, i) < 0) strerr_diefu1sys(111, "set the environment of a route");
  cf_error = 0;
  cf_errclass = "config";
  /* the previous route's TLS configuration (a context still using it
     holds a reference of its own in libtls) */
  if (tlscfg) tls_config_free(tlscfg);
  tlscfg = 0;
  conf_read();
}

static int route_used (unsigned int i)
{
  return routes_used(&RT, i);
}

/* "route: line 3: alice@example.org @example.org" or "route: conf/". */
static void route_title (unsigned int i)
{
  unsigned int k;
  char fmt[UINT_FMT];
  buffer_puts(buffer_1, "route: ");
  if (i)
  {
    fmt[uint_fmt(fmt, routes_get(&RT, i)->line)] = 0;
    buffer_puts(buffer_1, "line ");
    buffer_puts(buffer_1, fmt);
    buffer_puts(buffer_1, ":");
  }
  else buffer_puts(buffer_1, "conf/:");
  for (k = 0; k < genalloc_len(route_rule, &RT.rules); k++)
  {
    route_rule const *u = genalloc_s(route_rule, &RT.rules) + k;
    if (u->route != i) continue;
    buffer_puts(buffer_1, " ");
    buffer_puts(buffer_1, u->pattern);
  }
  if (!i && route_used(0) && genalloc_len(route_rule, &RT.rules)) buffer_puts(buffer_1, " (and every sender not named)");
  buffer_putflush(buffer_1, "\n", 1);
}

/* --check with routes: every route a sender can take, in turn; the
   worst outcome is the exit code (100 over 111 over 0). */
static int check_routes (void)
{
  unsigned int i;
  int worst = 0;
  for (i = 0; i < routes_n(&RT); i++)
  {
    int r;
    if (!route_used(i)) continue;
    route_title(i);
    route_conf(i);
    r = check();
    if (r == 100 || (r && !worst)) worst = r;
  }
  return worst;
}

/* --probe-size: the upstream's SIZE before the first message (smarthost-send
   runs it at start, so after every change of the configuration): EHLO
   with the configured TLS, no AUTH (nothing to log in for, and no
   password tried in vain), recorded in $QUEUE for the smtpd. One line on
   stderr; stdout stays unused. */
static int probe_size (char const *pre)
{
  char fmt[ULONG_FMT];
  unsigned long size;
  stralloc name = STRALLOC_ZERO;
  int ok;
  S.user = 0;
  size_written = (unsigned long)-1;
  ok = session_open();
  if (!ok)
  {
    /* ftext is printable but not NUL-terminated */
    stralloc t = STRALLOC_ZERO;
    if (!stralloc_catb(&t, S.ftext.s, S.ftext.len) || !stralloc_0(&t)) strerr_diefu1sys(111, "allocate");
    strerr_warnw(pre, "could not learn the upstream's SIZE: ", S.fclass ? S.fclass : "local", ": ", t.s);
    stralloc_free(&t);
    return check_permanent() ? 100 : 111;
  }
  size = S.size;
  fmt[ulong_fmt(fmt, size)] = 0;
  smtpc_quit(&S);
  if (!queue_upsize_name(&name, cf_route ? cf_upstream : 0) || !stralloc_0(&name)) strerr_diefu1sys(111, "allocate");
  if (!cf_queue) strerr_warni(pre, "the upstream advertises SIZE ", size ? fmt : "none", " (no QUEUE to record it in)");
  else if (size_written != size) { stralloc_free(&name); return 111; }  /* record_size said why */
  else strerr_warni(pre, "the upstream advertises SIZE ", size ? fmt : "none", ": recorded in ", cf_queue, "/", name.s);
  stralloc_free(&name);
  return 0;
}

/* --probe-size with routes: every route a sender can take, in turn,
   each into its own record; the worst outcome is the exit code. */
static int probe_routes (void)
{
  unsigned int i;
  int worst = 0;
  for (i = 0; i < routes_n(&RT); i++)
  {
    char pre[24 + UINT_FMT];
    int r;
    /* conf/ without UPSTREAM holds its mail: nothing to ask */
    if (!route_used(i) || (!i && !(getenv("UPSTREAM") && *getenv("UPSTREAM")))) continue;
    if (i)
    {
      memcpy(pre, "route of line ", 14);
      memcpy(pre + 14 + uint_fmt(pre + 14, routes_get(&RT, i)->line), ": ", 3);
    }
    else memcpy(pre, "route of conf/: ", 17);
    route_conf(i);
    r = probe_size(pre);
    if (r == 100 || (r && !worst)) worst = r;
  }
  return worst;
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char const *sender = 0;
  int workermode = 0;
  PROG = "smarthost-remote";
  if (argc >= 2 && !strcmp(argv[1], "--check"))
  {
    /* "--check" stands where the program name was for subgetopt */
    checkmode = 1;
    argc--; argv++;
  }
  else if (argc >= 2 && !strcmp(argv[1], "--probe-size"))
  {
    probemode = 1;
    argc--; argv++;
  }
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "vwf:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'v': verbose = 1; break;
      case 'w': workermode = 1; break;
      case 'f': sender = l.arg; break;
      default: dieusage();
    }
  }
  argc -= l.ind; argv += l.ind;
  if (checkmode + probemode + workermode + !!sender != 1) dieusage();
  if ((checkmode || probemode || workermode) && argc) dieusage();
  if (sender && !argc) dieusage();
  signal(SIGPIPE, SIG_IGN);
  tain_now_set_stopwatch_g();
  S.secret = &secret_get;
  S.trace = &trace;
  /* a worker's route is in its environment already (smarthost-send) */
  if (workermode) { conf_read(); sline = 1; return worker(); }
  if (routes_read())
  {
    if (probemode) return probe_routes();
    if (checkmode) return check_routes();
    route_conf(routes_match(&RT, sender));
    return byhand(sender, argv, argc);
  }
  conf_read();
  if (probemode) return probe_size("");
  if (checkmode) return check();
  return byhand(sender, argv, argc);
}
