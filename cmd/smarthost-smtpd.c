/* smarthost-smtpd: the ESMTP receiver, one process per connection under
   tcpserver (UCSPI: the client on fds 0 and 1, TCPREMOTEIP, RELAYCLIENT).
   Each message goes to the injector; 250 only once the injector exited 0. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
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
#include "msghead.h"
#include "addr_parse.h"
#include "addr.h"
#include "date822.h"
#include "auth_server.h"
#include "authlimit.h"
#include "clientkey.h"
#include "connslot.h"
#include "dsnparam.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "queue_upsize.h"
#include "smtpd_data.h"
#include "sizelimit.h"
#include "smtpd_cmd.h"
#include "smtputf8.h"
#include "netio.h"
#include "tlsio_server.h"

#define USAGE "smarthost-smtpd [ -t ]"
#define dieusage() strerr_dieusage(100, USAGE)

/* RFC 5321 4.5.3.1.4, with CRLF; MAIL and RCPT longer by what RFC
   3461's parameters may add (section 5: 500 for ORCPT, and NOTIFY's words) */
#define CMD_BASE_MAX 512
#define CMD_MAX (CMD_BASE_MAX + DSN_CMD_EXTRA)
#define AUTH_LINE_MAX 2048   /* an AUTH response line */
#define OUT_MAX 4096         /* replies queued before a write */
#define AUTH_FAIL_DELAY 2    /* seconds before a 535 */
#define HELO_MAX 255
#define RCPT_MAX 10000       /* SMTPD_MAXRCPT; duplicates are looked up linearly */
#define PERIP_MAX 1000       /* SMTPD_MAXPERIP, SMTPD_MAXNORELAY: slot files tried per connection */
#define MAXCONN_MAX 10000    /* SMTPD_MAXCONN, as smtpd/run allows */

/* Who may send bare LFs and long lines (SMTPD_NORMALIZE). */
#define NORM_NONE 0
#define NORM_RELAY 1
#define NORM_ALL 2
/* A header section longer than this is passed on without Date: or
   Message-ID: added: holding it is what the adding costs. */
#define HEAD_HOLD_MAX 65536

/* Configuration, from the environment only (cheap start-up). */
static struct
{
  char const *name;          /* HELONAME */
  char const *ip;            /* TCPREMOTEIP, made printable */
  char const *queue;         /* QUEUE, for upstream-size */
  char const *routes;        /* ROUTES: the limit is the sender's route's */
  char const *certfile;
  char const *keyfile;
  char const *authfile;
  char const *rundir;        /* SMTPD_RUNDIR: per-client limits; 0: none */
  int relayclient;
  int auth_clear;
  int received_user;
  int normalize;             /* SMTPD_NORMALIZE: NORM_NONE, NORM_RELAY or NORM_ALL */
  int add_headers;           /* SMTPD_ADD_HEADERS */
  uint64_t databytes;
  uint64_t size_margin;      /* UPSTREAM_SIZE_MARGIN (lib/sizelimit.h) */
  unsigned int maxrcpt;
  unsigned int maxerrors;
  unsigned int timeout;       /* each read and write */
  unsigned int cmd_timeout;   /* each command, from the wait for it to its reply */
  unsigned int data_timeout;  /* the DATA phase, from 354 to the final dot */
  unsigned int session_timeout;
  unsigned int maxperip;      /* 0: no cap */
  unsigned int maxnorelay;    /* all clients without RELAYCLIENT together; 0: no cap */
  unsigned int auth_maxfail;  /* 0: no throttle */
  unsigned int auth_window;
} cf;

/* The session. */
static netio io = NETIO_ZERO;
static int greeted;          /* 0, 1 after HELO, 2 after EHLO */
static char helo[HELO_MAX + 1];
static stralloc authuser = STRALLOC_ZERO;   /* printable; empty: not authenticated */
static char tlsinfo[128];    /* "TLSv1.3 TLS_AES_256_GCM_SHA384"; empty: no TLS */
static unsigned int errors;
static uint64_t sizelimit;   /* 0 until computed, then lib/sizelimit.h's */
static uint64_t txlimit;     /* the transaction's: its sender's route's */
static queue_upsize_routes uproutes = QUEUE_UPSIZE_ROUTES_ZERO;
static char clientkey[CLIENTKEY_MAX];
/* This connection's slots (lib/connslot.h): its address's, and the one
   among all connections without relay rights. */
static struct { stralloc path; int fd; } slot[2] = { { STRALLOC_ZERO, -1 }, { STRALLOC_ZERO, -1 } };
/* Deadlines that trickling cannot push back: the session's, and the
   current phase's (a command, or DATA). Each read and write also has its
   own SMTPD_TIMEOUT; the earliest of the three applies. */
static tain session_end;
static tain phase_end;
static char const *phase = "command";

/* The transaction. */
static int inmail;
static int utf8mail;         /* MAIL carried SMTPUTF8 (RFC 6531) */
static stralloc sender = STRALLOC_ZERO;
static stralloc rcpts = STRALLOC_ZERO;       /* NUL-terminated, one after the other */
/* DSN parameters (RFC 3461) in dsnparam_fmt's form, NUL-terminated, ""
   for none: the sender's, and each recipient's in the order of rcpts */
static stralloc mdsn = STRALLOC_ZERO;
static stralloc rdsn = STRALLOC_ZERO;
static unsigned int nrcpt;

static char const *ipstr (void)
{
  return cf.ip ? cf.ip : "unknown";
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

static void phase_begin (char const *name, unsigned int secs)
{
  tain end;
  phase = name;
  tain_now_g();
  tain_addsec_g(&phase_end, secs);
  end = tain_less(&phase_end, &session_end) ? phase_end : session_end;
  netio_limit(&io, &end);
}

/* The connection is gone or timed out: nothing more can be said to it. */
static void die_io (void)
{
  slot_release();
  if (errno == ETIMEDOUT)
  {
    char const *what = "timeout";
    tain_now_g();
    if (!tain_future(&session_end)) what = "session time limit";
    else if (!tain_future(&phase_end)) what = phase[0] == 'D' ? "DATA time limit" : "command time limit";
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

static void reply_end (void)
{
  out("\r\n");
}

static void quit (int code)
{
  slot_release();
  netio_flush(&io, 0);
  netio_close(&io, 0);
  _exit(code);
}

/* A refusal that counts against the client: after SMTPD_MAXERRORS of them
   the session ends with 421. */
static void err (char const *s)
{
  out(s);
  if (++errors < cf.maxerrors) return;
  out("421 4.7.0 too many errors, closing connection\r\n");
  strerr_warni(ipstr(), ": too many errors, closing connection");
  quit(0);
}

static void transaction_reset (void)
{
  inmail = 0;
  utf8mail = 0;
  sender.len = 0;
  rcpts.len = 0;
  rdsn.len = 0;
  nrcpt = 0;
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
  if (!s || !strcmp(s, "relay")) return NORM_RELAY;
  if (!strcmp(s, "none")) return NORM_NONE;
  if (!strcmp(s, "all")) return NORM_ALL;
  die_setting("SMTPD_NORMALIZE", "relay, none or all");
  return NORM_NONE;
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
  cf.ip = ip;
}

static void config_read (void)
{
  cf.name = heloname_get();
  client_read();
  cf.queue = getenv("QUEUE");
  cf.routes = env_str("ROUTES");
  cf.certfile = env_str("SMTPD_CERTFILE");
  cf.keyfile = env_str("SMTPD_KEYFILE");
  if (cf.certfile && !cf.keyfile) cf.keyfile = cf.certfile;
  cf.authfile = env_str("SMTPD_AUTHFILE");
  cf.rundir = env_str("SMTPD_RUNDIR");
  cf.relayclient = !!getenv("RELAYCLIENT");
  cf.auth_clear = env_on("SMTPD_AUTH_CLEAR");
  cf.received_user = env_on("SMTPD_RECEIVED_USER");
  cf.normalize = normalize_read();
  cf.add_headers = env_on_dflt("SMTPD_ADD_HEADERS");
  /* 0 is "no limit"; the largest value is the limit_get() sentinel's
     neighbour, so that no number means "no limit" by accident */
  cf.databytes = env_num("DATABYTES", 26214400, 0, UINT64_MAX - 1);
  cf.size_margin = env_num("UPSTREAM_SIZE_MARGIN", SIZELIMIT_MARGIN_DEFAULT, 0, UINT64_MAX - 1);
  cf.maxrcpt = env_uint("SMTPD_MAXRCPT", 100, 1, RCPT_MAX);
  cf.maxerrors = env_uint("SMTPD_MAXERRORS", 10, 1, UINT_MAX);
  cf.timeout = env_uint("SMTPD_TIMEOUT", 300, 1, ENVNUM_SECONDS_MAX);
  cf.cmd_timeout = env_uint("SMTPD_CMD_TIMEOUT", 300, 1, ENVNUM_SECONDS_MAX);
  cf.data_timeout = env_uint("SMTPD_DATA_TIMEOUT", 1800, 1, ENVNUM_SECONDS_MAX);
  cf.session_timeout = env_uint("SMTPD_SESSION_TIMEOUT", 3600, 1, ENVNUM_SECONDS_MAX);
  /* relay clients are trusted hosts (a LAN's mail server batching many
     sessions): no cap unless tcp.smtpd gives them one */
  {
    unsigned int other = env_uint("SMTPD_MAXPERIP", 5, 0, PERIP_MAX);
    unsigned int relay = env_uint("SMTPD_MAXPERIP_RELAY", 0, 0, PERIP_MAX);
    unsigned int maxconn = env_uint("SMTPD_MAXCONN", 40, 1, MAXCONN_MAX);
    /* by default a quarter of tcpserver's connections stay for relay
       clients, however many addresses the others come from */
    unsigned int norelay = env_uint("SMTPD_MAXNORELAY", maxconn - maxconn / 4, 0, MAXCONN_MAX);
    cf.maxperip = cf.relayclient ? relay : other;
    cf.maxnorelay = cf.relayclient ? 0 : norelay;
  }
  cf.auth_maxfail = env_uint("SMTPD_AUTH_MAXFAIL", 5, 0, UINT_MAX);
  cf.auth_window = env_uint("SMTPD_AUTH_WINDOW", 900, 1, ENVNUM_SECONDS_MAX);
}

/* min(DATABYTES, $QUEUE/upstream-size less UPSTREAM_SIZE_MARGIN), read
   once per session, when first needed (EHLO). 0 in either means "no
   limit". With ROUTES, DATABYTES alone: the upstream is the sender's. */
static uint64_t limit_get (void)
{
  uint64_t up = 0;
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
static uint64_t limit_of_sender (char const *addr)
{
  stralloc why = STRALLOC_ZERO;
  uint64_t up = 0;
  int r;
  if (!cf.routes || !cf.queue) return limit_get();
  r = queue_upsize_sender(&uproutes, cf.queue, cf.routes, addr, &up, &why);
  if (r == -2) strerr_warnw(why.s, ": the SIZE of conf/'s upstream applies to every sender");
  stralloc_free(&why);
  return sizelimit_of(cf.databytes, r == 1 || r == -2 ? up : 0, cf.size_margin);
}

static int auth_offered (void)
{
  return cf.authfile && (tlsinfo[0] || cf.auth_clear);
}

static void greet (void)
{
  out("220 ");
  out(cf.name);
  out(" ESMTP smarthost\r\n");
}

static void do_helo (char const *arg, int ehlo)
{
  size_t n = 0;
  char fmt[UINT64_FMT];
  while (arg[n] && arg[n] != ' ') n++;
  if (!n) { err(ehlo ? "501 5.5.4 EHLO needs a domain\r\n" : "501 5.5.4 HELO needs a domain\r\n"); return; }
  if (n > HELO_MAX) n = HELO_MAX;
  memcpy(helo, arg, n);
  helo[n] = 0;
  printable_fix(helo, n);
  transaction_reset();
  greeted = ehlo ? 2 : 1;
  /* RFC 2034: no enhanced code in the reply to HELO or EHLO */
  if (!ehlo)
  {
    out("250 "); out(cf.name); reply_end();
    return;
  }
  out("250-"); out(cf.name); reply_end();
  out("250-PIPELINING\r\n");
  fmt[uint64_fmt(fmt, limit_get())] = 0;
  out("250-SIZE "); out(fmt); reply_end();
  out("250-8BITMIME\r\n");
  out("250-DSN\r\n");
  out("250-SMTPUTF8\r\n");
  if (cf.certfile && !tlsinfo[0]) out("250-STARTTLS\r\n");
  if (auth_offered()) out("250-AUTH PLAIN LOGIN\r\n");
  out("250 ENHANCEDSTATUSCODES\r\n");
}

/* "FROM:" or "TO:" then optional spaces (a common client habit) then the
   path; returns the offset of '<', or -1. */
static long path_start (char const *arg, char const *prefix)
{
  size_t n = strlen(prefix), i;
  if (strncasecmp(arg, prefix, n)) return -1;
  for (i = n; arg[i] == ' '; i++) ;
  return arg[i] == '<' ? (long)i : -1;
}

static void path_error (int r, char const *what)
{
  if (r == ADDR_PARSE_ELONG)
    err(what[0] == 's' ? "501 5.1.7 sender address too long\r\n" : "501 5.1.3 recipient address too long\r\n");
  else
    err(what[0] == 's' ? "501 5.1.7 bad sender address syntax\r\n" : "501 5.1.3 bad recipient address syntax\r\n");
}

/* A DSN parameter (RFC 3461, lib/dsnparam.h) of MAIL (rcpt 0) or RCPT
   (1) into p: 1 taken, 0 not one, -1 refused (the reply given). */
static int dsn_param (dsnparam *p, int rcpt, char const *k, size_t kl, char const *v, size_t vl)
{
  int r = dsnparam_take(p, rcpt, k, kl, v, vl);
  if (r < 0) err(dsnparam_error(r, k, kl));
  return r == DSNPARAM_OK ? 1 : r;
}

/* Keeps p's parameters, as the spool will hold them, in sa. */
static void dsn_keep (stralloc *sa, dsnparam const *p)
{
  if (!dsnparam_fmt(sa, p) || !stralloc_0(sa)) strerr_diefu(111, "allocate");
}

/* RCPT parameters: NOTIFY and ORCPT (RFC 3461) into p.
   Returns 1 to go on, 0 when a reply has been given. */
static int rcpt_params (char const *s, size_t len, dsnparam *p)
{
  size_t pos = 0, kl, vl;
  char const *k, *v;
  while (addr_parse_param(s, len, &pos, &k, &kl, &v, &vl))
  {
    int r = dsn_param(p, 1, k, kl, v, vl);
    if (r < 0) return 0;
    if (!r) { err("555 5.5.4 unsupported RCPT parameter\r\n"); return 0; }
  }
  return 1;
}

/* MAIL parameters: SIZE (RFC 1870), BODY (RFC 6152), AUTH (RFC 4954,
   ignored), RET and ENVID (RFC 3461, kept in mdsn).
   Returns 1 to go on, 0 when a reply has been given. */
static int mail_params (char const *s, size_t len)
{
  size_t pos = 0, kl, vl;
  char const *k, *v;
  dsnparam dp = DSNPARAM_ZERO;
  int r;
  while (addr_parse_param(s, len, &pos, &k, &kl, &v, &vl))
  {
    if ((r = dsn_param(&dp, 0, k, kl, v, vl))) { if (r < 0) return 0; }
    else if (kl == 4 && !strncasecmp(k, "SIZE", 4) && v)
    {
      uint64_t size, limit = txlimit;
      char num[24];
      if (!vl || strspn(v, "0123456789") < vl) { err("501 5.5.4 bad SIZE value\r\n"); return 0; }
      /* digits that do not fit 64 bits are over any limit (RFC 1870: 552) */
      size = UINT64_MAX;
      if (vl < sizeof num)
      {
        memcpy(num, v, vl); num[vl] = 0;
        if (uint64_scan(num, &size) != vl) size = UINT64_MAX;
      }
      if (limit && size > limit) { out("552 5.3.4 message size exceeds fixed maximum message size\r\n"); return 0; }
    }
    else if (kl == 4 && !strncasecmp(k, "BODY", 4) && v)
    {
      if (!((vl == 4 && !strncasecmp(v, "7BIT", 4)) || (vl == 8 && !strncasecmp(v, "8BITMIME", 8))))
      {
        err("501 5.5.4 bad BODY value\r\n");
        return 0;
      }
    }
    else if (kl == 4 && !strncasecmp(k, "AUTH", 4) && v) ;
    else if (kl == 8 && !strncasecmp(k, "SMTPUTF8", 8) && !v) utf8mail = 1;
    else { err("555 5.5.4 unsupported MAIL parameter\r\n"); return 0; }
  }
  mdsn.len = 0;
  dsn_keep(&mdsn, &dp);
  return 1;
}

static void do_mail (char const *arg)
{
  char addr[ADDR_MAX + 1];
  char const *refusal;
  size_t alen, end, len = strlen(arg);
  long at;
  int r;
  if (!greeted) { err("503 5.5.1 send HELO or EHLO first\r\n"); return; }
  if (inmail) { err("503 5.5.1 nested MAIL command\r\n"); return; }
  at = path_start(arg, "FROM:");
  if (at < 0) { err("501 5.5.4 syntax: MAIL FROM:<address>\r\n"); return; }
  r = addr_parse_path(arg + at, len - at, addr, &alen, &end);
  if (r != ADDR_PARSE_OK) { path_error(r, "sender"); return; }
  end += at;
  if (arg[end] && arg[end] != ' ') { err("501 5.5.4 syntax: MAIL FROM:<address>\r\n"); return; }
  utf8mail = 0;
  txlimit = limit_of_sender(addr);
  if (!mail_params(arg + end, len - end)) return;
  if ((refusal = smtputf8_refusal(addr, alen, utf8mail, 1))) { err(refusal); return; }
  if (!stralloc_copyb(&sender, addr, alen + 1)) strerr_diefu(111, "allocate");
  inmail = 1;
  nrcpt = 0;
  rcpts.len = 0;
  out("250 2.1.0 Ok\r\n");
}

static int rcpt_known (char const *addr, size_t alen)
{
  size_t i = 0;
  while (i < rcpts.len)
  {
    size_t n = strlen(rcpts.s + i);
    if (addr_same(rcpts.s + i, n, addr, alen)) return 1;
    i += n + 1;
  }
  return 0;
}

static void do_rcpt (char const *arg)
{
  char addr[ADDR_MAX + 1];
  char const *refusal;
  size_t alen, end, len = strlen(arg);
  char const *at;
  dsnparam dp = DSNPARAM_ZERO;
  long st;
  int r;
  if (!inmail) { err("503 5.5.1 send MAIL first\r\n"); return; }
  st = path_start(arg, "TO:");
  if (st < 0) { err("501 5.5.4 syntax: RCPT TO:<address>\r\n"); return; }
  r = addr_parse_path(arg + st, len - st, addr, &alen, &end);
  if (r != ADDR_PARSE_OK) { path_error(r, "recipient"); return; }
  end += st;
  if (arg[end] && arg[end] != ' ') { err("501 5.5.4 syntax: RCPT TO:<address>\r\n"); return; }
  if (!rcpt_params(arg + end, len - end, &dp)) return;
  if ((refusal = smtputf8_refusal(addr, alen, utf8mail, 0))) { err(refusal); return; }
  /* Every recipient goes upstream: a relay has no local mailboxes. */
  at = alen ? strrchr(addr, '@') : 0;
  if (!at || at == addr || !at[1])
  {
    err("550 5.1.3 this relay delivers nothing locally: use user@domain\r\n");
    return;
  }
  if (!cf.relayclient && !authuser.len)
  {
    stralloc to = STRALLOC_ZERO;
    if (!printable_cat(&to, addr, alen) || !stralloc_0(&to)) strerr_diefu(111, "allocate");
    strerr_warnw(ipstr(), ": relaying denied to <", to.s, ">");
    stralloc_free(&to);
    err("550 5.7.1 relaying denied\r\n");
    return;
  }
  /* A mailbox already in the envelope is accepted again but stored once,
     and does not count against SMTPD_MAXRCPT (lib/addr.h: addr_same). */
  if (rcpt_known(addr, alen)) { out("250 2.1.5 Ok (duplicate recipient)\r\n"); return; }
  if (nrcpt >= cf.maxrcpt) { out("452 4.5.3 too many recipients\r\n"); return; }
  if (!stralloc_catb(&rcpts, addr, alen + 1)) strerr_diefu(111, "allocate");
  dsn_keep(&rdsn, &dp);
  nrcpt++;
  out("250 2.1.5 Ok\r\n");
}

/* The Received header (RFC 5321 4.4, RFC 3848 protocol names). */
static int received_make (stralloc *sa, char const *id)
{
  char date[64];
  int v6 = cf.ip && strchr(cf.ip, ':');
  char const *proto = tlsinfo[0] ? (authuser.len ? "ESMTPSA" : "ESMTPS") : (authuser.len ? "ESMTPA" : "ESMTP");
  if (greeted == 1) proto = tlsinfo[0] ? "SMTPS" : "SMTP";
  date822_fmt(date, time(0), 0);
  if (!stralloc_cats(sa, "Received: from ") || !stralloc_cats(sa, helo)
   || !stralloc_cats(sa, v6 ? " ([IPv6:" : " ([")
   || !printable_cat(sa, ipstr(), strlen(ipstr()))
   || !stralloc_cats(sa, "])\n\tby ") || !stralloc_cats(sa, cf.name)
   || !stralloc_cats(sa, " (smarthost) with ")
   /* RFC 6531 3.7.3: UTF8SMTP, UTF8SMTPA, UTF8SMTPS, UTF8SMTPSA */
   || !stralloc_cats(sa, utf8mail && greeted == 2 ? "UTF8" : "")
   || !stralloc_cats(sa, utf8mail && greeted == 2 ? proto + 1 : proto)) return 0;
  if (tlsinfo[0] && (!stralloc_cats(sa, "\n\t(") || !stralloc_cats(sa, tlsinfo) || !stralloc_cats(sa, ")"))) return 0;
  if (authuser.len && cf.received_user
   && (!stralloc_cats(sa, "\n\t(authenticated as ") || !stralloc_catb(sa, authuser.s, authuser.len)
    || !stralloc_cats(sa, ")"))) return 0;
  return stralloc_cats(sa, "\n\tid ") && stralloc_cats(sa, id)
    && stralloc_cats(sa, ";\n\t") && stralloc_cats(sa, date) && stralloc_cats(sa, "\n");
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

/* The strings of sa (nrcpt of them, one after the other) as a vector. */
static char const **rcpt_vector (stralloc const *sa)
{
  char const **v = malloc((nrcpt ? nrcpt : 1) * sizeof *v);
  size_t i = 0;
  unsigned int k;
  if (!v) strerr_diefu(111, "allocate");
  for (k = 0; k < nrcpt; k++)
  {
    v[k] = sa->s + i;
    i += strlen(sa->s + i) + 1;
  }
  return v;
}

/* Where a message goes: into the spool, committed by this process
   (QMAILQUEUE unset: queue/README.md, how a message gets in), or through
   the injector QMAILQUEUE names (a filter chain). */
typedef struct sink_s sink;
struct sink_s
{
  int inproc;
  int fd;             /* the message goes here */
  int werr;           /* errno of the first failed write; 0: none */
  qq q;
  queue_tmp tmp;
};
#define SINK_ZERO { 0, -1, 0, QQ_ZERO, QUEUE_TMP_ZERO }

static int spoolfd = -1;    /* QUEUE, opened at the first in-process commit */

static void sink_write (sink *k, char const *s, size_t len)
{
  if (!k->werr && !qq_write(k->fd, s, len)) k->werr = errno ? errno : EIO;
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
static int sink_open_spool (sink *k, char const *id)
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
  if (queue_head_sender(&h, sender.s, sender.len - 1) < 0) e = errno;
  if (!e && mdsn.s[0] && queue_head_dsn(&h, mdsn.s, mdsn.len - 1) < 0) e = errno;
  for (n = 0; !e && n < nrcpt; n++)
  {
    size_t len = strlen(rcpts.s + i), dlen = strlen(rdsn.s + j);
    if (queue_head_rcpt(&h, rcpts.s + i, len) < 0) e = errno;
    else if (dlen && queue_head_dsn(&h, rdsn.s + j, dlen) < 0) e = errno;
    i += len + 1;
    j += dlen + 1;
  }
  if (utf8mail) queue_head_smtputf8(&h);
  if (!e && queue_head_end(&h) < 0) e = errno;
  if (!e && queue_tmp_openat(&k->tmp, spoolfd, id) < 0) { e = errno; strerr_warnwu("create tmp/", id); }
  if (!e)
  {
    /* a write error (a full disk) is told at the final dot, as the
       injector's would be */
    k->fd = k->tmp.fd;
    sink_write(k, h.s.s, h.s.len);
  }
  queue_head_free(&h);
  return e ? sink_status(e) : 0;
}

/* Returns 0, a wait status (the message was refused), or -1 (the
   injector could not be started). */
static int sink_open (sink *k, char const *id)
{
  char const *prog = getenv("QMAILQUEUE");
  k->inproc = !prog || !*prog;
  if (k->inproc) return sink_open_spool(k, id);
  /* the injector's U line (smarthost-queue(8)); two values, so setenv
     stores each once however many messages the session sends */
  if (setenv("SMARTHOST_SMTPUTF8", utf8mail ? "1" : "0", 1) < 0) return -1;
  if (qq_start(&k->q, id) < 0) return -1;
  k->fd = k->q.msgfd;
  return 0;
}

/* Nothing is queued: the file is removed, or the injector sees no
   envelope. */
static int sink_abort (sink *k)
{
  if (k->inproc) { queue_tmp_abort(&k->tmp); return 0; }
  return qq_finish(&k->q);
}

/* The commit: fsync, rename into new/, fsync of new/ (queue_tmp_commit),
   then the trigger; or the injector's envelope and verdict. Returns a
   wait status as the injector's, or -1 (the injector was lost). */
static int sink_commit (sink *k)
{
  if (k->inproc)
  {
    if (queue_tmp_commit(&k->tmp) < 0)
    {
      int e = errno;
      strerr_warnwusys("commit a message file of ", ipstr(), " into new");
      return sink_status(e == EINVAL ? EIO : e);
    }
    if (queue_trigger_at(spoolfd) < 0) strerr_warnwusys("poke the trigger");
    return 0;
  }
  {
    char const **v = rcpt_vector(&rcpts), **d = rcpt_vector(&rdsn);
    int envok = qq_envelope_dsn(&k->q, sender.s, mdsn.s, v, d, nrcpt) == 0;
    int ws;
    free(v);
    free(d);
    ws = qq_finish(&k->q);
    if (ws < 0) strerr_warnwu("wait for the injector of ", ipstr());
    else if (!ws && !envok) return W_EXITCODE(81, 0);
    return ws;
  }
}

/* Date: and Message-ID: for a client with relay rights that sent none
   (RFC 6409 8.2, 8.3: a submission server's job), at the end of its
   header section. The header is held until that end is known. */
typedef struct head_s head;
struct head_s
{
  int hold;           /* 1: the header section is being held */
  char const *id;     /* the queue id, for the Message-ID */
};
#define HEAD_ZERO { 0, 0 }
/* The held header, kept across messages (at most HEAD_HOLD_MAX and a
   read), so that a client gone in mid-header leaves nothing behind. */
static stralloc held = STRALLOC_ZERO;

/* The fields s lacks (has: MSGHEAD_*), and an empty line when the body
   follows with none. */
static int head_missing (stralloc *sa, head const *h, unsigned int has, int body)
{
  char date[64];
  if (!(has & MSGHEAD_DATE))
  {
    date822_fmt(date, time(0), 0);
    if (!stralloc_cats(sa, "Date: ") || !stralloc_cats(sa, date) || !stralloc_cats(sa, "\n")) return 0;
  }
  if (!(has & MSGHEAD_MSGID)
   && (!stralloc_cats(sa, "Message-ID: <") || !stralloc_cats(sa, h->id) || !stralloc_cats(sa, "@")
    || !stralloc_cats(sa, cf.name) || !stralloc_cats(sa, ">\n"))) return 0;
  if (sa->len && body && !(has & MSGHEAD_BLANK) && !stralloc_cats(sa, "\n")) return 0;
  return 1;
}

/* Adds s to the held header; once its end is known (or at eof, or past
   HEAD_HOLD_MAX), writes it with the missing fields, counted in the size
   as they go upstream (CRLF line ends). */
static void head_feed (head *h, sink *k, smtpd_data *d, char const *s, size_t len, int eof)
{
  stralloc add = STRALLOC_ZERO;
  unsigned int has;
  size_t end, i;
  if (!stralloc_catb(&held, s, len)) strerr_diefu(111, "allocate");
  end = msghead_end(held.s, held.len, eof, &has);
  if (end == MSGHEAD_MORE && held.len < HEAD_HOLD_MAX) return;
  if (end != MSGHEAD_MORE && !head_missing(&add, h, has, end < held.len)) strerr_diefu(111, "allocate");
  if (end == MSGHEAD_MORE) end = held.len;
  sink_write(k, held.s, end);
  sink_write(k, add.s, add.len);
  sink_write(k, held.s + end, held.len - end);
  d->size += add.len;
  for (i = 0; i < add.len; i++) d->size += add.s[i] == '\n';
  if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
  stralloc_free(&add);
  held.len = 0;
  h->hold = 0;
}

/* Reads the message to its final dot, feeding the sink while it is good.
   Returns the scanner's flags; dies if the client goes away, leaving
   nothing queued (the file removed, or the injector without an
   envelope). */
static unsigned int data_read (sink *k, smtpd_data *d, head *h)
{
  char buf[SMTPD_DATA_OUTMAX(NETIO_RBUF)];
  int done = 0;
  while (!done)
  {
    size_t outlen;
    char const *in;
    ssize_t r = netio_peek(&io, &in, 0);
    if (r <= 0)
    {
      int e = r ? errno : EPIPE;
      sink_abort(k);
      errno = e;
      if (!r) { slot_release(); strerr_dief(111, ipstr(), ": client disconnected in DATA, nothing queued"); }
      die_io();
    }
    netio_consume(&io, smtpd_data_scan(d, in, r, buf, &outlen, &done));
    if (d->flags) continue;
    if (h->hold) head_feed(h, k, d, buf, outlen, done);
    else if (outlen) sink_write(k, buf, outlen);
  }
  return d->flags;
}

static void data_refuse (unsigned int flags)
{
  char fmt[UINT64_FMT];
  if (flags & SMTPD_DATA_TOOBIG)
  {
    fmt[uint64_fmt(fmt, txlimit)] = 0;
    out("552 5.3.4 message too big: the limit is "); out(fmt); out(" octets\r\n");
    strerr_warni(ipstr(), ": refused a message over ", fmt, " octets");
  }
  else if (flags & SMTPD_DATA_BARE)
  {
    out("554 5.6.0 message refused: bare CR, bare LF or NUL in DATA (lines must end with CRLF)\r\n");
    strerr_warni(ipstr(), ": refused a message with a bare CR, bare LF or NUL");
  }
  else
  {
    out("554 5.6.0 message refused: a line is longer than 998 octets\r\n");
    strerr_warni(ipstr(), ": refused a message with a line over 998 octets");
  }
}

static void data_verdict (int wstatus, char const *id, uint64_t size)
{
  qq_verdict const *v = qq_verdict_of(wstatus);
  char fmt[UINT_FMT];
  char sfmt[UINT64_FMT];
  fmt[uint_fmt(fmt, v->code)] = 0;
  sfmt[uint64_fmt(sfmt, size)] = 0;
  if (v->code == 250)
  {
    out("250 2.0.0 Ok: queued as "); out(id); reply_end();
    {
      char n[UINT_FMT];
      n[uint_fmt(n, nrcpt)] = 0;
      stralloc from = STRALLOC_ZERO;
      if (!printable_cat(&from, sender.s, sender.len - 1) || !stralloc_0(&from)) strerr_diefu(111, "allocate");
      strerr_warni(ipstr(), ": queued ", id, " helo ", helo, " from <", from.s, "> size ", sfmt, " recipients ", n);
      stralloc_free(&from);
    }
    return;
  }
  out(fmt); out(" "); out(v->ecode); out(" "); out(v->text); reply_end();
  strerr_warni(ipstr(), ": injector refused ", id, ": ", fmt, " ", v->ecode, " ", v->text);
}

static void do_data (char const *arg)
{
  char id[QUEUE_ID_SIZE];
  sink k = SINK_ZERO;
  smtpd_data d = SMTPD_DATA_ZERO;
  head h = HEAD_ZERO;
  stralloc rcv = STRALLOC_ZERO;
  unsigned int flags;
  int ws;
  int lan = cf.relayclient || authuser.len;
  if (*arg) { err("501 5.5.4 DATA takes no argument\r\n"); return; }
  if (!inmail) { err("503 5.5.1 send MAIL first\r\n"); return; }
  if (!nrcpt) { err("503 5.5.1 send RCPT first\r\n"); return; }
  queue_id_make(id);
  ws = sink_open(&k, id);
  if (ws)
  {
    /* refused before any data: the client has not had a 354 */
    if (ws > 0) data_verdict(ws, id, 0);
    else
    {
      strerr_warnwu("start the injector for ", ipstr());
      out("451 4.3.0 unable to start the injector, try again later\r\n");
    }
    transaction_reset();
    return;
  }
  if (!received_make(&rcv, id)) strerr_diefu(111, "allocate");
  sink_write(&k, rcv.s, rcv.len);
  /* The limit holds for what goes upstream, where smarthost-remote declares
     SIZE= for the Received header too, with CRLF line ends. */
  d.size = rcv.len;
  for (size_t i = 0; i < rcv.len; i++) d.size += rcv.s[i] == '\n';
  stralloc_free(&rcv);
  d.max = txlimit;
  /* old printers and scripts, on the LAN (RELAYCLIENT, not a roaming
     AUTH client): as Postfix's smtpd_forbid_bare_newline = normalize
     (smtpd_data.h) */
  d.normalize = cf.normalize == NORM_ALL || (cf.normalize == NORM_RELAY && cf.relayclient);
  h.hold = cf.add_headers && lan;
  h.id = id;
  out("354 go ahead, end with <CRLF>.<CRLF>\r\n");
  phase_begin("DATA", cf.data_timeout);
  held.len = 0;
  flags = data_read(&k, &d, &h);
  held.len = 0;
  if (!flags && (d.barelf || d.folds))
  {
    char n1[UINT64_FMT], n2[UINT64_FMT];
    n1[uint64_fmt(n1, d.barelf)] = 0;
    n2[uint64_fmt(n2, d.folds)] = 0;
    strerr_warni(ipstr(), ": normalized ", id, ": ", n1, " bare LF line ends, ", n2, " long lines folded");
  }
  if (flags || k.werr)
  {
    /* Nothing queued: the file removed, or no envelope for the injector. */
    ws = sink_abort(&k);
    if (flags) data_refuse(flags);
    else if (k.inproc) data_verdict(sink_status(k.werr), id, d.size);
    else if (ws > 0) data_verdict(ws, id, d.size);
    else out("451 4.3.0 the injector failed, try again later\r\n");
  }
  else
  {
    /* 250 only now: the file and its name in new/ are on disk */
    ws = sink_commit(&k);
    if (ws < 0) out("451 4.3.0 injector lost, try again later\r\n");
    else data_verdict(ws, id, d.size);
  }
  transaction_reset();
}

/* AUTH: read one response line; "*" cancels (RFC 4954 section 4).
   Returns 1 with the line, 0 cancelled or malformed (reply given). */
static int auth_line (char *line, size_t *len)
{
  int r = netio_getline(&io, line, AUTH_LINE_MAX, len, NETIO_SKIPLONG | NETIO_WIPE, 0);
  if (r < 0) die_io();
  if (!r) { slot_release(); strerr_dief(111, ipstr(), ": client disconnected in AUTH"); }
  if (r == NETIO_TOOLONG) { err("500 5.5.6 authentication exchange line too long\r\n"); return 0; }
  if (*len == 1 && line[0] == '*') { err("501 5.7.0 authentication cancelled\r\n"); return 0; }
  return 1;
}

/* Who failed to log in, for the log. A name found in the password file is
   logged (printable); any other text is only counted, since a client may
   have typed its password into the user field. */
static int user_name (stralloc *sa, char const *user, int known)
{
  char fmt[UINT64_FMT];
  if (known) return printable_cat(sa, user, strlen(user)) && stralloc_0(sa);
  fmt[uint64_fmt(fmt, strlen(user))] = 0;
  return stralloc_cats(sa, "a user not in the password file (") && stralloc_cats(sa, fmt)
    && stralloc_cats(sa, " octets)") && stralloc_0(sa);
}

static void auth_result (int r, char const *user, int known, char const *mech)
{
  stralloc pu = STRALLOC_ZERO;
  if (!user_name(&pu, user, known || r > 0)) strerr_diefu(111, "allocate");
  if (r > 0)
  {
    if (!stralloc_copyb(&authuser, pu.s, pu.len - 1)) strerr_diefu(111, "allocate");
    strerr_warni(ipstr(), ": AUTH ", mech, " ok for ", pu.s);
    out("235 2.7.0 authentication successful\r\n");
  }
  else if (!r)
  {
    strerr_warni(ipstr(), ": AUTH ", mech, " failed for ", pu.s);
    /* The same reply, after the same delay, whether the user exists or not. */
    netio_flush(&io, 0);
    sleep(AUTH_FAIL_DELAY);
    err("535 5.7.8 authentication credentials invalid\r\n");
  }
  else
  {
    strerr_warnwu("read ", cf.authfile, " for AUTH from ", ipstr());
    out("454 4.7.0 temporary authentication failure\r\n");
  }
  stralloc_free(&pu);
}

/* The password check, throttled per client across its connections
   (lib/authlimit.h): past SMTPD_AUTH_MAXFAIL failures in a window, 454
   without a check, whatever the password. */
static void auth_check (char const *user, char const *pass, char const *mech)
{
  int known = 0, r;
  if (cf.rundir && cf.auth_maxfail)
  {
    r = authlimit_begin(cf.rundir, clientkey, cf.auth_maxfail, cf.auth_window, (uint64_t)time(0));
    if (r < 0)
    {
      strerr_warnwu("update the AUTH record of ", ipstr(), " in ", cf.rundir);
      out("454 4.7.0 temporary authentication failure\r\n");
      return;
    }
    if (!r)
    {
      strerr_warni(ipstr(), ": AUTH ", mech, " refused: too many failures from this address");
      err("454 4.7.0 too many failed authentications from your address, try again later\r\n");
      return;
    }
  }
  r = auth_server_check(cf.authfile, user, pass, &known);
  if (r > 0 && cf.rundir && cf.auth_maxfail && authlimit_success(cf.rundir, clientkey) < 0)
    strerr_warnwu("clear the AUTH record of ", ipstr(), " in ", cf.rundir);
  auth_result(r, user, known, mech);
}

static void do_auth_plain (char const *ir, size_t irlen)
{
  char line[AUTH_LINE_MAX];
  stralloc sa = STRALLOC_ZERO;
  char const *user, *pass;
  size_t len = irlen;
  int r;
  if (!irlen)
  {
    out("334 \r\n");
    if (!auth_line(line, &len)) return;
    ir = line;
  }
  if (len == 1 && ir[0] == '=') len = 0;
  r = auth_server_plain(&sa, ir, len, &user, &pass);
  explicit_bzero(line, sizeof line);
  if (r < 0) strerr_diefu(111, "allocate");
  if (!r) err("501 5.5.2 malformed AUTH PLAIN response\r\n");
  else auth_check(user, pass, "PLAIN");
  secret_wipe(&sa);
}

static void do_auth_login (char const *ir, size_t irlen)
{
  char line[AUTH_LINE_MAX];
  stralloc us = STRALLOC_ZERO, pw = STRALLOC_ZERO;
  size_t len = irlen;
  int r;
  if (!irlen)
  {
    out("334 VXNlcm5hbWU6\r\n");
    if (!auth_line(line, &len)) return;
    ir = line;
  }
  r = auth_server_login(&us, ir, len);
  if (r < 0) strerr_diefu(111, "allocate");
  if (!r) { err("501 5.5.2 malformed AUTH LOGIN response\r\n"); goto end; }
  out("334 UGFzc3dvcmQ6\r\n");
  if (!auth_line(line, &len)) goto end;
  r = auth_server_login(&pw, line, len);
  explicit_bzero(line, sizeof line);
  if (r < 0) strerr_diefu(111, "allocate");
  if (!r) { err("501 5.5.2 malformed AUTH LOGIN response\r\n"); goto end; }
  auth_check(us.s, pw.s, "LOGIN");
 end:
  explicit_bzero(line, sizeof line);
  secret_wipe(&us);
  secret_wipe(&pw);
}

static void do_auth (char *arg)
{
  size_t n = 0;
  char *ir;
  if (!cf.authfile) { err("502 5.5.1 AUTH not available\r\n"); return; }
  if (!tlsinfo[0] && !cf.auth_clear) { err("538 5.7.11 encryption required: use STARTTLS first\r\n"); return; }
  if (greeted != 2) { err("503 5.5.1 send EHLO first\r\n"); return; }
  if (authuser.len) { err("503 5.5.1 already authenticated\r\n"); return; }
  if (inmail) { err("503 5.5.1 AUTH not allowed during a mail transaction\r\n"); return; }
  while (arg[n] && arg[n] != ' ') n++;
  ir = arg + n;
  while (*ir == ' ') ir++;
  if (n == 5 && !strncasecmp(arg, "PLAIN", 5)) do_auth_plain(ir, strlen(ir));
  else if (n == 5 && !strncasecmp(arg, "LOGIN", 5)) do_auth_login(ir, strlen(ir));
  else err("504 5.5.4 unrecognized authentication mechanism\r\n");
}

static void do_starttls (char const *arg)
{
  static struct tls *server = 0;
  char const *e = 0;
  char const *ver, *cipher;
  if (!cf.certfile) { err("502 5.5.1 STARTTLS not available\r\n"); return; }
  if (tlsinfo[0]) { err("503 5.5.1 TLS already active\r\n"); return; }
  if (*arg) { err("501 5.5.4 STARTTLS takes no argument\r\n"); return; }
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
      stralloc sa = STRALLOC_ZERO;
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
  {
    stralloc sa = STRALLOC_ZERO;
    if (!printable_cat(&sa, ver ? ver : "TLS", strlen(ver ? ver : "TLS")) || !stralloc_catb(&sa, " ", 1)
     || !printable_cat(&sa, cipher ? cipher : "unknown", strlen(cipher ? cipher : "unknown")))
      strerr_diefu(111, "allocate");
    if (sa.len >= sizeof tlsinfo) sa.len = sizeof tlsinfo - 1;
    memcpy(tlsinfo, sa.s, sa.len);
    tlsinfo[sa.len] = 0;
    stralloc_free(&sa);
  }
  /* RFC 3207 section 4.2: forget everything learnt from the client. */
  greeted = 0;
  helo[0] = 0;
  authuser.len = 0;
  transaction_reset();
}

static void do_command (char *line)
{
  char *arg;
  switch (smtpd_cmd_verb(line, &arg))
  {
    case SMTPD_EHLO: do_helo(arg, 1); break;
    case SMTPD_HELO: do_helo(arg, 0); break;
    case SMTPD_MAIL: do_mail(arg); break;
    case SMTPD_RCPT: do_rcpt(arg); break;
    case SMTPD_DATA: do_data(arg); break;
    case SMTPD_RSET:
      if (*arg) err("501 5.5.4 RSET takes no argument\r\n");
      else { transaction_reset(); out("250 2.0.0 Ok\r\n"); }
      break;
    case SMTPD_NOOP: out("250 2.0.0 Ok\r\n"); break;
    case SMTPD_QUIT:
      out("221 2.0.0 "); out(cf.name); out(" closing connection\r\n");
      quit(0);
      break;
    case SMTPD_VRFY:
      if (!*arg) err("501 5.5.4 VRFY needs an argument\r\n");
      else out("252 2.5.2 cannot VRFY, but will accept the message and attempt delivery\r\n");
      break;
    case SMTPD_HELP:
      out("214 2.0.0 commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH\r\n");
      break;
    case SMTPD_STARTTLS: do_starttls(arg); break;
    case SMTPD_AUTH: do_auth(arg); break;
    case SMTPD_NOTIMPL: err("502 5.5.1 command not implemented\r\n"); break;
    default: err("500 5.5.2 unrecognized command\r\n");
  }
}

/* One of n slots named key, or 421 and exit: busy is what the log says
   is already there ("connections from this address"). */
static void slot_take1 (unsigned int i, char const *key, unsigned int n, char const *busy, char const *reply)
{
  char fmt[UINT_FMT];
  slot[i].fd = connslot_take(cf.rundir, key, n, &slot[i].path);
  if (slot[i].fd >= 0) return;
  if (errno != EBUSY)
  {
    strerr_warnwu("take a connection slot in ", cf.rundir, " for ", ipstr());
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
  if (!cf.rundir) return;
  if (cf.maxperip)
    slot_take1(0, clientkey, cf.maxperip, " connections from this address",
               "421 4.7.0 too many connections from your address, try again later\r\n");
  if (cf.maxnorelay)
    slot_take1(1, "norelay", cf.maxnorelay, " connections without relay rights",
               "421 4.7.0 too many connections, try again later\r\n");
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char line[CMD_MAX + 1];
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
  tain_now_g();
  tain_addsec_g(&session_end, cf.session_timeout);
  phase_begin("command", cf.cmd_timeout);
  slot_take();
  greet();
  for (;;)
  {
    size_t len;
    char const *refusal;
    int r;
    phase_begin("command", cf.cmd_timeout);
    r = smtpd_cmd_read(&io, line, CMD_MAX, &len, &refusal);
    if (r < 0) die_io();
    if (!r) quit(0);
    if (r == SMTPD_CMD_REFUSED) { err(refusal); continue; }
    /* RFC 3461 section 5 lengthens MAIL and RCPT only */
    if (len > CMD_BASE_MAX - 2 && strncasecmp(line, "MAIL ", 5) && strncasecmp(line, "RCPT ", 5))
    {
      explicit_bzero(line, len);
      err("500 5.5.2 line too long\r\n");
      continue;
    }
    do_command(line);
    /* an AUTH command may carry a password in its initial response */
    explicit_bzero(line, len);
  }
}
