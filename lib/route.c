/* route.c: the ROUTES file (lib/route.h): parse, match, hand a route to
   a worker as environment, rewrite From:. */

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/types.h>
#include "addr.h"
#include "printable.h"
#include "route.h"

#define RULE(rt, i) (genalloc_s(route_rule, &(rt)->rules) + (i))
#define NRULES(rt) genalloc_len(route_rule, &(rt)->rules)
#define ROUTE(rt, i) (genalloc_s(route, &(rt)->routes) + (i))
#define NROUTES(rt) genalloc_len(route, &(rt)->routes)

/* ---- errors ---- */

/* "line N: why" (then the caller may add a printable detail). Returns 0. */
static int route_err (stralloc *err, unsigned int line, char const *why)
{
  char fmt[UINT_FMT];
  fmt[uint_fmt(fmt, line)] = 0;
  err->len = 0;
  if (stralloc_cats(err, "line ") && stralloc_cats(err, fmt) && stralloc_cats(err, ": ")) stralloc_cats(err, why);
  return 0;
}

static int route_err_with (stralloc *err, unsigned int line, char const *why, char const *what, char const *tail)
{
  route_err(err, line, why);
  if (printable_cat(err, what, strlen(what))) stralloc_cats(err, tail);
  return 0;
}

/* ---- fields ---- */

static int route_domain_ok (char const *d)
{
  size_t n = strlen(d);
  return n && n <= ADDR_DOMAIN_MAX && !strchr(d, '@') && !strpbrk(d, "<>,;\"()[]\\");
}

/* An address with a local part and a domain, nothing an SMTP path could
   not carry. */
static int route_addr_ok (char const *a)
{
  char const *at = strrchr(a, '@');
  if (!at || at == a || addr_check(a, strlen(a)) != ADDR_OK) return 0;
  return !strpbrk(a, "<>") && route_domain_ok(at + 1);
}

static int route_port_ok (char const *s, size_t n)
{
  unsigned int port;
  return n && n <= 5 && uint_scan(s, &port) == n && port && port <= 65535;
}

/* One "host[:port]" or "[v6][:port]" of an UPSTREAM list. */
static int route_hostport_ok (char const *s, size_t n)
{
  size_t h;
  if (!n) return 0;
  if (*s == '[')
  {
    char const *e = memchr(s, ']', n);
    if (!e || e == s + 1 || strspn(s + 1, "0123456789abcdefABCDEF:.") < (size_t)(e - s - 1)) return 0;
    h = e + 1 - s;
    if (h == n) return 1;
    return s[h] == ':' && route_port_ok(s + h + 1, n - h - 1);
  }
  for (h = 0; h < n && s[h] != ':'; h++)
    if (!(s[h] == '.' || s[h] == '-' || s[h] == '_' || (s[h] >= '0' && s[h] <= '9')
       || (s[h] >= 'a' && s[h] <= 'z') || (s[h] >= 'A' && s[h] <= 'Z'))) return 0;
  if (!h) return 0;
  return h == n || route_port_ok(s + h + 1, n - h - 1);
}

static int route_upstream_ok (char const *s)
{
  for (;;)
  {
    size_t n = strcspn(s, ",");
    if (!route_hostport_ok(s, n)) return 0;
    if (!s[n]) return 1;
    s += n + 1;
  }
}

/* ---- options ---- */

/* The mechanisms of lib/auth_client.h, by name: that file brings
   libcrypto, which the scheduler does not link. */
static int route_mech_ok (char const *m)
{
  static char const *const names[] = { "LOGIN", "PLAIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", 0 };
  unsigned int i;
  for (i = 0; names[i]; i++) if (!strcasecmp(m, names[i])) return 1;
  return 0;
}

/* Sets one key=value option of r; 1, or 0 with the reason in err. */
static int route_option (route *r, char *field, unsigned int line, stralloc *err)
{
  static char const *const secret[] = { "password", "pass", "passwd", "secret", "token", "key", 0 };
  char *eq = strchr(field, '=');
  char const *v;
  char const **slot;
  unsigned int i;
  if (!eq || eq == field) return route_err(err, line, "an option is not key=value");
  *eq = 0;
  v = eq + 1;
  for (i = 0; secret[i]; i++)
    if (!strcasecmp(field, secret[i]))
      return route_err(err, line, "a secret never goes in the routes file: name a file with passfile= or tokenfile=");
  if (!strcmp(field, "tls")) slot = &r->tls;
  else if (!strcmp(field, "user")) slot = &r->user;
  else if (!strcmp(field, "passfile")) slot = &r->passfile;
  else if (!strcmp(field, "tokenfile")) slot = &r->tokenfile;
  else if (!strcmp(field, "mech")) slot = &r->mech;
  else if (!strcmp(field, "cafile")) slot = &r->cafile;
  else if (!strcmp(field, "rewrite")) slot = &r->rewrite;
  else return route_err_with(err, line, "unknown option ", field, " (tls, user, passfile, tokenfile, mech, cafile, rewrite)");
  if (*slot) return route_err_with(err, line, "option ", field, " given twice");
  if (!*v) return route_err_with(err, line, "option ", field, " is empty");
  if (slot == &r->tls && strcmp(v, "starttls") && strcmp(v, "tls") && strcmp(v, "none"))
    return route_err(err, line, "tls must be starttls, tls or none");
  if ((slot == &r->passfile || slot == &r->tokenfile || slot == &r->cafile) && *v != '/')
    return route_err_with(err, line, "option ", field, " needs an absolute path");
  if (slot == &r->mech && !route_mech_ok(v)) return route_err(err, line, "mech names no known mechanism");
  if (slot == &r->rewrite && !route_addr_ok(v)) return route_err(err, line, "rewrite needs an address local@domain");
  *slot = v;
  return 1;
}

/* Credentials half-given must never mean "send without AUTH". */
static int route_complete (route const *r, unsigned int line, stralloc *err)
{
  if (r->passfile && r->tokenfile) return route_err(err, line, "passfile and tokenfile both given: one or the other");
  if (r->user && !r->passfile && !r->tokenfile) return route_err(err, line, "user given without passfile or tokenfile");
  if (!r->user && (r->passfile || r->tokenfile || r->mech)) return route_err(err, line, "passfile, tokenfile or mech given without user");
  return 1;
}

static int route_streq (char const *a, char const *b)
{
  return a == b || (a && b && !strcmp(a, b));
}

static int route_same (route const *a, route const *b)
{
  return route_streq(a->upstream, b->upstream) && route_streq(a->tls, b->tls) && route_streq(a->user, b->user)
    && route_streq(a->passfile, b->passfile) && route_streq(a->tokenfile, b->tokenfile)
    && route_streq(a->mech, b->mech) && route_streq(a->cafile, b->cafile) && route_streq(a->rewrite, b->rewrite);
}

/* The index of r among the routes, added if new. -1 when there are too
   many (err set) or on allocation failure (errno). */
static int route_intern (routes *rt, route const *r, stralloc *err)
{
  unsigned int i;
  for (i = 1; i < NROUTES(rt); i++) if (route_same(ROUTE(rt, i), r)) return i;
  if (NROUTES(rt) > ROUTE_MAX) { route_err(err, r->line, "too many routes"); errno = 0; return -1; }
  if (!genalloc_append(route, &rt->routes, r)) return -1;
  return NROUTES(rt) - 1;
}

/* ---- rules ---- */

static int rule_same (char const *a, char const *b)
{
  if (*a == '*' || *a == '@' || *b == '*' || *b == '@') return !strcasecmp(a, b);
  return addr_same(a, strlen(a), b, strlen(b));
}

static int route_pattern_ok (char const *p)
{
  if (!strcmp(p, "*")) return 1;
  if (*p == '@') return route_domain_ok(p + 1);
  return route_addr_ok(p);
}

/* Splits a line into fields in place (spaces and tabs). */
static unsigned int route_fields (char *s, char **f, unsigned int max)
{
  unsigned int n = 0;
  for (;;)
  {
    while (*s == ' ' || *s == '\t') *s++ = 0;
    if (!*s) return n;
    if (n == max) return max + 1;
    f[n++] = s;
    while (*s && *s != ' ' && *s != '\t') s++;
  }
}

/* One line (NUL-terminated, no LF). 1, 0 (err), -1 (errno). */
static int route_line (routes *rt, char *s, unsigned int line, stralloc *err)
{
  char *f[12];
  route r;
  route_rule rule;
  unsigned int n, i;
  int k;
  for (i = 0; s[i]; i++)
    if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) return route_err(err, line, "a control character");
  n = route_fields(s, f, 10);
  if (!n || f[0][0] == '#') return 1;
  if (n > 10) return route_err(err, line, "too many fields");
  if (n < 2) return route_err(err, line, "a sender without an upstream (or default)");
  if (!route_pattern_ok(f[0])) return route_err(err, line, "the sender must be local@domain, @domain or *");
  for (i = 0; i < NRULES(rt); i++)
    if (rule_same(RULE(rt, i)->pattern, f[0]))
    {
      char fmt[UINT_FMT];
      fmt[uint_fmt(fmt, RULE(rt, i)->line)] = 0;
      route_err_with(err, line, "", f[0], " is already routed on line ");
      stralloc_cats(err, fmt);
      return 0;
    }
  memset(&r, 0, sizeof r);
  r.line = line;
  if (!strcmp(f[1], "default"))
  {
    if (n > 2) return route_err(err, line, "default takes no options (it is the route of conf/)");
    k = 0;
  }
  else
  {
    if (!route_upstream_ok(f[1])) return route_err(err, line, "the upstream must be host[:port][,host[:port]...]");
    r.upstream = f[1];
    for (i = 2; i < n; i++) if (!route_option(&r, f[i], line, err)) return 0;
    if (!route_complete(&r, line, err)) return 0;
    k = route_intern(rt, &r, err);
    if (k < 0) return errno ? -1 : 0;
  }
  rule.pattern = f[0];
  rule.route = k;
  rule.line = line;
  return genalloc_append(route_rule, &rt->rules, &rule) ? 1 : -1;
}

void routes_free (routes *rt)
{
  stralloc_free(&rt->text);
  genalloc_free(route, &rt->routes);
  genalloc_free(route_rule, &rt->rules);
}

static int routes_parse_text (routes *rt, char const *s, size_t len, stralloc *err)
{
  route conf;
  size_t pos = 0;
  unsigned int line = 0;
  routes_free(rt);
  memset(&conf, 0, sizeof conf);
  /* the text is copied whole first: the routes point into it */
  if (!stralloc_catb(&rt->text, s, len) || !stralloc_0(&rt->text) || !genalloc_append(route, &rt->routes, &conf)) return -1;
  while (pos < len)
  {
    char *l = rt->text.s + pos;
    char *nl = memchr(l, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - l) : len - pos;
    int r;
    line++;
    if (n > ROUTE_LINE_MAX) return route_err(err, line, "line too long");
    if (memchr(l, 0, n)) return route_err(err, line, "a NUL byte");
    l[n] = 0;
    if (n && l[n - 1] == '\r') l[n - 1] = 0;
    r = route_line(rt, l, line, err);
    if (r <= 0) return r;
    pos += n + 1;
  }
  return 1;
}

/* The reason, NUL-terminated for the caller's log line. */
static int route_err_end (int r, stralloc *err)
{
  if (r) return r;
  if (!stralloc_0(err)) return -1;
  err->len--;
  return 0;
}

int routes_parse (routes *rt, char const *s, size_t len, stralloc *err)
{
  return route_err_end(routes_parse_text(rt, s, len, err), err);
}

/* The file, a regular one: a FIFO in its place must not block the
   scheduler's start or an smtpd session (EINVAL for anything else). */
static int route_slurp (char const *file, stralloc *sa)
{
  struct stat st;
  int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC), r = 0, e;
  if (fd < 0) return 0;
  if (fstat(fd, &st) < 0) e = errno;
  else if (!S_ISREG(st.st_mode)) e = EINVAL;
  else { r = slurp(sa, fd); e = errno; }
  fd_close(fd);
  errno = e;
  return r;
}

int routes_load (routes *rt, char const *file, stralloc *err)
{
  stralloc sa = STRALLOC_ZERO;
  stralloc why = STRALLOC_ZERO;
  int r;
  err->len = 0;
  if (!route_slurp(file, &sa))
  {
    int e = errno;
    if (stralloc_cats(err, "unable to read ") && printable_cat(err, file, strlen(file))) stralloc_0(err);
    errno = e;
    return -1;
  }
  r = routes_parse_text(rt, sa.s ? sa.s : "", sa.len, &why);
  stralloc_free(&sa);
  if (!r && !(printable_cat(err, file, strlen(file)) && stralloc_catb(err, " ", 1) && stralloc_catb(err, why.s, why.len))) r = -1;
  stralloc_free(&why);
  return route_err_end(r, err);
}

unsigned int routes_n (routes const *rt)
{
  return NROUTES(rt) ? NROUTES(rt) : 1;
}

route const *routes_get (routes const *rt, unsigned int i)
{
  static route const conf = { 0 };
  return i && i < NROUTES(rt) ? ROUTE(rt, i) : &conf;
}

/* ---- matching ---- */

int routes_used (routes const *rt, unsigned int i)
{
  unsigned int k, star = 0;
  for (k = 0; k < NRULES(rt); k++)
  {
    if (RULE(rt, k)->route == i) return 1;
    if (RULE(rt, k)->pattern[0] == '*') star = 1;
  }
  return !i && !star;
}

unsigned int routes_match (routes const *rt, char const *sender)
{
  char const *at = strrchr(sender, '@');
  int dom = -1, any = -1;
  unsigned int i;
  for (i = 0; i < NRULES(rt); i++)
  {
    route_rule const *r = RULE(rt, i);
    if (r->pattern[0] == '*') any = r->route;
    else if (r->pattern[0] == '@') { if (at && !strcasecmp(r->pattern + 1, at + 1)) dom = r->route; }
    else if (*sender && addr_same(r->pattern, strlen(r->pattern), sender, strlen(sender))) return r->route;
  }
  return dom >= 0 ? (unsigned int)dom : any >= 0 ? (unsigned int)any : 0;
}

/* ---- a route for a worker ---- */

static int route_setenv (char const *name, char const *value)
{
  return value ? setenv(name, value, 1) : unsetenv(name);
}

int routes_env_apply (routes const *rt, unsigned int i)
{
  route const *r = routes_get(rt, i);
  char fmt[UINT_FMT];
  if (!r->upstream) return 0;
  fmt[uint_fmt(fmt, r->line)] = 0;
  if (route_setenv("UPSTREAM", r->upstream) < 0
   || route_setenv("UPSTREAM_TLS", r->tls ? r->tls : "starttls") < 0
   || route_setenv("UPSTREAM_USER", r->user) < 0
   || route_setenv("UPSTREAM_PASSFILE", r->passfile) < 0
   || route_setenv("UPSTREAM_TOKENFILE", r->tokenfile) < 0
   || route_setenv("UPSTREAM_MECH", r->mech) < 0
   || route_setenv("UPSTREAM_REWRITE", r->rewrite) < 0
   /* its workers record the SIZE in their upstream's record */
   || route_setenv("UPSTREAM_ROUTE", fmt) < 0
   || (r->cafile && setenv("UPSTREAM_CAFILE", r->cafile, 1) < 0)
   /* conf/'s own credentials belong to conf/'s account */
   || unsetenv("UPSTREAM_TOKENCMD") < 0 || unsetenv("UPSTREAM_CERTFILE") < 0 || unsetenv("UPSTREAM_KEYFILE") < 0)
    return -1;
  return 0;
}

/* "NAME=value" or, for a value 0, "NAME" (unset), as env_merge takes them. */
static int route_modif (stralloc *sa, char const *name, char const *value)
{
  return env_addmodif(sa, name, value);
}

int routes_envp (routes const *rt, unsigned int i, char const *const *base, stralloc *modifs, char const ***v)
{
  route const *r = routes_get(rt, i);
  char fmt[UINT_FMT];
  size_t n;
  *v = 0;
  if (!r->upstream) return 1;
  fmt[uint_fmt(fmt, r->line)] = 0;
  modifs->len = 0;
  if (!route_modif(modifs, "UPSTREAM", r->upstream)
   || !route_modif(modifs, "UPSTREAM_TLS", r->tls ? r->tls : "starttls")
   || !route_modif(modifs, "UPSTREAM_USER", r->user)
   || !route_modif(modifs, "UPSTREAM_PASSFILE", r->passfile)
   || !route_modif(modifs, "UPSTREAM_TOKENFILE", r->tokenfile)
   || !route_modif(modifs, "UPSTREAM_MECH", r->mech)
   || !route_modif(modifs, "UPSTREAM_REWRITE", r->rewrite)
   || !route_modif(modifs, "UPSTREAM_ROUTE", fmt)
   || (r->cafile && !route_modif(modifs, "UPSTREAM_CAFILE", r->cafile))
   || !route_modif(modifs, "UPSTREAM_TOKENCMD", 0) || !route_modif(modifs, "UPSTREAM_CERTFILE", 0)
   || !route_modif(modifs, "UPSTREAM_KEYFILE", 0)) return 0;
  n = env_len(base) + 12 + 1;
  *v = calloc(n, sizeof **v);
  if (!*v) return 0;
  if (!env_merge(*v, n, base, env_len(base), modifs->s, modifs->len)) { free(*v); *v = 0; return 0; }
  return 1;
}

/* ---- From: ---- */

/* The one angle-addr of a mailbox (RFC 5322 3.4), outside quoted strings
   and comments: 1 with its '<' and '>' offsets, 0 when there is none or
   more than one (several mailboxes). */
static int route_angle (char const *v, size_t n, size_t *lt, size_t *gt)
{
  size_t i;
  int quoted = 0, depth = 0, found = 0, inside = 0;
  for (i = 0; i < n; i++)
  {
    char c = v[i];
    if ((quoted || depth) && c == '\\') { i++; continue; }
    if (quoted) { if (c == '"') quoted = 0; continue; }
    if (depth) { if (c == '(') depth++; else if (c == ')') depth--; continue; }
    if (c == '"') quoted = 1;
    else if (c == '(') depth = 1;
    else if (c == '<') { if (found++ || inside) return 0; inside = 1; *lt = i; }
    else if (c == '>' && inside) { inside = 0; *gt = i; }
    else if (c == ',' && !inside) return 0;
  }
  return found == 1 && !inside;
}

static int route_from_field (stralloc *out, char const *f, size_t n, char const *addr)
{
  char const *colon = memchr(f, ':', n);
  size_t vs = colon - f + 1, lt = 0, gt = 0;
  size_t end = n && f[n - 1] == '\n' ? n - 1 : n;
  if (route_angle(f + vs, end - vs, &lt, &gt))
    return stralloc_catb(out, f, vs + lt + 1) && stralloc_cats(out, addr) && stralloc_catb(out, f + vs + gt, n - vs - gt);
  return stralloc_cats(out, "From: ") && stralloc_cats(out, addr) && stralloc_catb(out, f + end, n - end);
}

static int route_is_from (char const *f, size_t n)
{
  size_t i = 4;
  if (n < 5 || strncasecmp(f, "From", 4)) return 0;
  while (i < n && (f[i] == ' ' || f[i] == '\t')) i++;
  return i < n && f[i] == ':';
}

int route_rewrite_from (stralloc *out, char const *head, size_t len, char const *addr)
{
  size_t pos = 0;
  while (pos < len)
  {
    size_t end = pos;
    /* a field: its first line and every folded line after it */
    do
    {
      char const *nl = memchr(head + end, '\n', len - end);
      end = nl ? (size_t)(nl - head) + 1 : len;
    } while (end < len && (head[end] == ' ' || head[end] == '\t') && head[pos] != '\n');
    if (head[pos] == '\n') return stralloc_catb(out, head + pos, len - pos);  /* the body */
    if (route_is_from(head + pos, end - pos))
    {
      if (!route_from_field(out, head + pos, end - pos, addr)) return 0;
    }
    else if (!stralloc_catb(out, head + pos, end - pos)) return 0;
    pos = end;
  }
  return 1;
}
