/* smtpd_data.h: the DATA receiver's byte scanner (RFC 5321 sections 4.1.1.4,
   4.5.2; the 2023 SMTP smuggling class)

   Data ends only on CRLF "." CRLF. A leading dot is removed from every other
   line. CRLF becomes LF. A bare CR, a bare LF or a NUL anywhere marks the
   message bad, and so does a line over 998 octets or a size over the limit:
   the caller reads on to the end and refuses the whole message. Nothing else
   (LF.CRLF, CR.CR, LF.LF, CRLF.LF, ...) ends the data. */
#ifndef SMARTHOST_SMTPD_DATA_H
#define SMARTHOST_SMTPD_DATA_H

#include <stddef.h>
#include <stdint.h>

#define SMTPD_DATA_BARE 1      /* bare CR, bare LF or NUL */
#define SMTPD_DATA_LONGLINE 2  /* a line over SMTPD_DATA_LINEMAX octets */
#define SMTPD_DATA_TOOBIG 4    /* over the size limit */
#define SMTPD_DATA_LINEMAX 998

typedef struct smtpd_data_s smtpd_data;
struct smtpd_data_s
{
  int state;
  unsigned int flags;   /* SMTPD_DATA_*: once set, nothing more is output */
  size_t linelen;
  uint64_t size;        /* octets of the message as sent, CRLF counted as 2, stuffing not */
  uint64_t max;         /* 0: no limit */
};
#define SMTPD_DATA_ZERO { 0, 0, 0, 0, 0 }

/* Scans len bytes of s: writes the message bytes to out (room for len bytes)
   and their number to *outlen. Returns how many bytes of s were consumed:
   all of them, or fewer when the end of data was found (*done = 1), so that
   what follows the final dot stays for the next command. */
size_t smtpd_data_scan (smtpd_data *d, char const *s, size_t len,
                        char *out, size_t *outlen, int *done);

#endif
