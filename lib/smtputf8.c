/* smtputf8.c: the SMTPUTF8 rules (lib/smtputf8.h). */
#include <errno.h>
#include <unistd.h>
#include "smtputf8.h"
#include "utf8.h"

int smtputf8_addr (char const *s, size_t len, int smtputf8)
{
  if (utf8_ascii(s, len)) return SMTPUTF8_OK;
  if (!smtputf8) return SMTPUTF8_ENEED;
  return utf8_check_addr(s, len) == UTF8_OK ? SMTPUTF8_OK : SMTPUTF8_EBAD;
}

char const *smtputf8_refusal (char const *s, size_t len, int smtputf8, int sender)
{
  switch (smtputf8_addr(s, len, smtputf8))
  {
    case SMTPUTF8_ENEED:
      return sender ? "553 5.6.7 a sender address outside ASCII needs SMTPUTF8 on MAIL\r\n"
                    : "553 5.6.7 a recipient address outside ASCII needs SMTPUTF8 on MAIL\r\n";
    case SMTPUTF8_EBAD:
      return sender ? "553 5.1.7 sender address is not valid UTF-8\r\n"
                    : "553 5.1.3 recipient address is not valid UTF-8\r\n";
  }
  return 0;
}

/* One octet outside ASCII, or inside a sequence: the sequence is checked
   whole by utf8_decode once its lead octet's length is read. After the
   first fault nothing more needs checking. */
static void smtputf8_head_octet (smtputf8_head *h, unsigned char c)
{
  unsigned long cp;
  if (h->bad) return;
  if (!h->n)
  {
    h->n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (!h->n) { h->bad = 1; return; }
    h->got = 0;
  }
  else if ((c & 0xc0) != 0x80) { h->bad = 1; return; }
  h->seq[h->got++] = c;
  if (h->got < h->n) return;
  if (!utf8_decode((char const *)h->seq, h->n, &cp)) h->bad = 1;
  h->n = 0;
}

void smtputf8_head_feed (smtputf8_head *h, char const *s, size_t len)
{
  size_t i;
  for (i = 0; i < len && h->state != 3; i++)
  {
    unsigned char c = s[i];
    if (c >= 0x80) { h->found = 1; smtputf8_head_octet(h, c); }
    else if (h->n) h->bad = 1;   /* a sequence cut short */
    if (c == '\n') h->state = h->state == 1 ? 0 : 3;
    else if (c == '\r' && !h->state) h->state = 2;
    else h->state = 1;
  }
}

int smtputf8_head_utf8 (smtputf8_head const *h)
{
  return h->found && !h->bad && !h->n;
}

int smtputf8_head_fd (int fd)
{
  smtputf8_head h = SMTPUTF8_HEAD_ZERO;
  char buf[8192];
  off_t start = lseek(fd, 0, SEEK_CUR);
  ssize_t r = 0;
  if (start < 0) return -1;
  while (h.state != 3 && !h.found)
  {
    r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    smtputf8_head_feed(&h, buf, r);
  }
  if (lseek(fd, start, SEEK_SET) < 0 || r < 0) return -1;
  return h.found;
}
