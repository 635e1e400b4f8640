/* smarthost-oauth2: prints an OAuth 2.0 access token for the upstream
   (UPSTREAM_TOKENCMD), from client credentials or a stored refresh token,
   cached until shortly before it expires; and gets the first refresh
   token with the device flow (-d, RFC 8628) or a browser sign-in on a
   loopback redirect with PKCE (-l, RFC 7636). HTTPS through libcurl, JSON
   through json-c. Settings from the environment (smarthost-conf(5));
   secrets only from files. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <skalibs/buffer.h>
#include <skalibs/sgetopt.h>
#include <skalibs/stralloc.h>
#include <skalibs/strerr.h>
#include <skalibs/types.h>
#include "envnum.h"
#include "oauth2.h"

#define USAGE "smarthost-oauth2 [ -v ] [ -d | -l | -p provider ]"
#define dieusage() strerr_dieusage(100, USAGE)
#define dienomem() strerr_diefu1sys(111, "allocate")

/* --- providers ------------------------------------------------------------ */

/* What an administrator would otherwise look up: endpoints, scopes and the
   SMTP side. {t} in an endpoint is the tenant (OAUTH2_TENANT). */
struct preset
{
  char const *name;
  char const *token, *device, *auth;
  char const *scope_app;      /* client credentials; NULL: not offered */
  char const *scope_user;     /* delegated, with a refresh token */
  char const *auth_extra;     /* added to the authorization URL */
  char const *upstream, *tls;
};

static struct preset const presets[] =
{
  { "microsoft",
    "https://login.microsoftonline.com/{t}/oauth2/v2.0/token",
    "https://login.microsoftonline.com/{t}/oauth2/v2.0/devicecode",
    "https://login.microsoftonline.com/{t}/oauth2/v2.0/authorize",
    "https://outlook.office365.com/.default",
    "https://outlook.office.com/SMTP.Send offline_access",
    "",
    "smtp.office365.com:587", "starttls" },
  /* Google gives a refresh token only with access_type=offline, and again
     on a second sign-in only with prompt=consent. */
  { "google",
    "https://oauth2.googleapis.com/token",
    "https://oauth2.googleapis.com/device/code",
    "https://accounts.google.com/o/oauth2/v2/auth",
    0,
    "https://mail.google.com/",
    "&access_type=offline&prompt=consent",
    "smtp.gmail.com:465", "tls" },
};

/* --- configuration ---------------------------------------------------------- */

static struct
{
  struct preset const *p;
  char const *tenant, *client_id, *secretfile, *certfile, *keyfile, *refreshfile;
  stralloc cachefile, token_url, device_url, auth_url, scope;
  unsigned int margin, redirect_port, login_timeout;
  oauth2_http http;
} cf = { .cachefile = STRALLOC_ZERO, .token_url = STRALLOC_ZERO, .device_url = STRALLOC_ZERO,
         .auth_url = STRALLOC_ZERO, .scope = STRALLOC_ZERO };

static int verbose;
static int curl_ready;
static char const *grant;   /* the grant being made, for the messages */

static char const *env (char const *name)
{
  char const *x = getenv(name);
  return x && *x ? x : 0;
}

static struct preset const *preset_find (char const *name)
{
  size_t i;
  for (i = 0; i < sizeof presets / sizeof *presets; i++)
    if (!strcmp(presets[i].name, name)) return presets + i;
  return 0;
}

/* An endpoint: OAUTH2_<name>, else the preset's with the tenant put in. */
static void conf_url (stralloc *sa, char const *name, char const *tmpl)
{
  char const *x = env(name);
  char const *t;
  if (x) tmpl = x;
  if (!tmpl) return;
  t = strstr(tmpl, "{t}");
  if (t && !cf.tenant) strerr_dief(100, "OAUTH2_TENANT is not set (the directory tenant: its id or domain)");
  if (t ? !stralloc_catb(sa, tmpl, t - tmpl) || !stralloc_cats(sa, cf.tenant) || !stralloc_cats(sa, t + 3)
        : !stralloc_cats(sa, tmpl)) dienomem();
  if (!stralloc_0(sa)) dienomem();
}

/* The cache lives next to the first secret file named, unless set. */
static void conf_cache (void)
{
  char const *x = env("OAUTH2_CACHEFILE");
  char const *base = cf.refreshfile ? cf.refreshfile : cf.secretfile ? cf.secretfile : cf.keyfile;
  if (x) { if (!stralloc_cats(&cf.cachefile, x)) dienomem(); }
  else if (base)
  {
    char const *slash = strrchr(base, '/');
    if (slash && !stralloc_catb(&cf.cachefile, base, slash - base + 1)) dienomem();
    if (!stralloc_cats(&cf.cachefile, "oauth2-access")) dienomem();
  }
  if (cf.cachefile.len && !stralloc_0(&cf.cachefile)) dienomem();
}

static void conf_read (void)
{
  char const *x = env("OAUTH2_PROVIDER");
  char const *bad = 0;
  if (x && !(cf.p = preset_find(x))) strerr_dief(100, "OAUTH2_PROVIDER must be microsoft or google, not ", x);
  cf.tenant = env("OAUTH2_TENANT");
  cf.client_id = env("OAUTH2_CLIENT_ID");
  cf.secretfile = env("OAUTH2_SECRETFILE");
  cf.certfile = env("OAUTH2_CERTFILE");
  cf.keyfile = env("OAUTH2_KEYFILE");
  if (cf.certfile && !cf.keyfile) cf.keyfile = cf.certfile;
  cf.refreshfile = env("OAUTH2_REFRESHFILE");
  cf.http.cafile = env("OAUTH2_CAFILE");
  cf.http.timeout = envnum_get("OAUTH2_TIMEOUT", 30, 3600, &bad);
  if (!cf.http.timeout) cf.http.timeout = 1;
  cf.margin = envnum_get("OAUTH2_MARGIN", 300, 86400, &bad);
  cf.redirect_port = envnum_get("OAUTH2_REDIRECT_PORT", 0, 65535, &bad);
  cf.login_timeout = envnum_get("OAUTH2_LOGIN_TIMEOUT", 600, 86400, &bad);
  if (bad) strerr_dief(100, "invalid ", bad, ": ", getenv(bad));
  if (!cf.client_id) strerr_dief(100, "OAUTH2_CLIENT_ID is not set");
  conf_url(&cf.token_url, "OAUTH2_TOKEN_URL", cf.p ? cf.p->token : 0);
  conf_url(&cf.device_url, "OAUTH2_DEVICE_URL", cf.p ? cf.p->device : 0);
  conf_url(&cf.auth_url, "OAUTH2_AUTH_URL", cf.p ? cf.p->auth : 0);
  if (!cf.token_url.len) strerr_dief(100, "neither OAUTH2_PROVIDER nor OAUTH2_TOKEN_URL is set");
  x = env("OAUTH2_SCOPE");
  if (!x && cf.p) x = cf.refreshfile ? cf.p->scope_user : cf.p->scope_app;
  if (!x && cf.p) strerr_dief(100, "provider ", cf.p->name, " has no application access for SMTP: set OAUTH2_REFRESHFILE and sign in with -d or -l");
  if (!x) strerr_dief(100, "OAUTH2_SCOPE is not set");
  if (!stralloc_cats(&cf.scope, x) || !stralloc_0(&cf.scope)) dienomem();
  conf_cache();
}

/* --- talking to the endpoints ------------------------------------------------- */

/* Adds the client's authentication to a form: the secret (RFC 6749 2.3.1)
   or a signed assertion (RFC 7523 2.2). A public client has neither. */
static void form_client (stralloc *form, char const *aud)
{
  stralloc s = STRALLOC_ZERO;
  if (!oauth2_form_add(form, "client_id", cf.client_id)) dienomem();
  if (cf.certfile)
  {
    char const *why = 0;
    if (!oauth2_jwt_assertion(&s, cf.certfile, cf.keyfile, cf.client_id, aud, time(0), &why)) strerr_dief(100, why);
    if (!oauth2_form_add(form, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
     || !oauth2_form_add(form, "client_assertion", s.s)) dienomem();
  }
  else if (cf.secretfile)
  {
    int r = oauth2_file_read_secret(cf.secretfile, &s, 1);
    if (r < 0) strerr_diefu2sys(100, "read OAUTH2_SECRETFILE ", cf.secretfile);
    if (!r) strerr_dief(100, "OAUTH2_SECRETFILE ", cf.secretfile, errno == EPERM ? " is accessible to other users: chmod o-rwx it" : " is empty or not one line");
    if (!oauth2_form_add(form, "client_secret", s.s)) dienomem();
  }
  secret_wipe(&s);
}

/* The OAuth2 error code of an answer, if it is a plain word: an answer
   is never logged whole, it might echo what we sent. */
static char const *answer_error (json_object *j)
{
  json_object *e;
  char const *s;
  if (!j || !json_object_object_get_ex(j, "error", &e) || !json_object_is_type(e, json_type_string)) return 0;
  s = json_object_get_string(e);
  if (!*s || strlen(s) > 64 || s[strspn(s, "abcdefghijklmnopqrstuvwxyz_")]) return "unknown";
  return s;
}

/* Microsoft's AADSTS number (in error_description) names the cause
   precisely in its documentation; "" when there is none. */
static void answer_aadsts (json_object *j, char *out, size_t max)
{
  json_object *d;
  char const *s, *p;
  size_t n;
  out[0] = 0;
  if (!j || !json_object_object_get_ex(j, "error_description", &d)) return;
  s = json_object_get_string(d);
  p = s ? strstr(s, "AADSTS") : 0;
  if (!p) return;
  n = 6 + strspn(p + 6, "0123456789");
  if (n == 6 || n + 3 > max) return;
  memcpy(out, ", ", 2);
  memcpy(out + 2, p, n);
  out[n + 2] = 0;
}

static char const *json_str (json_object *j, char const *name)
{
  json_object *v;
  if (!j || !json_object_object_get_ex(j, name, &v) || !json_object_is_type(v, json_type_string)) return 0;
  return json_object_get_string(v);
}

static long json_num (json_object *j, char const *name, long dflt)
{
  json_object *v;
  if (!j || !json_object_object_get_ex(j, name, &v)) return dflt;
  if (json_object_is_type(v, json_type_int)) return (long)json_object_get_int64(v);
  /* some providers send numbers as strings */
  if (json_object_is_type(v, json_type_string)) return strtol(json_object_get_string(v), 0, 10);
  return dflt;
}

/* Dies with one line for an answer that is an error, or no answer. */
static void die_answer (json_object *j, long status, char const *url)
{
  char const *e = answer_error(j);
  char st[LONG_FMT], aad[32];
  st[long_fmt(st, status)] = 0;
  answer_aadsts(j, aad, sizeof aad);
  if (!e)
  {
    if (status >= 200 && status < 300)
      strerr_dief(111, "the token endpoint ", url, " answered HTTP ", st, " without an access token in JSON");
    strerr_dief(111, "the token endpoint ", url, " answered HTTP ", st, j ? "" : " (not JSON)");
  }
  if (!strcmp(e, "invalid_grant"))
  {
    if (!strcmp(grant, "refresh_token"))
      strerr_dief(100, "the token endpoint refused the refresh token (invalid_grant", aad, "): it expired or was revoked; sign in again with smarthost-oauth2 -d or -l");
    if (!strcmp(grant, "client_credentials"))
      strerr_dief(100, "the token endpoint refused the grant (invalid_grant", aad, "): check OAUTH2_TENANT and the application's permissions");
    strerr_dief(100, "the token endpoint refused the grant (invalid_grant", aad, "): the sign-in did not complete; run smarthost-oauth2 -d or -l again");
  }
  if (!strcmp(e, "invalid_client") || !strcmp(e, "unauthorized_client"))
    strerr_dief(100, "the token endpoint refused the client (", e, aad, "): check OAUTH2_CLIENT_ID, OAUTH2_TENANT and the client secret (OAUTH2_SECRETFILE) or certificate (OAUTH2_CERTFILE)");
  if (!strcmp(e, "invalid_scope"))
    strerr_dief(100, "the token endpoint refused the scope (invalid_scope", aad, "): check OAUTH2_SCOPE and the application's API permissions");
  if (!strcmp(e, "temporarily_unavailable") || !strcmp(e, "server_error"))
    strerr_dief(111, "the token endpoint ", url, " is not working (", e, aad, ")");
  strerr_dief(100, "the token endpoint refused the request (", e, aad, ", HTTP ", st, ")");
}

/* POSTs form to url and parses the answer; dies when there is none.
   The caller owns the JSON; the body and the form are wiped. */
static json_object *endpoint_call (char const *url, stralloc *form)
{
  stralloc body = STRALLOC_ZERO;
  json_object *j;
  if (verbose) strerr_warni("POST ", url);
  /* only now: a token from the cache needs none of libcurl's start-up */
  if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT)) strerr_dief(111, "unable to initialise libcurl");
  curl_ready = 1;
  if (!oauth2_post(&cf.http, url, form, &body))
  {
    secret_wipe(form);
    secret_wipe(&body);
    strerr_dief(111, "unable to reach the token endpoint ", url, ": ", cf.http.err);
  }
  secret_wipe(form);
  j = json_tokener_parse(body.s);
  secret_wipe(&body);
  if (j && !json_object_is_type(j, json_type_object)) { json_object_put(j); j = 0; }
  return j;
}

/* --- the stored tokens ---------------------------------------------------- */

static void refresh_read (stralloc *sa)
{
  int r = oauth2_file_read_secret(cf.refreshfile, sa, 1);
  if (r < 0 && errno == ENOENT)
    strerr_dief(100, "no refresh token in ", cf.refreshfile, ": sign in first with smarthost-oauth2 -d or -l");
  if (r < 0) strerr_diefu2sys(111, "read OAUTH2_REFRESHFILE ", cf.refreshfile);
  if (!r) strerr_dief(100, "OAUTH2_REFRESHFILE ", cf.refreshfile, errno == EPERM ? " is accessible to other users: chmod o-rwx it" : " is empty or not one line");
}

/* A new refresh token replaces the old one only once it is on disk: if
   storing it fails, the old one stays, and so does this failure (the
   provider keeps old refresh tokens valid for a while; Microsoft does). */
static void refresh_store (char const *tok, char const *old)
{
  if (old && !strcmp(tok, old)) return;
  if (strchr(tok, '\n') || !*tok) strerr_dief(111, "the token endpoint sent a malformed refresh token");
  {
    stralloc s = STRALLOC_ZERO;
    int r;
    if (!stralloc_cats(&s, tok) || !stralloc_append(&s, '\n')) dienomem();
    r = oauth2_file_replace(cf.refreshfile, s.s, s.len);
    secret_wipe(&s);
    if (r < 0) strerr_diefu3sys(111, "store the new refresh token in ", cf.refreshfile, " (the old one is kept)");
  }
  if (verbose) strerr_warni("stored a new refresh token in ", cf.refreshfile);
}

/* cache file: the expiry (seconds since the epoch), the settings it was
   got with, the token; one line each */
static int cache_key (stralloc *sa)
{
  return stralloc_cats(sa, cf.token_url.s) && stralloc_append(sa, ' ') && stralloc_cats(sa, cf.client_id)
    && stralloc_append(sa, ' ') && stralloc_cats(sa, cf.scope.s);
}

/* 1 and the token in tok when the cache holds one valid for margin more
   seconds, got with these settings. */
static int cache_read (stralloc *tok)
{
  stralloc c = STRALLOC_ZERO, key = STRALLOC_ZERO;
  char *l2, *l3, *end;
  uint64_t exp;
  int ok = 0;
  if (!cf.cachefile.len || oauth2_file_read_secret(cf.cachefile.s, &c, 0) <= 0) goto end;
  l2 = strchr(c.s, '\n');
  l3 = l2 ? strchr(l2 + 1, '\n') : 0;
  if (!l3 || uint64_scan(c.s, &exp) != (size_t)(l2 - c.s) || !cache_key(&key)) goto end;
  end = strchr(l3 + 1, '\n');
  if (end || (size_t)(l3 - l2 - 1) != key.len || memcmp(l2 + 1, key.s, key.len)) goto end;
  if ((uint64_t)time(0) + cf.margin >= exp) goto end;
  tok->len = 0;
  ok = stralloc_cats(tok, l3 + 1) && stralloc_0(tok);
 end:
  secret_wipe(&c);
  stralloc_free(&key);
  return ok;
}

/* A failure to write the cache costs a request next time, nothing more. */
static void cache_write (char const *tok, long expires_in)
{
  stralloc c = STRALLOC_ZERO;
  char fmt[UINT64_FMT];
  if (!cf.cachefile.len || expires_in <= (long)cf.margin) return;
  fmt[uint64_fmt(fmt, (uint64_t)time(0) + (uint64_t)expires_in)] = 0;
  if (!stralloc_cats(&c, fmt) || !stralloc_append(&c, '\n') || !cache_key(&c) || !stralloc_append(&c, '\n')
   || !stralloc_cats(&c, tok) || !stralloc_append(&c, '\n')) dienomem();
  if (oauth2_file_replace(cf.cachefile.s, c.s, c.len) < 0)
    strerr_warnwu2sys("cache the access token in ", cf.cachefile.s);
  secret_wipe(&c);
}

/* An answer that gives tokens: keeps the refresh token (when there is
   one, or dies when one was needed), caches and returns the access token. */
static void tokens_keep (json_object *j, long status, char const *old_refresh, int need_refresh, stralloc *tok)
{
  char const *at = json_str(j, "access_token");
  char const *rt = json_str(j, "refresh_token");
  if (!at || !*at || strchr(at, '\n') || status != 200) die_answer(j, status, cf.token_url.s);
  if (rt && cf.refreshfile) refresh_store(rt, old_refresh);
  else if (need_refresh)
    strerr_dief(100, "the provider gave no refresh token: the scope needs offline access (offline_access for Microsoft; Google's is asked for by -l)");
  tok->len = 0;
  if (!stralloc_cats(tok, at) || !stralloc_0(tok)) dienomem();
  cache_write(at, json_num(j, "expires_in", 3600));
}

/* --- flows ------------------------------------------------------------------- */

/* A new access token: client credentials (RFC 6749 4.4) or refresh
   (RFC 6749 6). */
static void token_fetch (stralloc *tok)
{
  stralloc form = STRALLOC_ZERO, old = STRALLOC_ZERO;
  json_object *j;
  grant = cf.refreshfile ? "refresh_token" : "client_credentials";
  if (cf.refreshfile)
  {
    refresh_read(&old);
    if (!oauth2_form_add(&form, "grant_type", "refresh_token") || !oauth2_form_add(&form, "refresh_token", old.s)) dienomem();
  }
  else
  {
    if (!cf.secretfile && !cf.certfile) strerr_dief(100, "set OAUTH2_SECRETFILE or OAUTH2_CERTFILE (client credentials), or OAUTH2_REFRESHFILE");
    if (!oauth2_form_add(&form, "grant_type", "client_credentials")) dienomem();
  }
  if (!oauth2_form_add(&form, "scope", cf.scope.s)) dienomem();
  form_client(&form, cf.token_url.s);
  j = endpoint_call(cf.token_url.s, &form);
  tokens_keep(j, cf.http.status, old.len ? old.s : 0, 0, tok);
  json_object_put(j);
  secret_wipe(&old);
}

static void token_print (stralloc *tok)
{
  if (buffer_puts(buffer_1, tok->s) < 0 || buffer_putflush(buffer_1, "\n", 1) < 0)
    strerr_diefu1sys(111, "write to stdout");
  secret_wipe(tok);
}

/* The cache first without a lock (the common case); then under the lock,
   so that a burst of workers makes one request: the first fetches, the
   others find its token in the cache once they get the lock. */
static int token_main (void)
{
  stralloc tok = STRALLOC_ZERO, lock = STRALLOC_ZERO;
  int fd;
  /* smarthost-remote sets OAUTH2_FRESH when the upstream refused the
     token it got: that one may be revoked, cached or not */
  char const *x = env("OAUTH2_FRESH");
  int fresh = x && !strcmp(x, "1");
  if (!fresh && cache_read(&tok)) { token_print(&tok); return 0; }
  if (cf.cachefile.len)
  {
    if (!stralloc_cats(&lock, cf.cachefile.s) || !stralloc_cats(&lock, ".lock") || !stralloc_0(&lock)) dienomem();
    /* read-only is enough for flock; without the lock (a file another
       user made by hand) we only risk a few more requests */
    fd = open(lock.s, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) strerr_warnwu2sys("lock ", lock.s);
    else if (!fresh && cache_read(&tok)) { token_print(&tok); return 0; }
  }
  token_fetch(&tok);
  token_print(&tok);
  return 0;
}

static void say (char const *a, char const *b, char const *c, char const *d)
{
  buffer_puts(buffer_1, a); buffer_puts(buffer_1, b); buffer_puts(buffer_1, c); buffer_puts(buffer_1, d);
  buffer_putflush(buffer_1, "\n", 1);
}

static void signed_in (json_object *j, stralloc *tok)
{
  tokens_keep(j, cf.http.status, 0, 1, tok);
  secret_wipe(tok);
  say("signed in: the refresh token is in ", cf.refreshfile, "", "");
}

/* Polls the token endpoint until the person has signed in (RFC 8628 3.4,
   3.5): authorization_pending waits, slow_down waits 5 s longer. */
static void device_poll (char const *device_code, long interval, long expires)
{
  time_t end = time(0) + expires;
  stralloc tok = STRALLOC_ZERO;
  while (time(0) < end)
  {
    stralloc form = STRALLOC_ZERO;
    json_object *j;
    char const *e;
    sleep((unsigned int)interval);
    if (!oauth2_form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:device_code")
     || !oauth2_form_add(&form, "device_code", device_code)) dienomem();
    form_client(&form, cf.token_url.s);
    j = endpoint_call(cf.token_url.s, &form);
    e = answer_error(j);
    if (!e) { signed_in(j, &tok); json_object_put(j); return; }
    if (!strcmp(e, "slow_down")) interval += 5;
    else if (!strcmp(e, "access_denied")) strerr_dief(100, "the sign-in was declined");
    else if (!strcmp(e, "expired_token")) break;
    else if (strcmp(e, "authorization_pending")) die_answer(j, cf.http.status, cf.token_url.s);
    json_object_put(j);
  }
  strerr_dief(100, "the code expired before the sign-in: run smarthost-oauth2 -d again");
}

/* The device authorization grant (RFC 8628): for a relay with no browser. */
static int device_main (void)
{
  stralloc form = STRALLOC_ZERO;
  json_object *j;
  char const *dc, *uc, *uri;
  long interval, expires;
  char fmt[LONG_FMT];
  if (!cf.refreshfile) strerr_dief(100, "OAUTH2_REFRESHFILE is not set: where should the refresh token go?");
  grant = "device_code";
  if (!cf.device_url.len) strerr_dief(100, "neither OAUTH2_PROVIDER nor OAUTH2_DEVICE_URL is set");
  if (!oauth2_form_add(&form, "client_id", cf.client_id) || !oauth2_form_add(&form, "scope", cf.scope.s)) dienomem();
  j = endpoint_call(cf.device_url.s, &form);
  dc = json_str(j, "device_code");
  uc = json_str(j, "user_code");
  /* verification_url: what Google calls it */
  uri = json_str(j, "verification_uri");
  if (!uri) uri = json_str(j, "verification_url");
  if (!dc || !uc || !uri || cf.http.status != 200) die_answer(j, cf.http.status, cf.device_url.s);
  interval = json_num(j, "interval", 5);
  if (interval < 1 || interval > 60) interval = 5;
  expires = json_num(j, "expires_in", 900);
  if (expires < 1 || expires > 86400) expires = 900;
  fmt[long_fmt(fmt, expires / 60)] = 0;
  say("To sign in, open ", uri, " in a browser, enter the code ", uc);
  say("and sign in as the mailbox that sends (UPSTREAM_USER). The code is valid for ", fmt, " minutes; waiting...", "");
  device_poll(dc, interval, expires);
  json_object_put(j);
  return 0;
}

/* --- the loopback redirect (RFC 8252 7.3) -------------------------------------- */

static int loopback_listen (unsigned int *port)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  socklen_t len = sizeof a;
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((uint16_t)*port);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0
   || getsockname(s, (struct sockaddr *)&a, &len) < 0) strerr_diefu1sys(111, "listen on 127.0.0.1");
  *port = ntohs(a.sin_port);
  return s;
}

/* The value of name in the query of a request line "GET /?a=b&c=d HTTP/1.1",
   decoded onto sa; 0 when absent. */
static int query_get (char const *line, char const *name, stralloc *sa)
{
  char const *q = strchr(line, '?');
  size_t n = strlen(name);
  sa->len = 0;
  while (q)
  {
    q++;
    if (!strncmp(q, name, n) && q[n] == '=')
      return oauth2_urldecode(sa, q + n + 1, strcspn(q + n + 1, "& \r\n"));
    q = strpbrk(q, "& \r\n");
    if (q && *q != '&') return 0;
  }
  return 0;
}

/* Reads one request line from the browser, answers a short page. */
static int loopback_request (int s, char *line, size_t max)
{
  static char const page[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
    "smarthost-oauth2 got the answer: you may close this page and return to the terminal.\r\n";
  size_t len = 0;
  struct pollfd p = { .fd = s, .events = POLLIN };
  while (len + 1 < max && !memchr(line, '\n', len))
  {
    ssize_t r;
    if (poll(&p, 1, 10000) <= 0) return 0;
    r = read(s, line + len, max - 1 - len);
    if (r <= 0) return 0;
    len += r;
    line[len] = 0;
  }
  if (write(s, page, sizeof page - 1) < 0) return 0;
  return !strncmp(line, "GET ", 4);
}

/* Waits for the redirect that carries the code (or an error); other
   requests (a favicon) are answered and ignored. */
static void loopback_wait (int ls, char const *state, stralloc *code)
{
  time_t end = time(0) + cf.login_timeout;
  stralloc v = STRALLOC_ZERO;
  char line[8192];
  while (time(0) < end)
  {
    struct pollfd p = { .fd = ls, .events = POLLIN };
    int s;
    if (poll(&p, 1, 1000) <= 0) continue;
    s = accept4(ls, 0, 0, SOCK_CLOEXEC);
    if (s < 0) continue;
    line[0] = 0;
    if (loopback_request(s, line, sizeof line))
    {
      if (query_get(line, "error", &v)) strerr_dief(100, "the sign-in failed: the provider said ", v.s);
      if (query_get(line, "code", code))
      {
        /* RFC 6749 10.12: the state proves the answer is to our request */
        if (!query_get(line, "state", &v) || strcmp(v.s, state)) strerr_dief(100, "the redirect's state is not ours: ignored, run again");
        close(s);
        explicit_bzero(line, sizeof line);
        stralloc_free(&v);
        return;
      }
    }
    close(s);
  }
  strerr_dief(100, "no sign-in within OAUTH2_LOGIN_TIMEOUT seconds");
}

static void auth_url_make (stralloc *u, char const *redirect, char const *challenge, char const *state)
{
  if (!stralloc_cats(u, cf.auth_url.s) || !stralloc_append(u, strchr(cf.auth_url.s, '?') ? '&' : '?')) dienomem();
  {
    stralloc q = STRALLOC_ZERO;
    if (!oauth2_form_add(&q, "response_type", "code") || !oauth2_form_add(&q, "client_id", cf.client_id)
     || !oauth2_form_add(&q, "redirect_uri", redirect) || !oauth2_form_add(&q, "scope", cf.scope.s)
     || !oauth2_form_add(&q, "code_challenge", challenge) || !oauth2_form_add(&q, "code_challenge_method", "S256")
     || !oauth2_form_add(&q, "state", state) || !stralloc_catb(u, q.s, q.len)
     || (cf.p && !stralloc_cats(u, cf.p->auth_extra)) || !stralloc_0(u)) dienomem();
    stralloc_free(&q);
  }
}

/* The authorization code grant with PKCE on a loopback redirect: what
   Google requires for mail scopes. */
static int login_main (void)
{
  stralloc verifier = STRALLOC_ZERO, challenge = STRALLOC_ZERO, state = STRALLOC_ZERO;
  stralloc redirect = STRALLOC_ZERO, url = STRALLOC_ZERO, code = STRALLOC_ZERO, form = STRALLOC_ZERO, tok = STRALLOC_ZERO;
  unsigned int port = cf.redirect_port;
  char fmt[UINT_FMT];
  json_object *j;
  int ls;
  if (!cf.refreshfile) strerr_dief(100, "OAUTH2_REFRESHFILE is not set: where should the refresh token go?");
  grant = "authorization_code";
  if (!cf.auth_url.len) strerr_dief(100, "neither OAUTH2_PROVIDER nor OAUTH2_AUTH_URL is set");
  ls = loopback_listen(&port);
  fmt[uint_fmt(fmt, port)] = 0;
  if (!oauth2_pkce(&verifier, &challenge) || !oauth2_random_hex(&state, 16)
   || !stralloc_cats(&redirect, "http://127.0.0.1:") || !stralloc_cats(&redirect, fmt)
   || !stralloc_cats(&redirect, "/") || !stralloc_0(&redirect)) dienomem();
  auth_url_make(&url, redirect.s, challenge.s, state.s);
  say("Open this address in a browser on this machine (from elsewhere: ssh -L ", fmt, ":127.0.0.1:", fmt);
  say("first) and sign in as the mailbox that sends (UPSTREAM_USER):", "", "", "");
  say(url.s, "", "", "");
  say("Waiting for the browser to come back to ", redirect.s, "", "");
  loopback_wait(ls, state.s, &code);
  close(ls);
  if (!oauth2_form_add(&form, "grant_type", "authorization_code") || !oauth2_form_add(&form, "code", code.s)
   || !oauth2_form_add(&form, "redirect_uri", redirect.s) || !oauth2_form_add(&form, "code_verifier", verifier.s)) dienomem();
  secret_wipe(&code);
  secret_wipe(&verifier);
  form_client(&form, cf.token_url.s);
  j = endpoint_call(cf.token_url.s, &form);
  signed_in(j, &tok);
  json_object_put(j);
  return 0;
}

/* --- presets ----------------------------------------------------------------- */

static int preset_main (char const *name)
{
  struct preset const *p = preset_find(name);
  if (!p) strerr_dief(100, "unknown provider ", name, ": microsoft or google");
  say("UPSTREAM=", p->upstream, "", "");
  say("UPSTREAM_TLS=", p->tls, "", "");
  say("UPSTREAM_TOKENCMD=smarthost-oauth2", "", "", "");
  say("OAUTH2_PROVIDER=", p->name, "", "");
  say("OAUTH2_SCOPE (delegated)=", p->scope_user, "", "");
  say("OAUTH2_SCOPE (application)=", p->scope_app ? p->scope_app : "(none: sign in with -d or -l)", "", "");
  return 0;
}

int main (int argc, char const *const *argv)
{
  subgetopt l = SUBGETOPT_ZERO;
  char mode = 't';
  char const *provider = 0;
  int r;
  PROG = "smarthost-oauth2";
  for (;;)
  {
    int opt = subgetopt_r(argc, argv, "vdlp:", &l);
    if (opt == -1) break;
    switch (opt)
    {
      case 'v': verbose = 1; break;
      case 'd': mode = 'd'; break;
      case 'l': mode = 'l'; break;
      case 'p': mode = 'p'; provider = l.arg; break;
      default: dieusage();
    }
  }
  argc -= l.ind; argv += l.ind;
  if (argc) dieusage();
  if (mode == 'p') return preset_main(provider);
  umask(077);
  conf_read();
  r = mode == 'd' ? device_main() : mode == 'l' ? login_main() : token_main();
  return r;
}
