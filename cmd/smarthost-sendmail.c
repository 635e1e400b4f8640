/* smarthost-sendmail: the sendmail(8) front end for cron, scripts and
   mail(1). It reads a message on stdin, adds the Date, Message-ID and From
   fields that are missing, removes Bcc, and hands the message to the
   injector ($QMAILQUEUE or smarthost-queue) with the qmail-queue protocol.
   -bs runs smarthost-smtpd on stdin/stdout; -bp (or the name mailq) lists
   the queue. Options that callers pass out of habit are accepted and
   ignored, as Postfix's and qmail's sendmail wrappers do. */

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/gccattributes.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include "addr.h"
#include "date822.h"
#include "dsnparam.h"
#include "heloname.h"
#include "printable.h"
#include "qq.h"
#include "queue.h"
#include "queue_list.h"
#include "queue_status.h"

/* sendmail's exit status for bad input (sysexits.h EX_DATAERR): what
   callers of sendmail(8) test for, where the rest of the program speaks
   the house's 100 and 111. */
#define EX_DATAERR 65

#define USAGE "smarthost-sendmail [ -t ] [ -i ] [ -f sender ] [ -F fullname ] [ -bm | -bs | -bp ] [ recipient ... ]"
#define dieusage() strerr_dieusage(100, USAGE)
#define dienomem() strerr_diefu1sys(111, "allocate memory")

/* The header is held in memory until its end (the recipients of -t, and
   the fields to add, are known only then); past this it is refused. Room
   for QUEUE_RCPT_MAX recipients of ordinary length in To, Cc and Bcc. */
#define HEADER_MAX (16 * 1024 * 1024)
/* Lines sent upstream are at most this long without their CRLF (RFC 5321
   4.5.3.1.6); longer ones are folded, as Postfix's smtp_line_length_limit
   does. */
#define LINE_MAX_OCTETS 998
/* The body is copied in pieces of at most this many bytes. */
#define SEG_MAX 65536

/* ---------------------------------------------------------------- input */

/* stdin, read in segments: a line with its LF, or SEG_MAX bytes of a
   longer line. */
static char inbuf[SEG_MAX];
static size_t inpos, inlen;
static int ineof;

/* The injector, once started: a refusal of the input stops it first, so
   that nothing is queued. */
static qq *injecting;

/* A NUL cannot be carried by SMTP DATA in any form an upstream treats
   alike (some strip it, some end the line or the data there): refused,
   with sendmail's data-error status. The injector, if running, gets no
   envelope and queues nothing. */
static void die_nul (void) gccattr_noreturn;
static void die_nul (void)
{
  if (injecting) qq_finish(injecting);
  strerr_dief(EX_DATAERR, "the message contains a NUL byte: not queued (send binary data MIME-encoded)");
}

/* Appends the next segment to sa. Returns 1 if it ends with LF, 0 if it is
   a piece of a long line or the end of input without LF (sa unchanged and
   ineof set when there was nothing left). */
static int seg_read (stralloc *sa, size_t max)
{
  size_t got = 0;
  for (;;)
  {
    char *nl;
    size_t n;
    if (inpos == inlen)
    {
      ssize_t r;
      if (ineof) return 0;
      r = fd_read(0, inbuf, sizeof inbuf);
      if (r < 0) strerr_diefu1sys(111, "read message from stdin");
      if (!r) { ineof = 1; return 0; }
      if (memchr(inbuf, 0, r)) die_nul();
      inpos = 0; inlen = r;
    }
    n = inlen - inpos;
    if (n > max - got) n = max - got;
    nl = memchr(inbuf + inpos, '\n', n);
    if (nl) n = nl - (inbuf + inpos) + 1;
    if (!stralloc_catb(sa, inbuf + inpos, n)) dienomem();
    inpos += n; got += n;
    if (nl) return 1;
    if (got == max) return 0;
  }
}

/* ----------------------------------------------------- address lists */

/* Appends each address of an RFC 5322 address list (or of a plain
   comma-separated list) to out, NUL-terminated: display names, comments
   and group names are dropped, the addr-spec of <...> kept, a source
   route (<@a,@b:x@y>) removed. Quoted strings are kept as they are. */
static void addrlist_add (stralloc *out, char const *s, size_t len);

static void addr_finish (stralloc *out, stralloc *bare, stralloc *angle, int inangle)
{
  stralloc *a = inangle ? angle : bare;
  size_t start = 0, i;
  if (inangle && a->len && a->s[0] == '@')
    for (i = 0; i < a->len; i++)
      if (a->s[i] == ':') { start = i + 1; break; }
  if (a->len > start)
  {
    if (!stralloc_catb(out, a->s + start, a->len - start) || !stralloc_0(out)) dienomem();
  }
  bare->len = 0;
  angle->len = 0;
}

static void addrlist_add (stralloc *out, char const *s, size_t len)
{
  stralloc bare = STRALLOC_ZERO, angle = STRALLOC_ZERO;
  int inangle = 0, hadangle = 0;
  size_t i = 0;
  while (i < len)
  {
    char c = s[i];
    stralloc *cur = inangle ? &angle : &bare;
    if (c == '"')
    {
      size_t j = i + 1;
      for (; j < len && s[j] != '"'; j++) if (s[j] == '\\' && j + 1 < len) j++;
      if (j < len) j++;
      if (!stralloc_catb(cur, s + i, j - i)) dienomem();
      i = j;
      continue;
    }
    if (c == '(')
    {
      unsigned int depth = 0;
      for (; i < len; i++)
      {
        if (s[i] == '\\') { i++; continue; }
        if (s[i] == '(') depth++;
        else if (s[i] == ')' && !--depth) { i++; break; }
      }
      continue;
    }
    i++;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (inangle)
    {
      if (c == '>') inangle = 0;
      else if (!stralloc_catb(&angle, &c, 1)) dienomem();
      continue;
    }
    switch (c)
    {
      case '<': inangle = hadangle = 1; angle.len = 0; bare.len = 0; break;
      case ':': bare.len = 0; break;   /* a group's name */
      case ',': case ';':
        addr_finish(out, &bare, &angle, hadangle); hadangle = 0; break;
      default:
        if (hadangle) break;   /* text after <...> belongs to no address */
        if (!stralloc_catb(&bare, &c, 1)) dienomem();
    }
  }
  addr_finish(out, &bare, &angle, hadangle);
  stralloc_free(&bare);
  stralloc_free(&angle);
}

/* ----------------------------------------------------- who we are */

static char const *domain_get (void)
{
  char const *d = getenv("DEFAULTDOMAIN");
  return d && *d ? d : heloname_get();
}

static char const *login_get (void)
{
  static char num[UINT_FMT + 4] = "uid";
  struct passwd *pw = getpwuid(getuid());
  if (pw && pw->pw_name[0]) return pw->pw_name;
  num[3 + uint_fmt(num + 3, getuid())] = 0;
  return num;
}

/* The full name for a From field we add: -F, else $NAME, else the GECOS
   field up to its first comma. */
static char const *fullname_get (char const *given)
{
  struct passwd *pw;
  char const *name = getenv("NAME");
  if (given) return given;
  if (name && *name) return name;
  pw = getpwuid(getuid());
  return pw && pw->pw_gecos ? pw->pw_gecos : "";
}

/* Appends addr to sa, with @domain when it has no domain. Refuses what the
   injector would refuse, so that the caller gets a clear message. */
static void addr_qualify (stralloc *sa, char const *addr, char const *domain)
{
  size_t start = sa->len;
  if (!stralloc_cats(sa, addr)) dienomem();
  if (*addr && !strchr(addr, '@'))
    if (!stralloc_catb(sa, "@", 1) || !stralloc_cats(sa, domain)) dienomem();
  switch (addr_check(sa->s + start, sa->len - start))
  {
    case ADDR_ELONG: strerr_dief(100, "address too long: ", addr);
    case ADDR_ECHAR: strerr_dief(100, "control character in address");
  }
  if (!stralloc_0(sa)) dienomem();
}

/* -f accepts a@b, <a@b>, and <> or an empty string for the null sender. */
static void sender_set (stralloc *sa, char const *f, char const *domain)
{
  size_t len;
  char buf[ADDR_MAX + 3];
  if (!f)
  {
    f = getenv("SENDMAIL_FROM");
    if (!f || !*f) f = login_get();
  }
  len = strlen(f);
  if (len >= 2 && f[0] == '<' && f[len-1] == '>')
  {
    if (len - 2 > ADDR_MAX) strerr_dief(100, "sender address too long");
    memcpy(buf, f + 1, len - 2);
    buf[len - 2] = 0;
    f = buf;
  }
  sa->len = 0;
  addr_qualify(sa, f, domain);
}

/* ----------------------------------------------------- the header */

typedef struct header_s header;
struct header_s
{
  stralloc kept;       /* the fields that are passed on, LF line endings */
  stralloc rcpthdr;    /* values of To, Cc, Bcc, comma-separated (for -t) */
  int has_date, has_msgid, has_from;
};
#define HEADER_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0 }

/* The length of a field name and its colon ("Subject:" gives 8), or 0
   when the line does not start a field. */
static size_t field_name_len (char const *s, size_t len)
{
  size_t i = 0;
  while (i < len && s[i] > 32 && s[i] < 127 && s[i] != ':') i++;
  if (!i) return 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;   /* obsolete "Name :" */
  return i < len && s[i] == ':' ? i + 1 : 0;
}

static int field_is (char const *s, size_t namelen, char const *name)
{
  size_t n = strlen(name);
  size_t i = n;
  if (namelen < n + 1 || strncasecmp(s, name, n)) return 0;
  while (s[i] == ' ' || s[i] == '\t') i++;
  return s[i] == ':';
}

/* Turns a trailing CRLF into LF; a last line without LF gets one. */
static void line_fix (stralloc *line)
{
  if (!line->len || line->s[line->len-1] != '\n')
    if (!stralloc_catb(line, "\n", 1)) dienomem();
  if (line->len >= 2 && line->s[line->len-2] == '\r')
    line->s[--line->len - 1] = '\n';
}

static int dot_line (stralloc const *line)
{
  return line->len == 2 && line->s[0] == '.' && line->s[1] == '\n';
}

enum header_end { HEADER_BLANK, HEADER_BODYLINE, HEADER_EOF };

/* Reads the header. Returns how it ended; with HEADER_BODYLINE, line holds
   the first line of the body (a line that is not a field: the blank
   separator is then missing and is added). */
static enum header_end header_read (header *h, stralloc *line, int dots)
{
  size_t total = 0;
  int keep = 0, collect = 0, first = 1;
  for (;;)
  {
    size_t n;
    line->len = 0;
    if (!seg_read(line, HEADER_MAX + 1 - total))
    {
      if (!line->len) return HEADER_EOF;
      if (!ineof) strerr_dief(100, "message header too large");
    }
    total += line->len;
    line_fix(line);
    if (dots && dot_line(line)) { ineof = 1; inpos = inlen; return HEADER_EOF; }
    if (line->len == 1) return HEADER_BLANK;
    if (first && line->len > 5 && !memcmp(line->s, "From ", 5)) { first = 0; continue; }   /* mbox From_ line */
    first = 0;
    if (line->s[0] == ' ' || line->s[0] == '\t')
    {
      if (!keep && !collect) return HEADER_BODYLINE;   /* no field to continue */
    }
    else if ((n = field_name_len(line->s, line->len)))
    {
      int bcc = field_is(line->s, n, "Bcc") || field_is(line->s, n, "Resent-Bcc");
      keep = !bcc;
      collect = bcc || field_is(line->s, n, "To") || field_is(line->s, n, "Cc");
      if (field_is(line->s, n, "Date")) h->has_date = 1;
      if (field_is(line->s, n, "Message-ID")) h->has_msgid = 1;
      if (field_is(line->s, n, "From")) h->has_from = 1;
      if (collect && !stralloc_catb(&h->rcpthdr, ",", 1)) dienomem();
      if (collect && !stralloc_catb(&h->rcpthdr, line->s + n, line->len - n)) dienomem();
      if (keep && !stralloc_catb(&h->kept, line->s, line->len)) dienomem();
      continue;
    }
    else return HEADER_BODYLINE;
    if (collect && !stralloc_catb(&h->rcpthdr, line->s, line->len)) dienomem();
    if (keep && !stralloc_catb(&h->kept, line->s, line->len)) dienomem();
  }
}

/* A display name as a phrase: atoms as they are, anything else quoted.
   Control characters would end the field: they become spaces. */
static void phrase_cat (stralloc *sa, char const *name)
{
  static char const specials[] = "()<>[]:;@\\,.\"";
  size_t i, len = strlen(name);
  int quote = 0;
  for (i = 0; i < len; i++)
    if (strchr(specials, name[i]) || (unsigned char)name[i] >= 0x7f) quote = 1;
  if (quote && !stralloc_catb(sa, "\"", 1)) dienomem();
  for (i = 0; i < len; i++)
  {
    char c = name[i];
    if ((unsigned char)c < 0x20 || c == 0x7f) c = ' ';
    if (quote && (c == '"' || c == '\\') && !stralloc_catb(sa, "\\", 1)) dienomem();
    if (!stralloc_catb(sa, &c, 1)) dienomem();
  }
  if (quote && !stralloc_catb(sa, "\"", 1)) dienomem();
}

/* The fields sendmail adds when they are missing. */
static void header_complete (header *h, char const *id, char const *sender, char const *fullname, char const *domain)
{
  stralloc *sa = &h->kept;
  if (!h->has_date)
  {
    /* the local time of the user who sends, as mail(1) would write it */
    char date[DATE822_MAX];
    time_t now = time(0);
    struct tm tm;
    if (!localtime_r(&now, &tm)) strerr_diefu1sys(111, "get the local time");
    date822_fmt(date, now, tm.tm_gmtoff);
    if (!stralloc_cats(sa, "Date: ") || !stralloc_cats(sa, date) || !stralloc_cats(sa, "\n")) dienomem();
  }
  if (!h->has_msgid)
  {
    if (!stralloc_cats(sa, "Message-ID: <") || !stralloc_cats(sa, id)
     || !stralloc_catb(sa, "@", 1) || !stralloc_cats(sa, domain)
     || !stralloc_cats(sa, ">\n")) dienomem();
  }
  if (!h->has_from)
  {
    if (!stralloc_cats(sa, "From: ")) dienomem();
    if (*fullname)
    {
      phrase_cat(sa, fullname);
      if (!stralloc_cats(sa, " <") || !stralloc_cats(sa, sender) || !stralloc_cats(sa, ">\n")) dienomem();
    }
    else if (!stralloc_cats(sa, sender) || !stralloc_catb(sa, "\n", 1)) dienomem();
  }
}

/* ----------------------------------------------------- injecting */

static int out_broken;

static void out_put (buffer *b, char const *s, size_t len)
{
  if (out_broken) return;
  if (buffer_put(b, s, len) < 0) out_broken = 1;   /* the injector gave up: its verdict says why */
}

/* Octets written since the last LF. */
static size_t outcol;

/* Writes text to the injector, breaking lines longer than LINE_MAX_OCTETS
   with LF SPACE, as Postfix's smtp_line_length_limit does with CRLF SPACE:
   in a header that continues the field, in a body it keeps MIME parts and
   their boundaries whole, and a line so made never starts with a dot. */
static void out_text (buffer *b, char const *s, size_t len)
{
  while (len)
  {
    char const *nl = memchr(s, '\n', len);
    size_t n = nl ? (size_t)(nl - s) + 1 : len;
    size_t text = nl ? n - 1 : n;
    if (outcol + text > LINE_MAX_OCTETS)
    {
      n = LINE_MAX_OCTETS - outcol;
      out_put(b, s, n);
      out_put(b, "\n ", 2);
      outcol = 1;
    }
    else
    {
      out_put(b, s, n);
      outcol = nl ? 0 : outcol + n;
    }
    s += n; len -= n;
  }
}

static int blank (char c)
{
  return c == ' ' || c == '\t';
}

/* The last blank after a non-blank in out between bol and the end, where
   a line may be folded (RFC 5322 2.2.3), or 0. */
static size_t fold_point (stralloc const *out, size_t bol)
{
  size_t i = out->len;
  while (i-- > bol + 1)
    if (blank(out->s[i]) && !blank(out->s[i-1])) return i;
  return 0;
}

/* Copies the header to out, folding each line longer than LINE_MAX_OCTETS
   before a blank, as a person would. A line with no blank to fold at is
   broken by out_text. */
static void header_fold (stralloc *out, char const *s, size_t len)
{
  size_t bol = out->len, wsp = 0, i;
  for (i = 0; i < len; i++)
  {
    if (!stralloc_catb(out, s + i, 1)) dienomem();
    if (s[i] == '\n') { bol = out->len; wsp = 0; continue; }
    if (blank(s[i]) && out->len - 1 > bol && !blank(out->s[out->len-2])) wsp = out->len - 1;
    if (out->len - bol > LINE_MAX_OCTETS && wsp)
    {
      if (!stralloc_catb(out, "\n", 1)) dienomem();
      memmove(out->s + wsp + 1, out->s + wsp, out->len - 1 - wsp);
      out->s[wsp] = '\n';
      bol = wsp + 1;
      wsp = fold_point(out, bol);
    }
  }
}

/* Copies the rest of stdin: CRLF becomes LF, and without -i a line with a
   single dot ends the message. A CR at the end of a piece of a long line
   is held back, in case the LF comes next. */
static void body_copy (buffer *b, stralloc *line, int dots)
{
  int bol = 1, cr = 0;
  for (;;)
  {
    int full;
    line->len = 0;
    if (cr && !stralloc_catb(line, "\r", 1)) dienomem();
    cr = 0;
    full = seg_read(line, SEG_MAX);
    if (!line->len) return;
    if (full || ineof)
    {
      line_fix(line);
      if (bol && dots && dot_line(line)) return;
      full = 1;
    }
    else if (line->s[line->len-1] == '\r') { cr = 1; line->len--; }
    out_text(b, line->s, line->len);
    bol = full;
  }
}

/* Appends addr, qualified, to the envelope; duplicates fold as the
   injector folds them (queue_head_rcpt). Past QUEUE_RCPT_MAX, the message
   is refused before anything is queued. */
static void rcpt_add (queue_head *env, stralloc *scratch, char const *addr, char const *domain)
{
  scratch->len = 0;
  addr_qualify(scratch, addr, domain);
  if (!scratch->s[0]) return;
  if (queue_head_rcpt(env, scratch->s, scratch->len - 1) >= 0) return;
  if (errno == E2BIG)
  {
    char fmt[UINT_FMT];
    fmt[uint_fmt(fmt, QUEUE_RCPT_MAX)] = 0;
    strerr_dief(EX_DATAERR, "too many recipients: more than ", fmt, " in one message: not queued (split the list)");
  }
  if (errno == ENOMEM) dienomem();
  strerr_diefu2sys(100, "add recipient ", scratch->s);
}

/* The recipients of env (its T lines), NUL-terminated in place, for the
   injector's envelope. */
static char const **rcpts_list (queue_head *env)
{
  char const **rv = malloc((env->nrcpt + 1) * sizeof *rv);
  size_t pos = 0;
  unsigned int i = 0;
  if (!rv) dienomem();
  while (pos < env->s.len)
  {
    char *nl = memchr(env->s.s + pos, '\n', env->s.len - pos);
    *nl = 0;
    if (env->s.s[pos] == 'T') rv[i++] = env->s.s + pos + 2;
    pos = nl - env->s.s + 1;
  }
  rv[i] = 0;
  return rv;
}

/* DSN (RFC 3461) from -N (every recipient's NOTIFY), -R (RET) and -V
   (ENVID, given plain and sent in xtext), checked as the smtpd checks
   them; in dsnparam_fmt's form, NUL-terminated, for the envelope. */
static stralloc dsn_mail = STRALLOC_ZERO, dsn_rcpt = STRALLOC_ZERO;
static dsnparam dsn_m = DSNPARAM_ZERO, dsn_r = DSNPARAM_ZERO;
static stralloc dsn_envid = STRALLOC_ZERO;

/* The value is quoted printable (lib/printable) and cut: it is the
   caller's, and the error goes to a terminal, or into a log or a bounce
   of a cron job's mail. */
#define DSN_BAD_SHOWN 100
static void dsn_bad (int opt, char const *arg) gccattr_noreturn;
static void dsn_bad (int opt, char const *arg)
{
  stralloc shown = STRALLOC_ZERO;
  size_t len = strlen(arg);
  if (!printable_cat(&shown, arg, len < DSN_BAD_SHOWN ? len : DSN_BAD_SHOWN)
   || (len > DSN_BAD_SHOWN && !stralloc_cats(&shown, "...")) || !stralloc_0(&shown)) dienomem();
  strerr_dief(100, "bad -", opt == 'N' ? "N" : opt == 'R' ? "R" : "V", " value (RFC 3461): ", shown.s);
}

static void dsn_option (int opt, char const *arg)
{
  char const *key = opt == 'N' ? "NOTIFY" : opt == 'R' ? "RET" : "ENVID";
  int r;
  if (opt == 'V')
  {
    dsn_envid.len = 0;
    if (!dsn_xtext_encode(&dsn_envid, arg, strlen(arg))) dienomem();
    r = dsnparam_take(&dsn_m, 0, key, 5, dsn_envid.s, dsn_envid.len);
  }
  else r = dsnparam_take(opt == 'N' ? &dsn_r : &dsn_m, opt == 'N', key, strlen(key), arg, strlen(arg));
  if (r != DSNPARAM_OK) dsn_bad(opt, arg);
}

static void dsn_finish (void)
{
  if (!dsnparam_fmt(&dsn_mail, &dsn_m) || !stralloc_0(&dsn_mail)
   || !dsnparam_fmt(&dsn_rcpt, &dsn_r) || !stralloc_0(&dsn_rcpt)) dienomem();
}

static int inject (char const *const *args, char const *fopt, char const *Fopt, int tflag, int dots)
{
  header h = HEADER_ZERO;
  stralloc line = STRALLOC_ZERO, list = STRALLOC_ZERO, sender = STRALLOC_ZERO, head = STRALLOC_ZERO;
  stralloc scratch = STRALLOC_ZERO;
  queue_head env = QUEUE_HEAD_ZERO;
  char const *domain = domain_get();
  char const **rv, **dv;
  char id[QUEUE_ID_SIZE];
  char obuf[8192];
  buffer b;
  qq q = QQ_ZERO;
  qq_verdict const *v;
  enum header_end end;
  size_t pos;
  int wstat;

  sender_set(&sender, fopt, domain);
  if (queue_head_sender(&env, sender.s, sender.len - 1) < 0) dienomem();   /* addr_qualify checked it */
  for (; *args; args++) addrlist_add(&list, *args, strlen(*args));
  end = header_read(&h, &line, dots);
  if (tflag) addrlist_add(&list, h.rcpthdr.s, h.rcpthdr.len);
  for (pos = 0; pos < list.len; pos += strlen(list.s + pos) + 1)
    rcpt_add(&env, &scratch, list.s + pos, domain);
  if (!env.nrcpt) strerr_dief(100, "no recipients");

  queue_id_make(id);
  /* The From we add names the sender; the null sender has no address to
     name, so it names the user. */
  if (sender.s[0]) header_complete(&h, id, sender.s, fullname_get(Fopt), domain);
  else
  {
    stralloc me = STRALLOC_ZERO;
    addr_qualify(&me, login_get(), domain);
    header_complete(&h, id, me.s, fullname_get(Fopt), domain);
    stralloc_free(&me);
  }

  signal(SIGPIPE, SIG_IGN);
  if (qq_start(&q, id) < 0) strerr_diefu1sys(111, "start the injector");
  injecting = &q;
  buffer_init(&b, &buffer_write, q.msgfd, obuf, sizeof obuf);
  header_fold(&head, h.kept.s, h.kept.len);
  out_text(&b, head.s, head.len);
  out_text(&b, "\n", 1);
  if (end == HEADER_BODYLINE) out_text(&b, line.s, line.len);
  if (end != HEADER_EOF) body_copy(&b, &line, dots);
  if (!out_broken && !buffer_flush(&b)) out_broken = 1;

  rv = rcpts_list(&env);
  dv = malloc((env.nrcpt + 1) * sizeof *dv);
  if (!dv) dienomem();
  dsn_finish();
  for (unsigned int k = 0; k < env.nrcpt; k++) dv[k] = dsn_rcpt.s;
  dv[env.nrcpt] = 0;
  qq_envelope_dsn(&q, sender.s, dsn_mail.s, rv, dv, env.nrcpt);   /* a failure here shows in the verdict */
  wstat = qq_finish(&q);
  injecting = 0;
  if (wstat < 0) strerr_diefu1sys(111, "wait for the injector");
  v = qq_verdict_of(wstat);
  if (v->code / 100 == 2) return 0;
  {
    char code[UINT_FMT];
    code[uint_fmt(code, v->code)] = 0;
    strerr_dief(v->code / 100 == 5 ? 100 : 111, "message not queued: ", code, " ", v->ecode, " ", v->text);
  }
}

/* ----------------------------------------------------- the queue listing */

/* Writes out and empties it. */
static void out_flush (stralloc *out)
{
  if (buffer_put(buffer_1, out->s, out->len) < 0) strerr_diefu1sys(111, "write to stdout");
  out->len = 0;
}

/* Who may not read the spool (a member of the instance's group: queue/
   is the send user's and the spool group's) reads the listing
   smarthost-send keeps in MAILQ_FILE. It is printed line by line in the
   printable form, whatever bytes it holds; a link or anything but a
   regular file is refused. Returns 0 when printed; dies otherwise. */
static int list_file (char const *q)
{
  char const *file = getenv("MAILQ_FILE");
  stralloc in = STRALLOC_ZERO, out = STRALLOC_ZERO;
  struct stat st;
  char num[UINT64_FMT];
  size_t pos = 0;
  uint64_t age;
  int fd;
  if (!file || !*file) strerr_diefu3sys(111, "read the spool ", q, " (and MAILQ_FILE is not set)");
  fd = queue_msg_openat(AT_FDCWD, file);
  if (fd < 0) strerr_diefu4sys(111, "read the spool ", q, " or the listing ", file);
  if (fstat(fd, &st) < 0 || !slurp(&in, fd)) strerr_diefu2sys(111, "read ", file);
  fd_close(fd);
  age = time(0) > st.st_mtime ? (uint64_t)(time(0) - st.st_mtime) : 0;
  num[uint64_fmt(num, age)] = 0;
  if (!stralloc_cats(&out, "(the listing smarthost-send wrote ") || !stralloc_cats(&out, num)
   || !stralloc_cats(&out, " s ago: you may not read the spool)\n")) dienomem();
  while (pos < in.len)
  {
    char const *nl = memchr(in.s + pos, '\n', in.len - pos);
    size_t len = nl ? (size_t)(nl - in.s - pos) : in.len - pos;
    if (!printable_cat(&out, in.s + pos, len) || !stralloc_catb(&out, "\n", 1)) dienomem();
    pos += len + 1;
    if (out.len > 65536) out_flush(&out);
  }
  out_flush(&out);
  if (!buffer_flush(buffer_1)) strerr_diefu1sys(111, "write to stdout");
  return 0;
}

/* -bp: one line per message (queue/queue_list.h), oldest first, after
   what smarthost-send last wrote into queue/status about the whole
   queue (unreadable: nothing is said). A malformed state file hides
   no recipient, and is named on stderr. */
static int list_queue (void)
{
  char const *q = getenv("QUEUE");
  queue_list l = QUEUE_LIST_ZERO;
  stralloc out = STRALLOC_ZERO, ids = STRALLOC_ZERO, status = STRALLOC_ZERO;
  size_t n, pos = 0, listed = 0;
  char const *id, *sub;
  if (!q || !*q) strerr_dienotset(100, "QUEUE");
  l.q = q;
  l.now = time(0);
  if (queue_list_ids(&l, &ids, &n) < 0)
  {
    if (errno == EACCES) return list_file(q);
    strerr_diefu2sys(111, "read the spool ", q);
  }
  if (queue_status_load(q, &status) < 0) { if (errno == ENOMEM) dienomem(); status.len = 0; }
  if (!queue_list_status(&l, &out, &status)) dienomem();
  while (queue_list_next(&ids, &pos, &id, &sub))
  {
    int r = queue_list_one(&l, &out, sub, id);
    if (r < 0) { if (errno == ENOMEM) dienomem(); strerr_diefu4sys(111, "list ", sub, "/", id); }
    if (l.malformed) strerr_warnw("state/", id, " is malformed: its recipients are all listed");
    listed += r;
    out_flush(&out);
  }
  if (!queue_list_total(&out, listed, listed)) dienomem();
  out_flush(&out);
  if (!buffer_flush(buffer_1)) strerr_diefu1sys(111, "write to stdout");
  return 0;
}

/* ----------------------------------------------------- main */

/* -bs: the SMTP receiver on stdin/stdout, for a local caller, who may
   send anywhere (as 127.0.0.1 may under tcpserver). */
static void smtp_stdio (void) gccattr_noreturn;
static void smtp_stdio (void)
{
  char const *argv[2] = { "smarthost-smtpd", 0 };
  if (setenv("RELAYCLIENT", "", 1) < 0) dienomem();
  execvp(argv[0], (char *const *)argv);
  strerr_diefu2sys(errno == ENOENT ? 127 : 126, "exec ", argv[0]);
}

/* -q: a queue run now. The injector's NUL byte on the trigger means "new
   mail"; any other byte makes smarthost-send retry everything at once
   (doc/interfaces.md, "The trigger FIFO"). */
static int queue_kick (void)
{
  char const *q = getenv("QUEUE");
  int r;
  if (!q || !*q) strerr_dienotset(100, "QUEUE");
  r = queue_trigger_kick(q);
  if (r < 0) strerr_diefu3sys(111, "poke the trigger in ", q, " (it must be a FIFO, not a link)");
  if (!r) strerr_warnw(q, "/trigger has no reader: smarthost-send is not running");
  return 0;
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char const *fopt = 0, *Fopt = 0;
  char const *base = strrchr(argv[0], '/');
  char mode = 'm';
  int tflag = 0, dots = 1;
  PROG = "smarthost-sendmail";
  base = base ? base + 1 : argv[0];
  if (strstr(base, "mailq")) mode = 'p';
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "tiIGUvnmqf:r:F:b:o:e:N:R:V:B:L:h:O:C:X:p:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 't': tflag = 1; break;
      case 'i': dots = 0; break;
      case 'f': case 'r': fopt = l.arg; break;
      case 'F': Fopt = l.arg; break;
      case 'b': mode = l.arg[0]; if (!mode || l.arg[1]) dieusage(); break;
      case 'o': if (!strcmp(l.arg, "i")) dots = 0; break;   /* -oi; -oem, -odi, ...: ignored */
      case 'I': mode = 'i'; break;                          /* newaliases */
      case 'q': mode = 'q'; break;
      case 'N': case 'R': case 'V': dsn_option(opt, l.arg); break;
      case 'G': case 'U': case 'v': case 'n': case 'm':
      case 'e': case 'B': case 'L':
      case 'h': case 'O': case 'C': case 'X': case 'p': break;
      default: dieusage();
    }
  }
  argv += l.ind;
  switch (mode)
  {
    case 'm': return inject(argv, fopt, Fopt, tflag, dots);
    case 's': smtp_stdio();
    case 'p': return list_queue();
    case 'q': return queue_kick();
    case 'i': return 0;   /* no aliases here: nothing to rebuild */
    default: strerr_dief(100, "unsupported mode -b", (char const []){ mode, 0 });
  }
}
