/* smtpd_data.c: the DATA scanner, a state machine over bytes

   state   byte   next    action
   BOL     .      DOT     (a leading dot: dropped)
   BOL     CR     CR
   BOL     LF     MID     bare LF         normalize: LBOL, LF
   BOL     x      MID     x
   DOT     CR     DOTCR
   DOT     LF     MID     bare LF         normalize: LBOL, LF
   DOT     x      MID     x
   DOTCR   LF     end     CRLF . CRLF: the only end of data
   DOTCR   CR     CR      bare CR
   DOTCR   x      MID     bare CR; x
   MID     CR     CR
   MID     LF     MID     bare LF         normalize: LBOL, LF
   MID     x      MID     x
   CR      LF     BOL     LF (the message is stored with LF endings)
   CR      CR     CR      bare CR
   CR      x      MID     bare CR; x

   Only with normalize, after a bare LF (a line start that is not one for
   the end of data):
   LBOL    .      LDOT    (a leading dot: dropped)
   LBOL    CR     CR
   LBOL    LF     LBOL    LF
   LBOL    x      MID     x
   LDOT    CR     LDOTCR
   LDOT    LF     LBOL    LF (". LF": a line, empty once unstuffed)
   LDOT    x      MID     x
   LDOTCR  LF     BOL     LF (LF . CRLF: a line, never the end)
   LDOTCR  CR     CR      bare CR
   LDOTCR  x      MID     bare CR; x

   A NUL is x, and marks the message bad. With normalize, an x that would
   be the 999th octet of a line is preceded by LF SPACE (a fold). */
#include "smtpd_data.h"

enum { S_BOL = 0, S_DOT, S_DOTCR, S_MID, S_CR, S_LBOL, S_LDOT, S_LDOTCR };

/* A bare LF: the message is bad, or (normalize) it ends a line. Returns
   the next state. */
static int bare_lf (smtpd_data *d, char *out, size_t *o)
{
  if (!d->normalize) { d->flags |= SMTPD_DATA_BARE; return S_MID; }
  if (!d->flags) out[(*o)++] = '\n';
  d->barelf++;
  d->size += 2;
  if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
  d->linelen = 0;
  return S_LBOL;
}

/* A line end (CRLF) in the message. */
static void crlf (smtpd_data *d, char *out, size_t *o)
{
  if (!d->flags) out[(*o)++] = '\n';
  d->size += 2;
  if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
  d->linelen = 0;
}

/* A message byte. */
static void emit (smtpd_data *d, char c, char *out, size_t *o)
{
  if (d->normalize && d->linelen == SMTPD_DATA_LINEMAX)
  {
    if (!d->flags) { out[(*o)++] = '\n'; out[(*o)++] = ' '; }
    d->folds++;
    d->size += 3;
    d->linelen = 1;
  }
  d->size++;
  if (++d->linelen > SMTPD_DATA_LINEMAX) d->flags |= SMTPD_DATA_LONGLINE;
  if (d->max && d->size > d->max) d->flags |= SMTPD_DATA_TOOBIG;
  if (!d->flags) out[(*o)++] = c;
}

size_t smtpd_data_scan (smtpd_data *d, char const *s, size_t len,
                        char *out, size_t *outlen, int *done)
{
  size_t i, o = 0;
  int st = d->state;
  *done = 0;
  for (i = 0; i < len; i++)
  {
    char c = s[i];
    int x = 0;
    if (!c) d->flags |= SMTPD_DATA_BARE;
    switch (st)
    {
      case S_BOL:
      case S_LBOL:
        if (c == '.') st = st == S_BOL ? S_DOT : S_LDOT;
        else if (c == '\r') st = S_CR;
        else if (c == '\n') st = bare_lf(d, out, &o);
        else { x = 1; st = S_MID; }
        break;
      case S_DOT:
      case S_LDOT:
        if (c == '\r') st = st == S_DOT ? S_DOTCR : S_LDOTCR;
        else if (c == '\n') st = bare_lf(d, out, &o);
        else { x = 1; st = S_MID; }
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
        else { x = 1; st = S_MID; }
        break;
      case S_LDOTCR:
        if (c == '\n') { crlf(d, out, &o); st = S_BOL; break; }
        d->flags |= SMTPD_DATA_BARE;
        if (c == '\r') st = S_CR;
        else { x = 1; st = S_MID; }
        break;
      case S_MID:
        if (c == '\r') st = S_CR;
        else if (c == '\n') st = bare_lf(d, out, &o);
        else x = 1;
        break;
      case S_CR:
        if (c == '\n') { crlf(d, out, &o); st = S_BOL; }
        else
        {
          d->flags |= SMTPD_DATA_BARE;
          if (c != '\r') { x = 1; st = S_MID; }
        }
        break;
    }
    if (x) emit(d, c, out, &o);
  }
  d->state = st;
  *outlen = o;
  return len;
}
