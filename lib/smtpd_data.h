/* smtpd_data.h: the DATA receiver's byte scanner (RFC 5321 sections 4.1.1.4,
   4.5.2; the 2023 SMTP smuggling class)

   Data ends only on CRLF "." CRLF. A leading dot is removed from every other
   line. CRLF becomes LF. A bare CR, a bare LF or a NUL anywhere marks the
   message bad, and so does a line over 998 octets or a size over the limit:
   the caller reads on to the end and refuses the whole message. Nothing else
   (LF.CRLF, CR.CR, LF.LF, CRLF.LF, ...) ends the data.

   With normalize set (for clients with relay rights: old printers and
   scripts, as Postfix's smtpd_forbid_bare_newline = normalize), a bare LF
   ends a line as CRLF does, but a "." line after a bare LF is never the
   end: only CRLF "." CRLF is, so smuggling stays impossible. A line over
   998 octets is folded there with LF SPACE (as Postfix's
   smtp_line_length_limit does with CRLF SPACE) instead of refused. A bare
   CR and a NUL are refused in both modes. */
#ifndef SMARTHOST_SMTPD_DATA_H
#define SMARTHOST_SMTPD_DATA_H

#include <stddef.h>
#include <stdint.h>

#define SMTPD_DATA_BARE 1      /* bare CR, bare LF or NUL */
#define SMTPD_DATA_LONGLINE 2  /* a line over SMTPD_DATA_LINEMAX octets */
#define SMTPD_DATA_TOOBIG 4    /* over the size limit */
#define SMTPD_DATA_LINEMAX 998

/* The room smtpd_data_scan may need in out for len bytes of input: a fold
   adds two bytes, and at most one per 997 octets after the first. */
#define SMTPD_DATA_OUTMAX(len) ((len) + 2 * ((len) / (SMTPD_DATA_LINEMAX - 1) + 1))

typedef struct smtpd_data_s smtpd_data;
struct smtpd_data_s
{
  int state;
  unsigned int flags;   /* SMTPD_DATA_*: once set, nothing more is output */
  size_t linelen;
  uint64_t size;        /* octets of the message as sent upstream, CRLF counted as 2 (a bare LF too), stuffing not */
  uint64_t max;         /* 0: no limit */
  int normalize;        /* 1: bare LF is a line end, long lines are folded */
  uint64_t barelf;      /* normalize: bare LFs taken as line ends */
  uint64_t folds;       /* normalize: long lines folded */
};
#define SMTPD_DATA_ZERO { 0, 0, 0, 0, 0, 0, 0, 0 }

/* Scans len bytes of s: writes the message bytes to out (room for
   SMTPD_DATA_OUTMAX(len) bytes; len without normalize) and their number
   to *outlen. Returns how many bytes of s were consumed: all of them, or
   fewer when the end of data was found (*done = 1), so that what follows
   the final dot stays for the next command. */
size_t smtpd_data_scan (smtpd_data *d, char const *s, size_t len,
                        char *out, size_t *outlen, int *done);

#endif
