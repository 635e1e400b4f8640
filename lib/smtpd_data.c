/* smtpd_data.c: the DATA scanner, a state machine over bytes

   state   byte   next    action
   BOL     .      DOT     (a leading dot: dropped)
   BOL     CR     CR
   BOL     LF     MID     bare LF
   BOL     x      MID     x
   DOT     CR     DOTCR
   DOT     LF     MID     bare LF
   DOT     x      MID     x
   DOTCR   LF     end     CRLF . CRLF: the only end of data
   DOTCR   CR     CR      bare CR
   DOTCR   x      MID     bare CR; x
   MID     CR     CR
   MID     LF     MID     bare LF
   MID     x      MID     x
   CR      LF     BOL     LF (the message is stored with LF endings)
   CR      CR     CR      bare CR
   CR      x      MID     bare CR; x

   A NUL is x, and marks the message bad. */
#include "smtpd_data.h"

enum { S_BOL = 0, S_DOT, S_DOTCR, S_MID, S_CR };

size_t smtpd_data_scan (smtpd_data *d, char const *s, size_t len,
                        char *out, size_t *outlen, int *done)
{
  size_t i, o = 0;
  int st = d->state;
  *done = 0;
  for (i = 0; i < len; i++)
  {
    char c = s[i];
    int emit = 0;
    if (!c) d->flags |= SMTPD_DATA_BARE;
    switch (st)
    {
      case S_BOL:
        if (c == '.') st = S_DOT;
        else if (c == '\r') st = S_CR;
        else if (c == '\n') { d->flags |= SMTPD_DATA_BARE; st = S_MID; }
        else { emit = 1; st = S_MID; }
        break;
      case S_DOT:
        if (c == '\r') st = S_DOTCR;
        else if (c == '\n') { d->flags |= SMTPD_DATA_BARE; st = S_MID; }
        else { emit = 1; st = S_MID; }
        break;
      case S_DOTCR:
        if (c == '\n')
        {
          d->state = S_BOL;
          *outlen = o;
          *done = 1;
          return i + 1;
        }
        d->flags |= SMTPD_DATA_BARE;
        if (c == '\r') st = S_CR;
        else { emit = 1; st = S_MID; }
        break;
      case S_MID:
        if (c == '\r') st = S_CR;
        else if (c == '\n') d->flags |= SMTPD_DATA_BARE;
        else emit = 1;
        break;
      case S_CR:
        if (c == '\n')
        {
          if (!d->flags) out[o++] = '\n';
          d->size += 2;
          if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
          d->linelen = 0;
          st = S_BOL;
        }
        else
        {
          d->flags |= SMTPD_DATA_BARE;
          if (c != '\r') { emit = 1; st = S_MID; }
        }
        break;
    }
    if (!emit) continue;
    d->size++;
    if (++d->linelen > SMTPD_DATA_LINEMAX) d->flags |= SMTPD_DATA_LONGLINE;
    if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
    if (!d->flags) out[o++] = c;
  }
  d->state = st;
  *outlen = o;
  return len;
}
