/* Fuzzing the smtpd's command reader (lib/smtpd_cmd.h over lib/netio.h):
   the input is what a client sends, read as command lines, once from a
   memory file (one read) and once cut into packets of 1 to 64 octets (a
   SOCK_SEQPACKET socket: one read each), the cuts drawn from a hash of
   the input. Properties, against a plain model of the stream:
   - every line up to its LF is one result, in order, the same both ways;
   - a line over 512 octets with its end is refused with a 500, one with
     a NUL or a bare CR (once one CR before the LF is taken off) with a
     501, and any other is a command: the line without its end, cut at
     the first space into a verb (known ones whatever their case) and an
     argument without leading spaces;
   - a last line without LF is no command: EOF. */
#include <ctype.h>
#include <string.h>
#include <sys/socket.h>
#include "fuzz.h"
#if __has_include("smtpd_cmd.h")
#include <skalibs/tai.h>
#include "netio.h"
#include "smtpd_cmd.h"

#define MAX 512

static char const *const names[] =
{
  [SMTPD_EHLO] = "EHLO", [SMTPD_HELO] = "HELO", [SMTPD_MAIL] = "MAIL",
  [SMTPD_RCPT] = "RCPT", [SMTPD_DATA] = "DATA", [SMTPD_RSET] = "RSET",
  [SMTPD_NOOP] = "NOOP", [SMTPD_QUIT] = "QUIT", [SMTPD_VRFY] = "VRFY",
  [SMTPD_HELP] = "HELP", [SMTPD_STARTTLS] = "STARTTLS", [SMTPD_AUTH] = "AUTH"
};

/* The command at s (len octets, no NUL, no CR) as read. */
static void check_command (char const *s, size_t len, char *line)
{
  char copy[MAX + 1], *arg;
  size_t w = 0;
  enum smtpd_verb v;
  FUZZ_ASSERT(!memcmp(line, s, len) && !line[len]);
  memcpy(copy, line, len + 1);
  v = smtpd_cmd_verb(copy, &arg);
  while (w < len && s[w] != ' ') w++;
  FUZZ_ASSERT(!copy[w] && !strncmp(copy, s, w));
  FUZZ_ASSERT(arg >= copy + w && arg <= copy + len && (arg == copy + len || *arg != ' '));
  FUZZ_ASSERT(!memcmp(arg, s + (arg - copy), len - (size_t)(arg - copy)));
  if (v < SMTPD_NOTIMPL)
  {
    size_t i;
    FUZZ_ASSERT(strlen(names[v]) == w);
    for (i = 0; i < w; i++) FUZZ_ASSERT(toupper((unsigned char)s[i]) == names[v][i]);
  }
}

/* Reads every command from fd, checked against the stream s. */
static void run (int fd, uint8_t const *s, size_t size)
{
  netio io = NETIO_ZERO;
  size_t pos = 0;
  netio_init(&io, fd);
  for (;;)
  {
    char line[MAX + 1];
    size_t len = 9999, whole, content;
    char const *refusal = 0;
    uint8_t const *lf = memchr(s + pos, '\n', size - pos);
    int r = smtpd_cmd_read(&io, line, MAX, &len, &refusal);
    if (!lf) { FUZZ_ASSERT(r == 0); break; }
    whole = (size_t)(lf - (s + pos)) + 1;
    content = whole - 1 - (whole >= 2 && lf[-1] == '\r');
    if (whole > MAX)
      FUZZ_ASSERT(r == SMTPD_CMD_REFUSED && !len && !strncmp(refusal, "500 ", 4));
    else if (memchr(s + pos, 0, content) || memchr(s + pos, '\r', content))
      FUZZ_ASSERT(r == SMTPD_CMD_REFUSED && !len && !strncmp(refusal, "501 ", 4));
    else
    {
      FUZZ_ASSERT(r == 1 && len == content);
      check_command((char const *)s + pos, len, line);
    }
    pos += whole;
  }
  netio_close(&io, &tain_zero);
}

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  unsigned int h = 2166136261u;
  size_t i;
  int fd;
  for (i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
  fd = fuzz_packets_fd(data, size, 0, 64);
  FUZZ_ASSERT(fd >= 0);
  run(fd, data, size);
  fd = fuzz_packets_fd(data, size, h | 1, 64);
  FUZZ_ASSERT(fd >= 0 || size > 1024);   /* a short input always fits */
  if (fd >= 0) run(fd, data, size);
  return 0;
}
#else
FUZZ_PENDING("smtpd_cmd")
#endif
