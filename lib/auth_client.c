/* AUTH responses. Every buffer that holds a secret in clear is wiped before
   it is freed (OpenSMTPD's smtp_client.c); the base64 forms are secrets too. */

#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <skalibs/stralloc.h>
#include <skalibs/types.h>
#include "b64.h"
#include "auth_client.h"

static char const *const auth_names[] = { 0, "LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER" };

char const *auth_mech_name (enum auth_mech m)
{
  return (unsigned int)m < sizeof auth_names / sizeof *auth_names ? auth_names[m] : 0;
}

enum auth_mech auth_mech_parse (char const *s)
{
  unsigned int i;
  for (i = 1; i < sizeof auth_names / sizeof *auth_names; i++)
    if (!strcasecmp(s, auth_names[i])) return (enum auth_mech)i;
  return AUTH_NONE;
}

/* 1 if the space-separated list offered holds name. */
static int auth_offered (char const *offered, char const *name)
{
  size_t n = strlen(name);
  char const *p = offered;
  while (*p)
  {
    size_t w;
    while (*p == ' ') p++;
    w = strcspn(p, " ");
    if (w == n && !strncasecmp(p, name, n)) return 1;
    p += w;
  }
  return 0;
}

enum auth_mech auth_choose (char const *offered, int have_password, int have_token, char const *force)
{
  static enum auth_mech const order[] = { AUTH_OAUTHBEARER, AUTH_XOAUTH2, AUTH_CRAM_MD5, AUTH_PLAIN, AUTH_LOGIN };
  unsigned int i;
  for (i = 0; i < sizeof order / sizeof *order; i++)
  {
    enum auth_mech m = order[i];
    int oauth = m == AUTH_OAUTHBEARER || m == AUTH_XOAUTH2;
    if (oauth ? !have_token : !have_password) continue;
    if (force && auth_mech_parse(force) != m) continue;
    if (auth_offered(offered, auth_names[m])) return m;
  }
  return AUTH_NONE;
}

/* Encodes the clear form in tmp into out, then wipes tmp. */
static int auth_encode (stralloc *out, stralloc *tmp)
{
  int r = b64_encode_sa(out, tmp->s, tmp->len);
  secret_wipe(tmp);
  return r;
}

int auth_plain (stralloc *out, char const *user, char const *pass, size_t passlen)
{
  stralloc t = STRALLOC_ZERO;
  if (!stralloc_catb(&t, "", 1) || !stralloc_cats(&t, user) || !stralloc_catb(&t, "", 1)
   || !stralloc_catb(&t, pass, passlen)) { secret_wipe(&t); return 0; }
  return auth_encode(out, &t);
}

int auth_cram_md5 (stralloc *out, char const *user, char const *pass, size_t passlen, char const *challenge)
{
  static char const hex[] = "0123456789abcdef";
  stralloc c = STRALLOC_ZERO;
  stralloc t = STRALLOC_ZERO;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  unsigned int i;
  int r = b64_decode_sa(&c, challenge, strlen(challenge));
  if (r <= 0) { stralloc_free(&c); return r < 0 ? 0 : -1; }
  if (!HMAC(EVP_md5(), pass, (int)passlen, (unsigned char *)c.s, c.len, mac, &maclen))
  {
    stralloc_free(&c);
    return 0;
  }
  stralloc_free(&c);
  if (!stralloc_cats(&t, user) || !stralloc_catb(&t, " ", 1)) goto fail;
  for (i = 0; i < maclen; i++)
  {
    char h[2] = { hex[mac[i] >> 4], hex[mac[i] & 15] };
    if (!stralloc_catb(&t, h, 2)) goto fail;
  }
  explicit_bzero(mac, sizeof mac);
  return auth_encode(out, &t);
 fail:
  explicit_bzero(mac, sizeof mac);
  secret_wipe(&t);
  return 0;
}

int auth_xoauth2 (stralloc *out, char const *user, char const *token, size_t toklen)
{
  stralloc t = STRALLOC_ZERO;
  if (!stralloc_cats(&t, "user=") || !stralloc_cats(&t, user) || !stralloc_cats(&t, "\001auth=Bearer ")
   || !stralloc_catb(&t, token, toklen) || !stralloc_cats(&t, "\001\001")) { secret_wipe(&t); return 0; }
  return auth_encode(out, &t);
}

/* The GS2 header's authzid is a saslname (RFC 5801 section 4, which RFC
   7628 section 3.1 uses): ',' ends the field and '=' starts an escape, so
   a user holding either must have them written "=2C" and "=3D", or the
   server reads another user, or a broken header. */
static int auth_cat_saslname (stralloc *t, char const *user)
{
  for (; *user; user++)
  {
    int r = *user == ',' ? stralloc_cats(t, "=2C")
          : *user == '=' ? stralloc_cats(t, "=3D")
          : stralloc_catb(t, user, 1);
    if (!r) return 0;
  }
  return 1;
}

int auth_oauthbearer (stralloc *out, char const *user, char const *host, unsigned int port, char const *token, size_t toklen)
{
  stralloc t = STRALLOC_ZERO;
  char fmt[UINT_FMT];
  fmt[uint_fmt(fmt, port)] = 0;
  if (!stralloc_cats(&t, "n,a=") || !auth_cat_saslname(&t, user) || !stralloc_cats(&t, ",\001host=")
   || !stralloc_cats(&t, host) || !stralloc_cats(&t, "\001port=") || !stralloc_cats(&t, fmt)
   || !stralloc_cats(&t, "\001auth=Bearer ") || !stralloc_catb(&t, token, toklen)
   || !stralloc_cats(&t, "\001\001")) { secret_wipe(&t); return 0; }
  return auth_encode(out, &t);
}
