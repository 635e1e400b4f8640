/* The cryptography of an OAuth2 client, through OpenSSL's EVP: base64url,
   PKCE (RFC 7636) and the signed client assertion (RFC 7523, RFC 7515).
   The JSON of the JWT is built with json-c, never by hand. */

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include "oauth2.h"

int oauth2_b64url (stralloc *sa, unsigned char const *s, size_t len)
{
  size_t n = 4 * ((len + 2) / 3) + 1;
  size_t i, w;
  if (!stralloc_readyplus(sa, n)) return 0;
  w = EVP_EncodeBlock((unsigned char *)sa->s + sa->len, s, (int)len);
  /* RFC 7515 2: the URL alphabet, no padding */
  for (i = 0; i < w; i++)
  {
    char *c = sa->s + sa->len + i;
    if (*c == '+') *c = '-'; else if (*c == '/') *c = '_';
  }
  while (w && sa->s[sa->len + w - 1] == '=') w--;
  sa->len += w;
  return 1;
}

int oauth2_random_hex (stralloc *sa, size_t n)
{
  static char const hex[] = "0123456789abcdef";
  unsigned char r[64];
  size_t i;
  if (n > sizeof r || RAND_bytes(r, (int)n) != 1 || !stralloc_readyplus(sa, 2 * n + 1)) return 0;
  for (i = 0; i < n; i++)
  {
    sa->s[sa->len++] = hex[r[i] >> 4];
    sa->s[sa->len++] = hex[r[i] & 15];
  }
  return stralloc_0(sa);
}

int oauth2_pkce (stralloc *verifier, stralloc *challenge)
{
  unsigned char r[32], md[32];
  int ok;
  /* 32 random bytes give the 43 characters RFC 7636 4.1 asks for at least */
  if (RAND_bytes(r, sizeof r) != 1) return 0;
  ok = oauth2_b64url(verifier, r, sizeof r) && stralloc_0(verifier);
  explicit_bzero(r, sizeof r);
  if (!ok) return 0;
  if (!EVP_Digest(verifier->s, verifier->len - 1, md, 0, EVP_sha256(), 0)) return 0;
  return oauth2_b64url(challenge, md, sizeof md) && stralloc_0(challenge);
}

/* The part of a JWT before the signature: b64url(header).b64url(claims) */
static int jwt_unsigned (stralloc *out, X509 *cert, char const *client_id, char const *aud, time_t now)
{
  unsigned char sha1[20], sha256[32];
  unsigned int n1, n2;
  stralloc x5t = STRALLOC_ZERO, x5t256 = STRALLOC_ZERO, jti = STRALLOC_ZERO;
  json_object *h = json_object_new_object(), *c = json_object_new_object();
  char const *hs, *cs;
  int ok = 0;
  if (!h || !c || !X509_digest(cert, EVP_sha1(), sha1, &n1) || !X509_digest(cert, EVP_sha256(), sha256, &n2)
   || !oauth2_b64url(&x5t, sha1, n1) || !stralloc_0(&x5t)
   || !oauth2_b64url(&x5t256, sha256, n2) || !stralloc_0(&x5t256) || !oauth2_random_hex(&jti, 16)) goto end;
  json_object_object_add(h, "alg", json_object_new_string("RS256"));
  json_object_object_add(h, "typ", json_object_new_string("JWT"));
  json_object_object_add(h, "x5t", json_object_new_string(x5t.s));
  json_object_object_add(h, "x5t#S256", json_object_new_string(x5t256.s));
  json_object_object_add(c, "aud", json_object_new_string(aud));
  json_object_object_add(c, "iss", json_object_new_string(client_id));
  json_object_object_add(c, "sub", json_object_new_string(client_id));
  json_object_object_add(c, "jti", json_object_new_string(jti.s));
  json_object_object_add(c, "iat", json_object_new_int64(now));
  json_object_object_add(c, "nbf", json_object_new_int64(now));
  json_object_object_add(c, "exp", json_object_new_int64(now + 600));
  hs = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  cs = json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  ok = hs && cs && oauth2_b64url(out, (unsigned char const *)hs, strlen(hs)) && stralloc_append(out, '.')
    && oauth2_b64url(out, (unsigned char const *)cs, strlen(cs));
 end:
  json_object_put(h);
  json_object_put(c);
  stralloc_free(&x5t); stralloc_free(&x5t256); stralloc_free(&jti);
  return ok;
}

static int jwt_sign (stralloc *out, EVP_PKEY *key)
{
  unsigned char sig[1024];
  size_t siglen = sizeof sig;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  int ok = md && EVP_DigestSignInit(md, 0, EVP_sha256(), 0, key) == 1
    && EVP_DigestSign(md, sig, &siglen, (unsigned char *)out->s, out->len) == 1
    && stralloc_append(out, '.') && oauth2_b64url(out, sig, siglen) && stralloc_0(out);
  EVP_MD_CTX_free(md);
  return ok;
}

static void *pem_load (char const *path, int key)
{
  void *x;
  struct stat st;
  FILE *f = fopen(path, "re");
  if (!f) return 0;
  /* a private key others may read is refused, as a secret file is */
  if (key && (fstat(fileno(f), &st) < 0 || (st.st_mode & 007))) { fclose(f); return 0; }
  x = key ? (void *)PEM_read_PrivateKey(f, 0, 0, 0) : (void *)PEM_read_X509(f, 0, 0, 0);
  fclose(f);
  return x;
}

int oauth2_jwt_assertion (stralloc *out, char const *certfile, char const *keyfile,
  char const *client_id, char const *aud, time_t now, char const **why)
{
  X509 *cert = pem_load(certfile, 0);
  EVP_PKEY *key = pem_load(keyfile, 1);
  int ok = 0;
  if (!cert) *why = "unable to read the certificate in OAUTH2_CERTFILE (PEM)";
  else if (!key) *why = "unable to read the private key in OAUTH2_KEYFILE (PEM, unencrypted, not accessible to other users)";
  /* RS256: what Microsoft's identity platform takes for certificates */
  else if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) *why = "the key in OAUTH2_KEYFILE is not RSA (RS256 needs one)";
  else if (X509_check_private_key(cert, key) != 1) *why = "the key in OAUTH2_KEYFILE does not match the certificate in OAUTH2_CERTFILE";
  else if (!jwt_unsigned(out, cert, client_id, aud, now) || !jwt_sign(out, key)) *why = "unable to sign the client assertion";
  else ok = 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}
