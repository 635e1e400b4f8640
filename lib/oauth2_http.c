/* A form POST over HTTPS with libcurl, and the URL encoding around it. */

#include <string.h>
#include <curl/curl.h>
#include "oauth2.h"

int oauth2_urlencode (stralloc *sa, char const *s)
{
  static char const hex[] = "0123456789ABCDEF";
  for (; *s; s++)
  {
    unsigned char c = *s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
     || c == '-' || c == '.' || c == '_' || c == '~')
    {
      if (!stralloc_append(sa, c)) return 0;
    }
    else
    {
      char e[3] = { '%', hex[c >> 4], hex[c & 15] };
      if (!stralloc_catb(sa, e, 3)) return 0;
    }
  }
  return 1;
}

int oauth2_form_add (stralloc *form, char const *name, char const *value)
{
  return (!form->len || stralloc_append(form, '&'))
    && stralloc_cats(form, name) && stralloc_append(form, '=')
    && oauth2_urlencode(form, value);
}

static int hexval (char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int oauth2_urldecode (stralloc *sa, char const *s, size_t len)
{
  size_t i;
  for (i = 0; i < len; i++)
  {
    char c = s[i];
    if (c == '+') c = ' ';
    else if (c == '%')
    {
      int h, l;
      if (i + 2 >= len) return 0;
      h = hexval(s[i + 1]); l = hexval(s[i + 2]);
      if (h < 0 || l < 0) return 0;
      c = (char)(h << 4 | l);
      i += 2;
    }
    if (!c || !stralloc_append(sa, c)) return 0;
  }
  return stralloc_0(sa);
}

static size_t body_write (char *p, size_t size, size_t n, void *aux)
{
  stralloc *body = aux;
  /* a token answer is small: anything huge is not one */
  if (body->len + size * n > 1048576) return 0;
  return stralloc_catb(body, p, size * n) ? size * n : 0;
}

static void post_options (CURL *c, oauth2_http *h, char const *url, stralloc const *form, stralloc *body)
{
  curl_easy_setopt(c, CURLOPT_URL, url);
  /* https only, also after a redirect: the form carries secrets */
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (h->cafile) curl_easy_setopt(c, CURLOPT_CAINFO, h->cafile);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->s);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form->len);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->timeout);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "smarthost-oauth2");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &body_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->err);
}

int oauth2_post (oauth2_http *h, char const *url, stralloc const *form, stralloc *body)
{
  CURLcode r;
  CURL *c = curl_easy_init();
  h->err[0] = 0;
  h->status = 0;
  if (body->s) explicit_bzero(body->s, body->a);
  body->len = 0;
  if (!c) { strcpy(h->err, "unable to start libcurl"); return 0; }
  post_options(c, h, url, form, body);
  r = curl_easy_perform(c);
  if (r == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
  else if (!h->err[0]) strncpy(h->err, curl_easy_strerror(r), sizeof h->err - 1);
  curl_easy_cleanup(c);
  if (r != CURLE_OK) return 0;
  /* 0-terminated for the JSON parser, the terminator not counted */
  if (!stralloc_0(body)) { strcpy(h->err, "out of memory"); return 0; }
  body->len--;
  return 1;
}
