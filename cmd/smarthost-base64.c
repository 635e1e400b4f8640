/* smarthost-base64: RFC 4648 base64 filter, stdin to stdout, and the
   builder of AUTH PLAIN tokens (RFC 4616) that keeps the password off argv. */

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <skalibs/allreadwrite.h>
#include <skalibs/buffer.h>
#include <skalibs/djbunix.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include "b64.h"

#define USAGE "smarthost-base64 [ -d ] | smarthost-base64 -p user [ passfile ]"
#define dieusage() strerr_dieusage(100, USAGE)

/* The password is the file's first line, without its line end. It is read
   into one fixed buffer, which is wiped before exit. */
#define PASS_MAX 1024

static size_t pass_read (int fd, char *pass)
{
  size_t n = allread(fd, pass, PASS_MAX);
  char *nl = memchr(pass, '\n', n);
  if (n == PASS_MAX && !nl) strerr_dief(100, "password longer than 1023 bytes");
  if (nl) n = nl - pass;
  if (n && pass[n-1] == '\r') n--;
  return n;
}

static void plain_token (char const *user, char const *file)
{
  char pass[PASS_MAX];
  char token[1 + 255 + 1 + PASS_MAX];
  char out[B64_ENCLEN(sizeof token) + 1];
  size_t ulen = strlen(user);
  size_t plen, w;
  int fd = 0;
  if (ulen > 255) strerr_dief(100, "user name longer than 255 bytes");
  if (file && strcmp(file, "-"))
  {
    fd = openc_read(file);
    if (fd < 0) strerr_diefusys(111, "open ", file);
  }
  plen = pass_read(fd, pass);
  /* authzid empty, authcid, password: RFC 4616 section 2 */
  token[0] = 0;
  memcpy(token + 1, user, ulen);
  token[1 + ulen] = 0;
  memcpy(token + 2 + ulen, pass, plen);
  w = b64_encode(out, token, 2 + ulen + plen);
  out[w++] = '\n';
  explicit_bzero(pass, sizeof pass);
  explicit_bzero(token, sizeof token);
  if (allwrite(1, out, w) != w) { explicit_bzero(out, sizeof out); strerr_diefusys(111, "write to stdout"); }
  explicit_bzero(out, sizeof out);
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char const *user = 0;
  int decode = 0;
  int r;
  PROG = "smarthost-base64";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "dp:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'd': decode = 1; break;
      case 'p': user = l.arg; break;
      default: dieusage();
    }
  }
  argc -= l.ind; argv += l.ind;
  if (user)
  {
    if (decode || argc > 1) dieusage();
    plain_token(user, argc ? argv[0] : 0);
    return 0;
  }
  if (argc) dieusage();
  r = decode ? b64_decode_stream(buffer_0, buffer_1) : b64_encode_stream(buffer_0, buffer_1);
  if (r < 0) strerr_diefusys(111, "copy stdin to stdout");
  if (!r) strerr_dief(100, "invalid base64 on stdin");
  return 0;
}
