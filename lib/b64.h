/* b64.h: base64 (RFC 4648 section 4), strict */
#ifndef SMARTHOST_B64_H
#define SMARTHOST_B64_H

#include <stddef.h>
#include <sys/types.h>
#include <skalibs/buffer.h>
#include <skalibs/stralloc.h>

/* Length of the encoding of n bytes, without a terminating NUL. */
#define B64_ENCLEN(n) ((((n) + 2) / 3) * 4)
/* Largest decoding of n characters. */
#define B64_DECMAX(n) (((n) / 4) * 3)

/* Encodes len bytes of src into dst (B64_ENCLEN(len) bytes); returns that length. */
size_t b64_encode (char *dst, char const *src, size_t len);

/* Decodes len characters of src into dst (B64_DECMAX(len) bytes).
   Strict: only the alphabet, length a multiple of 4, '=' only as final padding,
   and the unused bits of the last group zero (RFC 4648 3.5).
   Returns the number of bytes, or -1 with errno EINVAL. */
ssize_t b64_decode (char *dst, char const *src, size_t len);

/* Appends the encoding of s to sa. Returns 1, or 0 on allocation failure. */
int b64_encode_sa (stralloc *sa, char const *s, size_t len);
/* Appends the decoding of s to sa. Returns 1, 0 if s is not valid base64,
   -1 on allocation failure. */
int b64_decode_sa (stralloc *sa, char const *s, size_t len);

/* Filters: in to out. Encoding writes lines of 76 characters.
   Decoding accepts line breaks (LF, CRLF) between groups and nothing else.
   Return 1 done, 0 invalid input (decode only: nothing has been written),
   -1 read/write error (errno set). */
int b64_encode_stream (buffer *in, buffer *out);
int b64_decode_stream (buffer *in, buffer *out);

#endif
