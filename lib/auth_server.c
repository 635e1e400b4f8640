/* auth_server.c: inbound AUTH checks against crypt(3) hashes */
#include <string.h>
#include <crypt.h>
#include <skalibs/djbunix.h>
#include <skalibs/stralloc.h>
#include "b64.h"
#include "auth_server.h"

/* Hashes an unknown user's password with when the file is empty, so that
   every attempt costs a crypt() call. */
#define AUTH_DUMMY_SETTING "$6$rounds=5000$smarthostsalt$"

/* 1 if a and b (NUL-terminated) are equal; time depends only on the length
   of b, the hash computed from the password. */
static int equal_ct (char const *a, char const *b)
{
  size_t la = strlen(a), lb = strlen(b), i;
  unsigned char d = la != lb;
  for (i = 0; i < lb; i++) d |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
  return !d;
}

/* Finds user's entry in the file's text; sets *hash and *hlen to its hash
   field. Also sets *first to the first usable entry's hash (the dummy
   setting). */
static int find_user (char const *s, size_t len, char const *user, size_t ulen,
                      char const **hash, size_t *hlen, char const **first, size_t *flen)
{
  size_t i = 0;
  int found = 0;
  while (i < len)
  {
    char const *nl = memchr(s + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - s) : len;
    char const *colon = memchr(s + i, ':', end - i);
    if (colon)
    {
      char const *h = colon + 1;
      char const *hend = memchr(h, ':', s + end - h);
      size_t hl = (hend ? hend : s + end) - h;
      /* a locked entry ('!', '*') would make a cheaper dummy than real ones */
      if (!*first && hl && h[0] != '!' && h[0] != '*') { *first = h; *flen = hl; }
      if (!found && (size_t)(colon - (s + i)) == ulen && !memcmp(s + i, user, ulen))
      {
        *hash = h; *hlen = hl; found = 1;
      }
    }
    i = end + 1;
  }
  return found;
}

int auth_server_check (char const *file, char const *user, char const *pass, int *known)
{
  stralloc sa = STRALLOC_ZERO;
  struct crypt_data cd;
  char setting[CRYPT_OUTPUT_SIZE];
  char const *hash = 0, *first = 0;
  size_t hlen = 0, flen = 0;
  size_t ulen = strlen(user);
  int found, usable, r = 0;
  char const *out;
  *known = 0;
  if (!openslurpclose(&sa, file)) return -1;
  found = ulen && !memchr(user, ':', ulen) && !memchr(user, '\n', ulen)
    && find_user(sa.s, sa.len, user, ulen, &hash, &hlen, &first, &flen);
  *known = found;
  usable = found && hlen && hlen < sizeof setting && hash[0] != '!' && hash[0] != '*';
  if (usable) { memcpy(setting, hash, hlen); setting[hlen] = 0; }
  else if (first && flen < sizeof setting && first[0] != '!' && first[0] != '*')
  {
    memcpy(setting, first, flen); setting[flen] = 0;
  }
  else strcpy(setting, AUTH_DUMMY_SETTING);
  memset(&cd, 0, sizeof cd);
  out = crypt_r(pass, setting, &cd);
  if (usable && out && out[0] != '*') r = equal_ct(setting, out);
  explicit_bzero(&cd, sizeof cd);
  explicit_bzero(setting, sizeof setting);
  secret_wipe(&sa);
  return r;
}

int auth_server_plain (stralloc *sa, char const *s, size_t len, char const **user, char const **pass)
{
  size_t start = sa->len, n;
  char const *authz, *authc, *pw, *p1, *p2;
  int r;
  /* room for everything first: a reallocation would leave an unwiped copy */
  if (!stralloc_readyplus(sa, B64_DECMAX(len) + 1)) return -1;
  r = b64_decode_sa(sa, s, len);
  if (r <= 0) return r;
  if (!stralloc_0(sa)) return -1;
  n = sa->len - 1 - start;
  authz = sa->s + start;
  p1 = memchr(authz, 0, n);
  if (!p1) return 0;
  authc = p1 + 1;
  p2 = memchr(authc, 0, sa->s + start + n - authc);
  if (!p2) return 0;
  pw = p2 + 1;
  /* a third NUL would mean a NUL inside the password */
  if (memchr(pw, 0, sa->s + start + n - pw)) return 0;
  if (!*authc || !*pw) return 0;
  if (*authz && strcmp(authz, authc)) return 0;
  *user = authc;
  *pass = pw;
  return 1;
}

int auth_server_login (stralloc *sa, char const *s, size_t len)
{
  size_t start = sa->len;
  int r;
  if (!stralloc_readyplus(sa, B64_DECMAX(len) + 1)) return -1;
  r = b64_decode_sa(sa, s, len);
  if (r <= 0) return r;
  if (sa->len == start || memchr(sa->s + start, 0, sa->len - start)) return 0;
  return stralloc_0(sa) ? 1 : -1;
}
