/* smarthost-authuser: add (or change, or with -d remove) a user of the
   instance's inbound AUTH. The password comes on stdin and is stored as a
   yescrypt hash in the file conf/SMTPD_AUTHFILE names (DIR/smtpd-users
   when it names none, which is then recorded there): user:hash lines, the
   format smarthost-smtpd reads. The file is replaced whole (written
   beside it, fsynced, renamed), mode 0400, and as root owned by
   conf/SMTPD_USER, the one user that reads it. */

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>

#define USAGE "smarthost-authuser [ -d ] dir user < password"
#define dieusage() strerr_dieusage(100, USAGE)
#define dienomem() strerr_diefu1sys(111, "allocate memory")

/* Longer passwords are refused rather than cut: a cut one would match a
   different password than the user typed. */
#define PASS_MAX 1024

/* The first line of DIR/conf/NAME without trailing blanks, or "". */
static void conf_get (stralloc *sa, char const *dir, char const *name)
{
  stralloc path = STRALLOC_ZERO;
  size_t n;
  sa->len = 0;
  if (!stralloc_cats(&path, dir) || !stralloc_cats(&path, "/conf/")
   || !stralloc_cats(&path, name) || !stralloc_0(&path)) dienomem();
  if (!openslurpclose(sa, path.s) && errno != ENOENT) strerr_diefu2sys(111, "read ", path.s);
  n = 0;
  while (n < sa->len && sa->s[n] != '\n') n++;
  while (n && (sa->s[n-1] == ' ' || sa->s[n-1] == '\t')) n--;
  sa->len = n;
  if (!stralloc_0(sa)) dienomem();
  sa->len--;
  stralloc_free(&path);
}

/* The password: stdin up to its first LF (a CR before it dropped). */
static void password_read (char *pw, size_t max)
{
  size_t len = 0;
  for (;;)
  {
    ssize_t r = fd_read(0, pw + len, max - len);
    if (r < 0) strerr_diefu1sys(111, "read the password from stdin");
    if (!r) break;
    len += r;
    if (memchr(pw, '\n', len) || len == max) break;
  }
  {
    char *nl = memchr(pw, '\n', len);
    if (nl) len = nl - pw;
    else if (len == max) strerr_dief(100, "the password is too long");
  }
  if (len && pw[len-1] == '\r') len--;
  pw[len] = 0;
  if (memchr(pw, 0, len)) strerr_dief(100, "a NUL in the password");
  if (!len) strerr_dief(100, "no password on stdin");
}

/* A yescrypt hash of pw, with a fresh random salt (libcrypt's default
   cost). */
static void hash_make (char *out, size_t outlen, char const *pw)
{
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data cd;
  char const *h;
  if (!crypt_gensalt_rn("$y$", 0, 0, 0, salt, sizeof salt)) strerr_diefu1sys(111, "make a salt");
  memset(&cd, 0, sizeof cd);
  h = crypt_r(pw, salt, &cd);
  if (!h || h[0] == '*' || strlen(h) >= outlen) strerr_diefu1sys(111, "hash the password");
  strcpy(out, h);
  explicit_bzero(&cd, sizeof cd);
}

/* Copies the lines of old to out, but for those of user; returns how
   many of those there were. */
static unsigned int lines_without (stralloc *out, stralloc const *old, char const *user)
{
  size_t ulen = strlen(user), pos = 0;
  unsigned int his_lines = 0;
  while (pos < old->len)
  {
    char const *nl = memchr(old->s + pos, '\n', old->len - pos);
    size_t end = nl ? (size_t)(nl - old->s) : old->len;
    size_t n = end - pos;
    int his = n > ulen && old->s[pos + ulen] == ':' && !memcmp(old->s + pos, user, ulen);
    his_lines += his;
    if (!his && n && (!stralloc_catb(out, old->s + pos, n) || !stralloc_catb(out, "\n", 1))) dienomem();
    pos = end + 1;
  }
  return his_lines;
}

/* Replaces file with content: mode 0400, owner uid when uid is not -1. */
static void file_replace (char const *file, stralloc const *content, uid_t uid, gid_t gid)
{
  stralloc tmp = STRALLOC_ZERO;
  int fd;
  if (!stralloc_cats(&tmp, file) || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp)) dienomem();
  unlink(tmp.s);
  fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
  if (fd < 0) strerr_diefu2sys(111, "create ", tmp.s);
  if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) { unlink(tmp.s); strerr_diefu2sys(111, "chown ", tmp.s); }
  if (allwrite(fd, content->s, content->len) < content->len || fsync(fd) < 0 || close(fd) < 0)
  {
    unlink(tmp.s);
    strerr_diefu2sys(111, "write ", tmp.s);
  }
  if (rename(tmp.s, file) < 0) { unlink(tmp.s); strerr_diefu4sys(111, "rename ", tmp.s, " to ", file); }
  stralloc_free(&tmp);
}

/* Records the file in conf/SMTPD_AUTHFILE when that names none. */
static void conf_set_authfile (char const *dir, char const *file)
{
  stralloc path = STRALLOC_ZERO, val = STRALLOC_ZERO;
  if (!stralloc_cats(&path, dir) || !stralloc_cats(&path, "/conf/SMTPD_AUTHFILE") || !stralloc_0(&path)
   || !stralloc_cats(&val, file) || !stralloc_catb(&val, "\n", 1)) dienomem();
  if (!openwritenclose_suffix(path.s, val.s, val.len, ".tmp")) strerr_diefu2sys(111, "write ", path.s);
  stralloc_free(&path);
  stralloc_free(&val);
}

static void user_check (char const *user)
{
  size_t i;
  if (!*user) strerr_dief(100, "empty user name");
  if (strlen(user) > 255) strerr_dief(100, "user name too long");
  for (i = 0; user[i]; i++)
    if (user[i] == ':' || (unsigned char)user[i] < 0x21 || user[i] == 0x7f)
      strerr_dief(100, "a user name has no colon, blank or control character");
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  stralloc file = STRALLOC_ZERO, owner = STRALLOC_ZERO, old = STRALLOC_ZERO, out = STRALLOC_ZERO;
  char const *dir, *user;
  char pw[PASS_MAX + 1];
  char hash[CRYPT_OUTPUT_SIZE];
  uid_t uid = (uid_t)-1;
  gid_t gid = (gid_t)-1;
  int del = 0, named;
  unsigned int had;
  PROG = "smarthost-authuser";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "d", &l);
    if (opt == -1) break;
    if (opt == 'd') del = 1; else dieusage();
  }
  argc -= l.ind; argv += l.ind;
  if (argc != 2) dieusage();
  user = argv[1];
  dir = realpath(argv[0], 0);
  if (!dir) strerr_diefu2sys(111, "find the instance ", argv[0]);
  user_check(user);

  conf_get(&file, dir, "SMTPD_AUTHFILE");
  named = file.len > 0;
  if (!named && (!stralloc_cats(&file, dir) || !stralloc_cats(&file, "/smtpd-users") || !stralloc_0(&file))) dienomem();
  if (file.s[0] != '/') strerr_dief(100, "conf/SMTPD_AUTHFILE must be an absolute path: ", file.s);
  if (!geteuid())
  {
    conf_get(&owner, dir, "SMTPD_USER");
    if (owner.len)
    {
      struct passwd *p = getpwnam(owner.s);
      if (!p) strerr_dief(100, "no such user: ", owner.s, " (conf/SMTPD_USER)");
      uid = p->pw_uid; gid = p->pw_gid;
    }
  }

  if (!openslurpclose(&old, file.s) && errno != ENOENT) strerr_diefu2sys(111, "read ", file.s);
  had = lines_without(&out, &old, user);
  if (!del)
  {
    password_read(pw, sizeof pw - 1);
    hash_make(hash, sizeof hash, pw);
    explicit_bzero(pw, sizeof pw);
    if (!stralloc_cats(&out, user) || !stralloc_catb(&out, ":", 1)
     || !stralloc_cats(&out, hash) || !stralloc_catb(&out, "\n", 1)) dienomem();
  }
  else if (!had) strerr_dief(100, "no user ", user, " in ", file.s);
  file_replace(file.s, &out, uid, gid);
  if (!named)
  {
    /* tcpserver passes its environment to each smtpd: a new setting
       takes a restart; a new line in the file does not */
    conf_set_authfile(dir, file.s);
    strerr_warni("SMTPD_AUTHFILE is now ", file.s, ": restart the smtpd to use it (s6-svc -r ", dir, "/service/smtpd)");
  }
  strerr_warni(del ? "removed " : "stored ", user, del ? " from " : " in ", file.s,
    " (mode 0400", uid != (uid_t)-1 ? ", owner " : "", uid != (uid_t)-1 ? owner.s : "", ")");
  return 0;
}
