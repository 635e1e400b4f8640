/* route.h: per-sender routes (the ROUTES file, smarthost-conf(5)). Each
   line maps envelope senders to an upstream, its TLS mode and its
   credentials, and may name the account's address to put in MAIL FROM
   and From: instead of the sender's:

     # sender            upstream              options
     alice@example.org   smtp.isp-a.net:587    user=alice@isp-a.net passfile=/srv/smarthost/secret/alice
     @example.com        smtp.isp-b.net:465    tls=tls user=office passfile=/srv/smarthost/secret/b rewrite=office@example.com
     boss@example.com    default
     *                   smtp.isp-c.net        user=relay tokenfile=/srv/smarthost/secret/c.token mech=XOAUTH2

   An exact address wins over its @domain, which wins over *; without a
   * line, and for "default", the route is the one of conf/ (UPSTREAM...).
   Lines that say the same after the sender share one route, hence one
   set of sessions. The file is read once (smarthost-send at its start,
   smarthost-remote --check); a route reaches a worker as environment
   (route_env_apply), so smarthost-remote has one configuration path.

   A secret never appears here: passwords and tokens are files named by
   passfile= and tokenfile=, checked by smarthost-remote as
   UPSTREAM_PASSFILE is. Returns, never prints. */
#ifndef SMARTHOST_ROUTE_H
#define SMARTHOST_ROUTE_H

#include <stddef.h>
#include <skalibs/genalloc.h>
#include <skalibs/stralloc.h>

#define ROUTE_LINE_MAX 4000   /* octets per line */
#define ROUTE_MAX 1000        /* routes (distinct right-hand sides) per file */
#define ROUTE_HEAD_MAX 1048576  /* header octets smarthost-remote reads to rewrite From: */

/* One route. Strings point into the routes' text; 0 when not given. The
   default route (index 0) has upstream 0: the environment as it is. */
typedef struct route_s route;
struct route_s
{
  char const *upstream;    /* host[:port][,host[:port]...] as UPSTREAM */
  char const *tls;         /* starttls, tls, none */
  char const *user;
  char const *passfile;
  char const *tokenfile;
  char const *mech;
  char const *cafile;
  char const *rewrite;     /* the account's address, or 0 */
  unsigned int line;       /* where it was first named, 0 for conf/ */
};

typedef struct route_rule_s route_rule;
struct route_rule_s
{
  char const *pattern;     /* "*", "@domain" or an address */
  unsigned int route;
  unsigned int line;
};

typedef struct routes_s routes;
struct routes_s
{
  stralloc text;           /* the file, fields NUL-terminated in place */
  genalloc routes;         /* route; [0] is conf/'s */
  genalloc rules;          /* route_rule */
};
#define ROUTES_ZERO { .text = STRALLOC_ZERO, .routes = GENALLOC_ZERO, .rules = GENALLOC_ZERO }

/* Parses the text of a rules file (copied). 1, or 0 with a one-line
   reason in err ("line N: ..."; printable, never a value that could be
   a secret), or -1 with errno on allocation failure. */
int routes_parse (routes *rt, char const *s, size_t len, stralloc *err);

/* Reads and parses the file; the reason names it ("FILE line N: ...").
   1, 0 (err set), -1 with errno (err names what could not be read). */
int routes_load (routes *rt, char const *file, stralloc *err);

void routes_free (routes *rt);

/* The number of routes, the default one included (at least 1). */
unsigned int routes_n (routes const *rt);
route const *routes_get (routes const *rt, unsigned int i);

/* Whether some sender takes route i: conf/'s (0) only without a * line
   or when a line names default. */
int routes_used (routes const *rt, unsigned int i);

/* The route of an envelope sender ("" the null sender: the default). */
unsigned int routes_match (routes const *rt, char const *sender);

/* Sets the environment of a worker for route i: UPSTREAM, UPSTREAM_TLS,
   UPSTREAM_USER, UPSTREAM_PASSFILE, UPSTREAM_TOKENFILE, UPSTREAM_MECH,
   UPSTREAM_REWRITE, UPSTREAM_ROUTE (the line that first named the
   route: its workers record the SIZE in their upstream's record,
   queue_upsize.h), and UPSTREAM_CAFILE when given;
   credentials of conf/ (UPSTREAM_TOKENCMD, client certificate) are
   removed. Route 0 leaves everything as it is. 0, or -1 with errno. */
int routes_env_apply (routes const *rt, unsigned int i);

/* The same as a whole environment for a worker of route i, for
   child_spawn2: base with route i's settings merged in; *v is a new
   NULL-terminated array pointing into base and into *modifs, which must
   stay as they are while it is used. Route 0: *v = 0 (base as it is).
   1, or 0 on allocation failure. */
int routes_envp (routes const *rt, unsigned int i, char const *const *base, stralloc *modifs, char const ***v);

/* Rewrites the address of every From: field of a header section (LF
   line ends, folded lines kept with their field) to addr, appending the
   result to out. "Name <old>" keeps its display name; anything else
   (a bare address, several mailboxes, a group) becomes addr alone. 1, or
   0 on allocation failure. */
int route_rewrite_from (stralloc *out, char const *head, size_t len, char const *addr);

#endif
