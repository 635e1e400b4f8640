/* smarthost-smtpd: the ESMTP receiver, one process per connection under
   tcpserver (UCSPI: the client on fds 0 and 1, TCPREMOTEIP, RELAYCLIENT).
   Each message goes to the injector; 250 only once the injector exited 0.
   The session itself (commands, replies, DATA, AUTH) is lib/smtpd_session;
   this is its wiring: the settings, the connection slots, STARTTLS's
   handshake, where a message goes (the spool or the injector), the log,
   and how the process ends. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <tls.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/djbunix.h>
#include <skalibs/types.h>
#include "envnum.h"
#include "heloname.h"
#include "clientkey.h"
#include "connslot.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "queue_upsize.h"
#include "sizelimit.h"
#include "smtpd_session.h"
#include "netio.h"
#include "tlsio_server.h"

#define USAGE "smarthost-smtpd [ -t ]"
#define dieusage() strerr_dieusage(100, USAGE)

#define OUT_MAX 4096         /* replies queued before a write */
#define AUTH_FAIL_DELAY 2    /* seconds before a 535 */
#define PERIP_MAX 1000       /* SMTPD_MAXPERIP, SMTPD_MAXNORELAY: slot files tried per connection */
#define MAXCONN_MAX 10000    /* SMTPD_MAXCONN, as smtpd/run allows */

/* Configuration, from the environment only (cheap start-up): the
   session's (s), and what the wiring needs. */
static struct
{
  smtpd_conf s;
  char const *queue;         /* QUEUE, for upstream-size */
  char const *routes;        /* ROUTES: the limit is the sender's route's */
  char const *certfile;
  char const *keyfile;
  uint64_t databytes;
  uint64_t size_margin;      /* UPSTREAM_SIZE_MARGIN (lib/sizelimit.h) */
  unsigned int timeout;       /* each read and write */
  unsigned int maxperip;      /* 0: no cap */
  unsigned int maxnorelay;    /* all clients without RELAYCLIENT together; 0: no cap */
} cf;

static netio io = NETIO_ZERO;
static smtpd_session ss;
static uint64_t sizelimit;   /* 0 until computed, then lib/sizelimit.h's */
static queue_upsize_routes uproutes = QUEUE_UPSIZE_ROUTES_ZERO;
static char clientkey[CLIENTKEY_MAX];
/* This connection's slots (lib/connslot.h): its address's, and the one
   among all connections without relay rights. */
static struct { stralloc path; int fd; } slot[2] = { { STRALLOC_ZERO, -1 }, { STRALLOC_ZERO, -1 } };

static char const *ipstr (void)
{
  return cf.s.ip ? cf.s.ip : "unknown";
}

/* The slot file goes at every planned exit; after a crash the kernel
   still frees the slot. */
static void slot_release (void)
{
  unsigned int i;
  for (i = 0; i < 2; i++)
    if (slot[i].fd >= 0)
    {
      /* per address: removed, or they pile up for every client ever
         seen; the shared ones are a fixed set, kept to save a create */
      connslot_release(&slot[i].path, slot[i].fd, i == 0);
      slot[i].fd = -1;
    }
}

/* The connection is gone or timed out: nothing more can be said to it. */
static void die_io (void)
{
  slot_release();
  if (errno == ETIMEDOUT)
  {
    char const *what = smtpd_session_deadline(&ss);
    netio_puts(&io, "421 4.4.2 ");
    netio_puts(&io, what);
    netio_puts(&io, " reached, closing connection\r\n");
    netio_flush(&io, 0);
    strerr_dief(111, ipstr(), ": ", what, " reached, closing connection");
  }
  strerr_diefu(111, "talk to the client ", ipstr());
}

static void out (char const *s)
{
  if (!netio_puts(&io, s)) die_io();
}

static void quit (int code)
{
  slot_release();
  netio_flush(&io, 0);
  netio_close(&io, 0);
  _exit(code);
}

/* A bad setting ends the session at once, loudly: 421 to the client
   (when there is one) and a fatal line naming the setting and what it
   takes, rather than a listener that accepts and never serves. */
static int checkonly;        /* -t: check the settings, serve nobody */

static void die_setting (char const *name, char const *want)
{
  stralloc v = STRALLOC_ZERO;
  char const *s = getenv(name);
  static char const reply[] = "421 4.3.5 configuration error, try again later\r\n";
  if (!checkonly && write(1, reply, sizeof reply - 1) < 0) {}
  if (!printable_cat(&v, s ? s : "", s ? strlen(s) : 0) || !stralloc_0(&v)) strerr_diefu(111, "allocate");
  strerr_dief(100, "invalid ", name, ": \"", v.s, "\" (", want, ")");
}

/* A numeric setting (lib/envnum.h), from min to max: anything else,
   including a number too large for its type, is fatal. */
static uint64_t env_num (char const *name, uint64_t dflt, uint64_t min, uint64_t max)
{
  uint64_t v;
  if (!envnum_u64(name, dflt, max, &v) || v < min)
  {
    char lo[UINT64_FMT], hi[UINT64_FMT];
    stralloc want = STRALLOC_ZERO;
    lo[uint64_fmt(lo, min)] = 0;
    hi[uint64_fmt(hi, max)] = 0;
    if (!stralloc_cats(&want, "a number from ") || !stralloc_cats(&want, lo) || !stralloc_cats(&want, " to ")
     || !stralloc_cats(&want, hi) || !stralloc_0(&want)) strerr_diefu(111, "allocate");
    die_setting(name, want.s);
  }
  return v;
}

static unsigned int env_uint (char const *name, unsigned int dflt, unsigned int min, unsigned int max)
{
  return (unsigned int)env_num(name, dflt, min, max);
}

/* A switch: unset, empty or 0 is off, 1 is on, anything else is fatal
   ("yes" must not silently mean off). */
static int env_on (char const *name)
{
  char const *s = getenv(name);
  if (!s || !*s || (s[0] == '0' && !s[1])) return 0;
  if (s[0] == '1' && !s[1]) return 1;
  die_setting(name, "1 for on, 0 or empty for off");
  return 0;
}

static char const *env_str (char const *name)
{
  char const *s = getenv(name);
  return s && *s ? s : 0;
}

/* A switch that is on unless set to 0. */
static int env_on_dflt (char const *name)
{
  char const *s = getenv(name);
  return !s || !*s ? 1 : env_on(name);
}

static int normalize_read (void)
{
  char const *s = env_str("SMTPD_NORMALIZE");
  if (!s || !strcmp(s, "relay")) return SMTPD_NORM_RELAY;
  if (!strcmp(s, "none")) return SMTPD_NORM_NONE;
  if (!strcmp(s, "all")) return SMTPD_NORM_ALL;
  die_setting("SMTPD_NORMALIZE", "relay, none or all");
  return SMTPD_NORM_NONE;
}

static void client_read (void)
{
  static char ip[128];
  char const *s = getenv("TCPREMOTEIP");
  size_t n;
  clientkey_make(clientkey, s);
  if (!s) return;
  n = strlen(s);
  if (n >= sizeof ip) n = sizeof ip - 1;
  memcpy(ip, s, n);
  ip[n] = 0;
  printable_fix(ip, n);
  cf.s.ip = ip;
}

static void config_read (void)
{
  cf.s.name = heloname_get();
  client_read();
  cf.s.clientkey = clientkey;
  cf.queue = getenv("QUEUE");
  cf.routes = env_str("ROUTES");
  cf.certfile = env_str("SMTPD_CERTFILE");
  cf.keyfile = env_str("SMTPD_KEYFILE");
  if (cf.certfile && !cf.keyfile) cf.keyfile = cf.certfile;
  cf.s.starttls = !!cf.certfile;
  cf.s.authfile = env_str("SMTPD_AUTHFILE");
  cf.s.rundir = env_str("SMTPD_RUNDIR");
  cf.s.relayclient = !!getenv("RELAYCLIENT");
  cf.s.auth_clear = env_on("SMTPD_AUTH_CLEAR");
  cf.s.received_user = env_on("SMTPD_RECEIVED_USER");
  cf.s.normalize = normalize_read();
  cf.s.add_headers = env_on_dflt("SMTPD_ADD_HEADERS");
  /* 0 is "no limit"; the largest value is the limit_get() sentinel's
     neighbour, so that no number means "no limit" by accident */
  cf.databytes = env_num("DATABYTES", 26214400, 0, UINT64_MAX - 1);
  cf.size_margin = env_num("UPSTREAM_SIZE_MARGIN", SIZELIMIT_MARGIN_DEFAULT, 0, UINT64_MAX - 1);
  cf.s.maxrcpt = env_uint("SMTPD_MAXRCPT", 100, 1, SMTPD_RCPT_MAX);
  cf.s.maxerrors = env_uint("SMTPD_MAXERRORS", 10, 1, UINT_MAX);
  cf.timeout = env_uint("SMTPD_TIMEOUT", 300, 1, ENVNUM_SECONDS_MAX);
  cf.s.cmd_timeout = env_uint("SMTPD_CMD_TIMEOUT", 300, 1, ENVNUM_SECONDS_MAX);
  cf.s.data_timeout = env_uint("SMTPD_DATA_TIMEOUT", 1800, 1, ENVNUM_SECONDS_MAX);
  cf.s.session_timeout = env_uint("SMTPD_SESSION_TIMEOUT", 3600, 1, ENVNUM_SECONDS_MAX);
  /* relay clients are trusted hosts (a LAN's mail server batching many
     sessions): no cap unless tcp.smtpd gives them one */
  {
    unsigned int other = env_uint("SMTPD_MAXPERIP", 5, 0, PERIP_MAX);
    unsigned int relay = env_uint("SMTPD_MAXPERIP_RELAY", 0, 0, PERIP_MAX);
    unsigned int maxconn = env_uint("SMTPD_MAXCONN", 40, 1, MAXCONN_MAX);
    /* by default a quarter of tcpserver's connections stay for relay
       clients, however many addresses the others come from */
    unsigned int norelay = env_uint("SMTPD_MAXNORELAY", maxconn - maxconn / 4, 0, MAXCONN_MAX);
    cf.maxperip = cf.s.relayclient ? relay : other;
    cf.maxnorelay = cf.s.relayclient ? 0 : norelay;
  }
  cf.s.auth_maxfail = env_uint("SMTPD_AUTH_MAXFAIL", 5, 0, UINT_MAX);
  cf.s.auth_window = env_uint("SMTPD_AUTH_WINDOW", 900, 1, ENVNUM_SECONDS_MAX);
  cf.s.auth_fail_delay = AUTH_FAIL_DELAY;
}

/* min(DATABYTES, $QUEUE/upstream-size less UPSTREAM_SIZE_MARGIN), read
   once per session, when first needed (EHLO). 0 in either means "no
   limit". With ROUTES, DATABYTES alone: the upstream is the sender's. */
static uint64_t limit_get (void *ctx)
{
  uint64_t up = 0;
  (void)ctx;
  if (sizelimit) return sizelimit == UINT64_MAX ? 0 : sizelimit;
  if (cf.queue && !cf.routes)
  {
    if (queue_upsize_read(cf.queue, &up) <= 0) up = 0;
  }
  sizelimit = sizelimit_of(cf.databytes, up, cf.size_margin);
  if (!sizelimit) sizelimit = UINT64_MAX;
  return sizelimit == UINT64_MAX ? 0 : sizelimit;
}

/* The limit of a transaction: with ROUTES, that of the upstream of the
   sender's route (queue_upsize.h), else limit_get()'s. */
static uint64_t limit_of_sender (void *ctx, char const *addr)
{
  stralloc why = STRALLOC_ZERO;
  uint64_t up = 0;
  int r;
  if (!cf.routes || !cf.queue) return limit_get(ctx);
  r = queue_upsize_sender(&uproutes, cf.queue, cf.routes, addr, &up, &why);
  if (r == -2) strerr_warnw(why.s, ": the SIZE of conf/'s upstream applies to every sender");
  stralloc_free(&why);
  return sizelimit_of(cf.databytes, r == 1 || r == -2 ? up : 0, cf.size_margin);
}

static void log_line (void *ctx, int level, char const *line)
{
  (void)ctx;
  if (level == SMTPD_LOG_INFO) strerr_warni(line);
  else if (level == SMTPD_LOG_WARN) strerr_warnw(line);
  else strerr_warnwu(line);
}

/* Writes all of s to the injector or the message file. 1, or 0 when it is
   gone (errno says why). */
static int qq_write (int fd, char const *s, size_t len)
{
  while (len)
  {
    ssize_t r = write(fd, s, len);
    if (r < 0)
    {
      if (errno == EINTR) continue;
      return 0;
    }
    s += r; len -= r;
  }
  return 1;
}

/* The n strings of sa, one after the other, as a vector. */
static char const **rcpt_vector (stralloc const *sa, unsigned int n)
{
  char const **v = malloc((n ? n : 1) * sizeof *v);
  size_t i = 0;
  unsigned int k;
  if (!v) strerr_diefu(111, "allocate");
  for (k = 0; k < n; k++)
  {
    v[k] = sa->s + i;
    i += strlen(sa->s + i) + 1;
  }
  return v;
}

/* Where a message goes (the session's hooks): into the spool, committed
   by this process (QMAILQUEUE unset: queue/README.md, how a message gets
   in), or through the injector QMAILQUEUE names (a filter chain). */
typedef struct sink_s sink;
struct sink_s
{
  int inproc;
  int fd;             /* the message goes here */
  int werr;           /* errno of a failed write of the envelope lines */
  qq q;
  queue_tmp tmp;
};
#define SINK_ZERO { 0, -1, 0, QQ_ZERO, QUEUE_TMP_ZERO }

static sink k = SINK_ZERO;  /* the message in DATA */
static int spoolfd = -1;    /* QUEUE, opened at the first in-process commit */

static int sink_write (void *ctx, char const *s, size_t len)
{
  (void)ctx;
  if (k.werr) return k.werr;
  return qq_write(k.fd, s, len) ? 0 : errno ? errno : EIO;
}

/* What the injector would have exited with for a failure of ours, so that
   one table (qq_verdict_of) says what the client is told. */
static int sink_status (int e)
{
  switch (e)
  {
    case ENAMETOOLONG: return W_EXITCODE(11, 0);
    case E2BIG: return W_EXITCODE(12, 0);
    case ENOMEM: return W_EXITCODE(51, 0);
    case ENOSPC: case EDQUOT: case EFBIG: case EIO: return W_EXITCODE(53, 0);
    case EINVAL: return W_EXITCODE(91, 0);
    default: return W_EXITCODE(62, 0);
  }
}

/* In-process: the envelope lines (duplicates folded, as the injector
   does), then tmp/ID is created and they go first into it. Returns 0, or
   a wait status as the injector's. */
static int sink_open_spool (smtpd_session const *s, char const *id)
{
  queue_head h = QUEUE_HEAD_ZERO;
  size_t i = 0, j = 0;
  unsigned int n;
  int e = 0;
  if (spoolfd < 0)
  {
    if (!cf.queue || !*cf.queue) { strerr_warnw("QUEUE is not set"); return W_EXITCODE(55, 0); }
    /* O_PATH: the smtpd may pass through the spool, not list it */
    spoolfd = open(cf.queue, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (spoolfd < 0) { strerr_warnwu("open spool ", cf.queue); return W_EXITCODE(62, 0); }
  }
  if (queue_head_sender(&h, s->sender.s, s->sender.len - 1) < 0) e = errno;
  if (!e && s->mdsn.s[0] && queue_head_dsn(&h, s->mdsn.s, s->mdsn.len - 1) < 0) e = errno;
  for (n = 0; !e && n < s->nrcpt; n++)
  {
    size_t len = strlen(s->rcpts.s + i), dlen = strlen(s->rdsn.s + j);
    if (queue_head_rcpt(&h, s->rcpts.s + i, len) < 0) e = errno;
    else if (dlen && queue_head_dsn(&h, s->rdsn.s + j, dlen) < 0) e = errno;
    i += len + 1;
    j += dlen + 1;
  }
  if (s->utf8mail) queue_head_smtputf8(&h);
  if (!e && queue_head_end(&h) < 0) e = errno;
  if (!e && queue_tmp_openat(&k.tmp, spoolfd, id) < 0) { e = errno; strerr_warnwu("create tmp/", id); }
  if (!e)
  {
    /* a write error (a full disk) is told at the final dot, as the
       injector's would be: sink_write hands it to the session */
    k.fd = k.tmp.fd;
    if (!qq_write(k.fd, h.s.s, h.s.len)) k.werr = errno ? errno : EIO;
  }
  queue_head_free(&h);
  return e ? sink_status(e) : 0;
}

/* Returns 0, a wait status (the message was refused), or -1 (the
   injector could not be started). */
static int sink_open (void *ctx, smtpd_session const *s, char const *id)
{
  char const *prog = getenv("QMAILQUEUE");
  static sink const zero = SINK_ZERO;
  (void)ctx;
  k = zero;
  k.inproc = !prog || !*prog;
  if (k.inproc) return sink_open_spool(s, id);
  /* the injector's U line (smarthost-queue(8)); two values, so setenv
     stores each once however many messages the session sends */
  if (setenv("SMARTHOST_SMTPUTF8", s->utf8mail ? "1" : "0", 1) < 0) return -1;
  if (qq_start(&k.q, id) < 0) return -1;
  k.fd = k.q.msgfd;
  return 0;
}

/* Nothing is queued: the file is removed, or the injector sees no
   envelope. What to tell the client: a write error of ours as the
   injector would say it, or the injector's own status. */
static int sink_abort (void *ctx, int werr)
{
  (void)ctx;
  if (!k.inproc) return qq_finish(&k.q);
  queue_tmp_abort(&k.tmp);
  return werr ? sink_status(werr) : 0;
}

/* The commit: fsync, rename into new/, fsync of new/ (queue_tmp_commit),
   then the trigger; or the injector's envelope and verdict. Returns a
   wait status as the injector's, or -1 (the injector was lost). */
static int sink_commit (void *ctx, smtpd_session const *s)
{
  (void)ctx;
  if (k.inproc)
  {
    if (queue_tmp_commit(&k.tmp) < 0)
    {
      int e = errno;
      strerr_warnwusys("commit a message file of ", ipstr(), " into new");
      return sink_status(e == EINVAL ? EIO : e);
    }
    if (queue_trigger_at(spoolfd) < 0) strerr_warnwusys("poke the trigger");
    return 0;
  }
  {
    char const **v = rcpt_vector(&s->rcpts, s->nrcpt), **d = rcpt_vector(&s->rdsn, s->nrcpt);
    int envok = qq_envelope_dsn(&k.q, s->sender.s, s->mdsn.s, v, d, s->nrcpt) == 0;
    int ws;
    free(v);
    free(d);
    ws = qq_finish(&k.q);
    if (ws < 0) strerr_warnwu("wait for the injector of ", ipstr());
    else if (!ws && !envok) return W_EXITCODE(81, 0);
    return ws;
  }
}

static smtpd_hooks const hooks = { 0, &limit_get, &log_line, &sink_open, &sink_write, &sink_abort, &sink_commit, &limit_of_sender };

/* One of n slots named key, or 421 and exit: busy is what the log says
   is already there ("connections from this address"). */
static void slot_take1 (unsigned int i, char const *key, unsigned int n, char const *busy, char const *reply)
{
  char fmt[UINT_FMT];
  slot[i].fd = connslot_take(cf.s.rundir, key, n, &slot[i].path);
  if (slot[i].fd >= 0) return;
  if (errno != EBUSY)
  {
    strerr_warnwu("take a connection slot in ", cf.s.rundir, " for ", ipstr());
    out("421 4.3.0 temporary local problem, try again later\r\n");
    quit(111);
  }
  fmt[uint_fmt(fmt, n)] = 0;
  strerr_warni(ipstr(), ": refused: already ", fmt, busy);
  out(reply);
  quit(0);
}

/* The caps on concurrent connections, which tcpserver does not have: per
   client address, and for clients without relay rights all together, so
   that neither one address nor many can keep the relay's clients out. */
static void slot_take (void)
{
  if (!cf.s.rundir) return;
  if (cf.maxperip)
    slot_take1(0, clientkey, cf.maxperip, " connections from this address",
               "421 4.7.0 too many connections from your address, try again later\r\n");
  if (cf.maxnorelay)
    slot_take1(1, "norelay", cf.maxnorelay, " connections without relay rights",
               "421 4.7.0 too many connections, try again later\r\n");
}

/* STARTTLS, once the session allows it: the handshake, then the session
   starts over inside TLS. */
static void starttls (void)
{
  static struct tls *server = 0;
  char const *e = 0;
  char const *ver, *cipher;
  stralloc sa = STRALLOC_ZERO;
  if (!server) server = tlsio_server_new(cf.certfile, cf.keyfile, &e);
  if (!server)
  {
    strerr_warnw(ipstr(), ": STARTTLS: ", e);
    out("454 4.7.0 TLS not available due to temporary reason\r\n");
    return;
  }
  /* Anything the client sent after STARTTLS, before the handshake, was sent
     in clear and must not be taken as coming from inside TLS (RFC 3207
     section 6; the 2011 STARTTLS command injection). */
  if (netio_pending(&io))
  {
    char fmt[UINT64_FMT];
    fmt[uint64_fmt(fmt, netio_pending(&io))] = 0;
    strerr_warnw(ipstr(), ": discarded ", fmt, " octets sent after STARTTLS");
    netio_discard(&io);
  }
  out("220 2.0.0 ready to start TLS\r\n");
  if (netio_flush(&io, 0) < 0) die_io();
  switch (netio_starttls(&io, server, 0))
  {
    case 1: break;
    case 0:
    {
      /* the library's text may quote what the client sent */
      char const *why = netio_tlsctx(&io) ? tls_error(netio_tlsctx(&io)) : tls_error(server);
      if (!why) why = "unknown error";
      if (!printable_cat(&sa, why, strlen(why)) || !stralloc_0(&sa)) strerr_diefu(111, "allocate");
      strerr_warnw(ipstr(), ": TLS handshake failed: ", sa.s);
      slot_release();
      _exit(100);
    }
    default: die_io();
  }
  ver = tls_conn_version(netio_tlsctx(&io));
  cipher = tls_conn_cipher(netio_tlsctx(&io));
  if (!printable_cat(&sa, ver ? ver : "TLS", strlen(ver ? ver : "TLS")) || !stralloc_catb(&sa, " ", 1)
   || !printable_cat(&sa, cipher ? cipher : "unknown", strlen(cipher ? cipher : "unknown"))
   || !stralloc_0(&sa))
    strerr_diefu(111, "allocate");
  smtpd_session_tls(&ss, sa.s);
  stralloc_free(&sa);
}

/* How a step of the session ended, for the process. */
static void step_done (int r)
{
  switch (r)
  {
    case SMTPD_SESSION_NEXT: return;
    case SMTPD_SESSION_STARTTLS: starttls(); return;
    case SMTPD_SESSION_END: quit(0); return;
    case SMTPD_SESSION_GONE_AUTH:
      slot_release();
      strerr_dief(111, ipstr(), ": client disconnected in AUTH");
    case SMTPD_SESSION_GONE_DATA:
      slot_release();
      strerr_dief(111, ipstr(), ": client disconnected in DATA, nothing queued");
    case SMTPD_SESSION_NOMEM:
      slot_release();
      strerr_diefu(111, "allocate");
    default: die_io();
  }
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  PROG = "smarthost-smtpd";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "t", &l);
    if (opt == -1) break;
    if (opt == 't') checkonly = 1; else dieusage();
  }
  if (argc > l.ind) dieusage();
  /* an injector that fails early closes its pipes; writes must then fail */
  signal(SIGPIPE, SIG_IGN);
  /* inherited as ignored, SIGCHLD would make the kernel reap the injector
     and waitpid() fail: a queued message would get 451 */
  signal(SIGCHLD, SIG_DFL);
  config_read();
  if (checkonly) return 0;
  if (netio_init2(&io, 0, 1) < 0) strerr_diefu(111, "set up the connection");
  netio_timeout(&io, cf.timeout);
  /* a client that pipelines and never reads cannot grow our buffer */
  netio_autoflush(&io, OUT_MAX);
  smtpd_session_init(&ss, &cf.s, &hooks, &io);
  slot_take();
  step_done(smtpd_session_greet(&ss));
  for (;;) step_done(smtpd_session_step(&ss));
}
