/* smarthost-queue: the injector. qmail-queue's interface: the message on
   fd 0, then the envelope on fd 1 (Fsender\0Trcpt\0...\0), where a
   field "D params" after F or T carries their DSN parameters. It writes
   tmp/ID, fsyncs it, renames it into new/ID, fsyncs new/, pokes the
   trigger, and only then exits 0. Exit codes are qmail-queue(8)'s. */

#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/gccattributes.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include "addr.h"
#include "dsnparam.h"
#include "queue.h"
#include "smtputf8.h"

#define USAGE "smarthost-queue < message 1< envelope"

#define QQ_TOOLONG 11
#define QQ_TOOMANY 12      /* over QUEUE_RCPT_MAX recipients */
#define QQ_TOOBIG 33       /* over the size limit of a privileged injector */
#define QQ_STR(x) QQ_STR1(x)
#define QQ_STR1(x) #x
#define QQ_RCPT_MAX_STR QQ_STR(QUEUE_RCPT_MAX)
#define QQ_NOMEM 51
#define QQ_WRITE 53
#define QQ_READ 54
#define QQ_CONFIG 55
#define QQ_SPOOL 62
#define QQ_BUG 81
#define QQ_ENVELOPE 91

static queue_tmp tmp = QUEUE_TMP_ZERO;

static void die (int code, char const *what) gccattr_noreturn;
static void die_tmp (int code, char const *a, char const *b, char const *c)
{
  queue_tmp_abort(&tmp);
  strerr_dief(code, a, b, c);
}

static void diesys (int code, char const *what) gccattr_noreturn;
static void diewrite (void) gccattr_noreturn;
static void die_tmp (int code, char const *a, char const *b, char const *c) gccattr_noreturn;

static void die (int code, char const *what)
{
  queue_tmp_abort(&tmp);
  strerr_dief(code, what);
}

static void diesys (int code, char const *what)
{
  queue_tmp_abort(&tmp);
  strerr_diefusys(code, what);
}

/* A write error is the disk's fault (53) when the disk is full or over
   quota, and the spool's otherwise. */
static void diewrite (void)
{
  diesys(errno == ENOSPC || errno == EDQUOT || errno == EFBIG || errno == EIO ? QQ_WRITE : QQ_SPOOL, "write message file");
}

/* Reads one NUL-terminated envelope field into sa. EOF before the NUL means
   the caller died: the message may be incomplete, so nothing is queued. */
static void envelope_field (buffer *in, stralloc *sa)
{
  sa->len = 0;
  for (;;)
  {
    char c;
    ssize_t r = buffer_get(in, &c, 1);
    if (r < 0) diesys(QQ_READ, "read envelope");
    if (!r) die(QQ_READ, "envelope ends early");
    if (!stralloc_catb(sa, &c, 1)) diesys(QQ_NOMEM, "store envelope");
    if (!c) return;
    /* a type letter and a path of 256 octets (or a D field's DSN
       parameters): anything longer is refused here */
    if (sa->len > ADDR_MAX + 2 && (sa->s[0] != 'D' || sa->len > 40 + DSN_ORCPT_MAX)) die(QQ_TOOLONG, "envelope address too long");
  }
}

/* Adds one field (type letter, address or DSN parameters, NUL) to the
   envelope lines. */
static int envelope_add (queue_head *h, stralloc const *field)
{
  int r = field->s[0] == 'F' ? queue_head_sender(h, field->s + 1, field->len - 2)
        : field->s[0] == 'D' ? queue_head_dsn(h, field->s + 1, field->len - 2)
                             : queue_head_rcpt(h, field->s + 1, field->len - 2);
  if (r < 0 && field->s[0] == 'D' && errno == EINVAL) die(QQ_ENVELOPE, "malformed DSN parameters in envelope");
  if (r >= 0) return r;
  switch (errno)
  {
    case ENAMETOOLONG: die(QQ_TOOLONG, "envelope address too long");
    case E2BIG: die(QQ_TOOMANY, "more than " QQ_RCPT_MAX_STR " recipients: split the message");
    case ENOMEM: diesys(QQ_NOMEM, "store envelope");
    default: die(QQ_ENVELOPE, "control character in envelope address");
  }
}

/* Turns the qmail envelope into the spool's header lines; a recipient
   given twice is written once (queue_head_rcpt). The sender, without its
   F, goes into sender (NUL-terminated). */
static void envelope_read (queue_head *h, stralloc *sender)
{
  char buf[1024];
  buffer in = BUFFER_INIT(&fd_readv, 1, buf, sizeof buf);
  stralloc field = STRALLOC_ZERO;
  envelope_field(&in, &field);
  if (field.s[0] != 'F') die(QQ_ENVELOPE, "envelope does not start with a sender");
  envelope_add(h, &field);
  if (!stralloc_copyb(sender, field.s + 1, field.len - 1)) diesys(QQ_NOMEM, "store envelope");
  for (;;)
  {
    envelope_field(&in, &field);
    if (field.len == 1) break;
    if ((field.s[0] != 'T' && field.s[0] != 'D') || field.len == 2) die(QQ_ENVELOPE, "malformed recipient in envelope");
    envelope_add(h, &field);
  }
  if (queue_head_end(h) < 0)
  {
    if (errno == ENOMEM) diesys(QQ_NOMEM, "store envelope");
    die(QQ_ENVELOPE, "envelope has no recipients");
  }
  stralloc_free(&field);
}

/* The envelope comes after the message but goes before it in the file, so
   the message is held until the envelope is known: in memory up to
   SPILL_AT bytes (the usual case, written with the envelope in one go),
   beyond that in an unlinked scratch file (O_TMPFILE) in tmp/. */
#define SPILL_AT (1024 * 1024)

typedef struct body_s body;
struct body_s
{
  stralloc mem;
  int spill;
  smtputf8_head head;   /* whether the header holds UTF-8 */
  uint64_t size;        /* octets so far, as CRLF lines (the smtpd's count) */
  uint64_t max;         /* 0: no limit */
};

static void body_spill (body *m, int dirfd)
{
  m->spill = queue_tmp_scratch(dirfd);
  if (m->spill < 0) diesys(QQ_SPOOL, "create scratch file in tmp");
  if (allwrite(m->spill, m->mem.s, m->mem.len) != m->mem.len) diewrite();
  m->mem.len = 0;
}

/* Stops at the limit, before anything is written to the spool: a scratch
   file holding the start is unlinked already (queue_tmp_scratch), and
   tmp/ID is not made yet, so nothing is left. */
static void body_check (body const *m)
{
  if (m->max && m->size > m->max)
  {
    char fmt[UINT64_FMT];
    fmt[uint64_fmt(fmt, m->max)] = 0;
    die_tmp(QQ_TOOBIG, "message over the size limit of ", fmt, " octets (DATABYTES, or the upstream's SIZE less UPSTREAM_SIZE_MARGIN): not queued");
  }
}

/* Counts what was read as the smtpd counts DATA (each LF a CRLF). */
static void body_count (body *m, char const *s, size_t len)
{
  char const *nl = s;
  m->size += len;
  while ((nl = memchr(nl, '\n', s + len - nl))) { m->size++; nl++; }
  body_check(m);
}

static void body_read (body *m, int dirfd)
{
  char buf[65536];
  for (;;)
  {
    ssize_t r = fd_read(0, buf, sizeof buf);
    if (r < 0) diesys(QQ_READ, "read message");
    if (!r) return;
    smtputf8_head_feed(&m->head, buf, r);
    body_count(m, buf, r);
    if (m->spill < 0 && m->mem.len + r > SPILL_AT) body_spill(m, dirfd);
    if (m->spill >= 0)
    {
      if (allwrite(m->spill, buf, r) != (size_t)r) diewrite();
    }
    else if (!stralloc_catb(&m->mem, buf, r)) diesys(QQ_NOMEM, "store message");
  }
}

/* Copies the scratch file into fd, in the kernel where it can. */
static void body_copy_spill (int from, int to)
{
  char buf[65536];
  if (lseek(from, 0, SEEK_SET) < 0) diesys(QQ_SPOOL, "rewind scratch file");
  for (;;)
  {
    ssize_t r = copy_file_range(from, 0, to, 0, 1 << 30, 0);
    if (!r) return;
    if (r > 0) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) diewrite();
    break;
  }
  for (;;)
  {
    ssize_t r = fd_read(from, buf, sizeof buf);
    if (r < 0) diesys(QQ_SPOOL, "read scratch file");
    if (!r) return;
    if (allwrite(to, buf, r) != (size_t)r) diewrite();
  }
}

static void message_write (stralloc const *head, body *m)
{
  struct iovec v[2] =
  {
    { .iov_base = head->s, .iov_len = head->len },
    { .iov_base = m->mem.s, .iov_len = m->mem.len }
  };
  if (allwritev(tmp.fd, v, 2) != head->len + m->mem.len) diewrite();
  if (m->spill >= 0) body_copy_spill(m->spill, tmp.fd);
}

/* Whether the message goes with SMTPUTF8 (the U line; an address outside
   ASCII sets it anyway, queue_head_rcpt): as the smtpd says in
   SMARTHOST_SMTPUTF8 (1 or 0: its client's MAIL); for everyone else
   (sendmail, bounces, a filter that says nothing) when the header holds
   UTF-8 outside ASCII (RFC 6532), as Postfix detects it for its sendmail
   (smtputf8_autodetect_classes); other 8-bit octets (Latin-1 from an old
   script) are relayed as before, without SMTPUTF8. Only ever stricter,
   so trusted from any caller. */
static int utf8_wanted (body const *m)
{
  char const *v = getenv("SMARTHOST_SMTPUTF8");
  if (v && !strcmp(v, "1")) return 1;
  if (v && !strcmp(v, "0")) return 0;
  return smtputf8_head_utf8(&m->head);
}

/* An injector that runs with more privileges than its caller chooses its
   own id: a caller's id could name a message already queued (or about to
   be), and the caller must not be able to touch another's message. An
   unprivileged caller (the smtpd, sendmail, a filter of the same user)
   may name the id it will quote in its reply. (Silently: sendmail's
   stderr is a user's terminal.) */
static void id_choose (char *id, int privileged)
{
  char const *given = privileged ? 0 : getenv("SMARTHOST_ID");
  if (given && queue_id_valid(given)) memcpy(id, given, QUEUE_ID_SIZE);
  else queue_id_make(id);
}

/* A privileged injector's limit (queue_size_cap: the smtpd's, from the
   instance's files, never from its caller); an unprivileged one has none
   (its caller could write into the spool anyway, and bounces of the
   largest messages must get through). sender 0: the limit while the
   message is read, before the envelope (with ROUTES, DATABYTES);
   then the sender's own (its route's upstream's SIZE). */
static uint64_t size_max (int privileged, char const *dir, char const *sender)
{
  uint64_t max = 0;
  char const *bad;
  int r;
  if (!privileged) return 0;
  r = queue_size_cap(dir, sender, &max, &bad);
  if (r < 0) strerr_diefusys(QQ_CONFIG, "read the size limit of ", dir, " (DATABYTES in its conf/)");
  if (!r) strerr_dief(QQ_CONFIG, "invalid ", bad, " in the conf/ of ", dir);
  return max;
}

/* The spool: for a privileged injector, the one of its installation
   (queue/README.md, privileges); otherwise QUEUE. */
static int spool_open (int privileged, char const **dir)
{
  static char path[4096];
  int fd;
  if (privileged)
  {
    fd = queue_spool_installed(path, sizeof path);
    if (fd < 0) strerr_diefusys(QQ_SPOOL, "open the spool of this installation (DIR/queue for DIR/bin/smarthost-queue)");
    *dir = path;
    return fd;
  }
  if (!*dir || !**dir) strerr_dienotset(QQ_CONFIG, "QUEUE");
  fd = open(*dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) strerr_diefu(QQ_SPOOL, "open spool ", *dir);
  return fd;
}

int main (int argc, char const *const *argv)
{
  char const *dir = getenv("QUEUE");
  queue_head head = QUEUE_HEAD_ZERO;
  stralloc sender = STRALLOC_ZERO;
  body m = { STRALLOC_ZERO, -1, SMTPUTF8_HEAD_ZERO, 0, 0 };
  char id[QUEUE_ID_SIZE];
  int privileged = queue_privileged();
  int dirfd;
  PROG = "smarthost-queue";
  if (argc > 1) strerr_dieusage(100, USAGE);
  (void)argv;
  /* qmail-queue's guard: a caller that never finishes does not hold us forever */
  alarm(86400);
  /* a trigger reader that goes away between our open and our write must
     not kill us after the commit: the caller would report a failure */
  signal(SIGPIPE, SIG_IGN);
  /* a caller's RLIMIT_FSIZE must give a write error (EFBIG: exit 53, and
     tmp/ID removed), not a SIGXFSZ that kills us mid-write and leaves a
     file in tmp/ that the caller cannot remove and nothing else does
     for 36 hours: a privileged injector's caller could make them at will */
  signal(SIGXFSZ, SIG_IGN);
  dirfd = spool_open(privileged, &dir);
  m.max = size_max(privileged, dir, 0);
  body_read(&m, dirfd);
  if (utf8_wanted(&m)) queue_head_smtputf8(&head);
  envelope_read(&head, &sender);
  m.max = size_max(privileged, dir, sender.s);
  body_check(&m);
  id_choose(id, privileged);
  if (queue_tmp_openat(&tmp, dirfd, id) < 0)
    diesys(errno == ENOSPC || errno == EDQUOT ? QQ_WRITE : QQ_SPOOL, "create message file in tmp");
  message_write(&head.s, &m);
  if (queue_tmp_commit(&tmp) < 0)
    strerr_diefusys(errno == ENOSPC || errno == EDQUOT || errno == EIO ? QQ_WRITE : QQ_SPOOL, "commit message file into new");
  /* committed: from here on, nothing may make us report failure */
  if (queue_trigger_at(dirfd) < 0)
    strerr_warnwusys("poke the trigger (it must be a FIFO, not a link)");
  return 0;
}
