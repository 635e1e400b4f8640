/* Fuzzing inbound AUTH responses (lib/auth_server.h): the base64 a client
   sends after AUTH PLAIN or to a 334 of AUTH LOGIN, before it is
   authenticated. Properties: PLAIN gives a user and a password inside the
   decoded buffer, NUL-terminated, neither holding a NUL; LOGIN gives one
   NUL-terminated field with no NUL inside; both only for valid base64. */
#include <string.h>
#include "fuzz.h"
#if __has_include("auth_server.h")
#include "b64.h"
#include "auth_server.h"

int LLVMFuzzerTestOneInput (uint8_t const *data, size_t size)
{
  char const *s = (char const *)data;
  stralloc sa = STRALLOC_ZERO, dec = STRALLOC_ZERO;
  char const *user = 0, *pass = 0;
  int valid = b64_decode_sa(&dec, s, size);
  int r = auth_server_plain(&sa, s, size, &user, &pass);
  FUZZ_ASSERT(r == 0 || r == 1);
  if (r == 1)
  {
    FUZZ_ASSERT(valid == 1);
    FUZZ_ASSERT(user >= sa.s && user < sa.s + sa.len && pass >= sa.s && pass < sa.s + sa.len);
    FUZZ_ASSERT(user + strlen(user) < sa.s + sa.len && pass + strlen(pass) < sa.s + sa.len);
    FUZZ_ASSERT(memmem(dec.s, dec.len, pass, strlen(pass)));
  }
  secret_wipe(&sa);
  r = auth_server_login(&sa, s, size);
  FUZZ_ASSERT(r == 0 || r == 1);
  if (r == 1)
  {
    FUZZ_ASSERT(valid == 1 && sa.len >= 1 && sa.s[sa.len - 1] == 0);
    FUZZ_ASSERT(strlen(sa.s) == sa.len - 1 && sa.len - 1 == dec.len);
  }
  secret_wipe(&sa);
  stralloc_free(&dec);
  return 0;
}
#else
FUZZ_PENDING("auth_server")
#endif
