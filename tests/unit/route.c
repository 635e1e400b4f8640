/* lib/route and lib/route_gate: the ROUTES file. A good file parses,
   its senders match by address, then domain, then *, then conf/;
   identical right-hand sides share a route; every kind of bad line is
   refused with its line number and without echoing a value that could
   be a secret; the environment a worker gets; From: rewriting keeps
   display names and folded lines; a gate per route pauses alone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "route.h"
#include "route_gate.h"
#include "tap.h"

static char const good[] =
  "# sender   upstream   options\n"
  "\n"
  "alice@example.org  a.test:2525  tls=none user=alice passfile=/s/alice\n"
  "   @example.org    b.test:465   tls=tls user=office passfile=/s/office rewrite=office@example.org\r\n"
  "bob@Example.ORG    b.test:465   tls=tls user=office passfile=/s/office rewrite=office@example.org\n"
  "boss@example.org   default\n"
  "\t*\t[::1]:25,c.test  user=c tokenfile=/s/c.token mech=XOAUTH2 cafile=/s/ca.pem\n";

static int parse (char const *s, stralloc *err)
{
  routes rt = ROUTES_ZERO;
  int r = routes_parse(&rt, s, strlen(s), err);
  routes_free(&rt);
  return r;
}

/* The reason for a one-line file, or "" when it parses. */
static char const *why (char const *s)
{
  static stralloc err = STRALLOC_ZERO;
  err.len = 0;
  if (parse(s, &err) > 0) return "";
  return err.s;
}

static int rewritten (char const *head, char const *want)
{
  stralloc out = STRALLOC_ZERO;
  int ok = route_rewrite_from(&out, head, strlen(head), "me@isp.test") && out.len == strlen(want) && (!out.len || !memcmp(out.s, want, out.len));
  if (!ok) printf("#   got: %.*s\n", (int)out.len, out.s);
  stralloc_free(&out);
  return ok;
}

static void test_match (void)
{
  routes rt = ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  unsigned int a, b;
  tap_is(routes_parse(&rt, good, sizeof good - 1, &err), 1, "a good file parses");
  tap_is(routes_n(&rt), 4, "three routes and conf/'s: identical right-hand sides share one");
  a = routes_match(&rt, "alice@example.org");
  b = routes_match(&rt, "carol@example.org");
  tap_ok(a && !strcmp(routes_get(&rt, a)->upstream, "a.test:2525"), "an exact address wins over its domain");
  tap_ok(b && !strcmp(routes_get(&rt, b)->upstream, "b.test:465") && !strcmp(routes_get(&rt, b)->rewrite, "office@example.org"), "the domain's route, with its rewrite");
  tap_is(routes_match(&rt, "bob@example.org"), b, "bob's line is the domain's route: the same session");
  tap_is(routes_match(&rt, "carol@EXAMPLE.org"), b, "a domain matches in any case");
  tap_ok(routes_match(&rt, "Alice@example.org") != a, "a local part matches byte for byte");
  tap_is(routes_match(&rt, "boss@example.org"), 0, "default: the route of conf/");
  tap_ok(!strcmp(routes_get(&rt, routes_match(&rt, "x@elsewhere.test"))->tokenfile, "/s/c.token"), "* for every other sender");
  tap_ok(!strcmp(routes_get(&rt, routes_match(&rt, ""))->upstream, "[::1]:25,c.test"), "the null sender takes *");
  tap_ok(!strcmp(routes_get(&rt, routes_match(&rt, "x@sub.example.org"))->upstream, "[::1]:25,c.test"), "a subdomain is another domain");
  tap_is(routes_get(&rt, a)->line, 3, "a route knows its line");
  routes_free(&rt);
  tap_is(routes_parse(&rt, "@example.org a.test user=u passfile=/p\n", 39, &err), 1, "a file without * parses");
  tap_is(routes_match(&rt, "x@other.test"), 0, "without *, other senders take conf/'s route");
  tap_is(routes_match(&rt, ""), 0, "and so does the null sender");
  routes_free(&rt);
  tap_is(routes_parse(&rt, "", 0, &err), 1, "an empty file parses");
  tap_is(routes_n(&rt) + routes_match(&rt, "a@b.c"), 1, "and routes everything to conf/");
  routes_free(&rt);
  stralloc_free(&err);
}

static void test_refused (void)
{
  tap_ok(!strcmp(why("a@b.c x.test\nx@b.c\n"), "line 2: a sender without an upstream (or default)"), "a missing upstream, with its line");
  tap_ok(strstr(why("a@b.c x.test user=u password=hunter2\n"), "line 1: a secret never goes in the routes file"), "a password in the file is refused");
  tap_ok(!strstr(why("a@b.c x.test user=u password=hunter2\n"), "hunter2"), "and not echoed");
  tap_ok(!strstr(why("a@b.c x.test hunter2\n"), "hunter2"), "nor is a stray field");
  tap_ok(strstr(why("a@b.c x.test user=u\n"), "user given without passfile or tokenfile"), "a user without a secret file");
  tap_ok(strstr(why("a@b.c x.test passfile=/p\n"), "without user"), "a secret file without a user");
  tap_ok(strstr(why("a@b.c x.test user=u passfile=/p tokenfile=/t\n"), "one or the other"), "both a passfile and a tokenfile");
  tap_ok(strstr(why("a@b.c x.test user=u passfile=p\n"), "absolute path"), "a relative passfile");
  tap_ok(strstr(why("a@b.c x.test tls=yes\n"), "tls must be"), "a bad tls mode");
  tap_ok(strstr(why("a@b.c x.test tls=tls tls=none\n"), "given twice"), "an option twice");
  tap_ok(strstr(why("a@b.c x.test colour=red\n"), "unknown option colour"), "an unknown option, named");
  tap_ok(strstr(why("a@b.c x.test user=u passfile=/p mech=FOO\n"), "no known mechanism"), "an unknown mechanism");
  tap_ok(strstr(why("a@b.c x.test rewrite=nobody\n"), "rewrite needs an address"), "a rewrite that is no address");
  tap_ok(strstr(why("a@b.c x.test:0\n"), "the upstream must be"), "port 0");
  tap_ok(strstr(why("a@b.c x.test:99999\n"), "the upstream must be"), "a port too large");
  tap_ok(strstr(why("a@b.c x.test,,y.test\n"), "the upstream must be"), "an empty upstream in a list");
  tap_ok(strstr(why("a@b.c x/test\n"), "the upstream must be"), "a host name with a slash");
  tap_ok(*why("a@b.c [2001:db8::1]:587\n") == 0, "an IPv6 upstream in brackets");
  tap_ok(strstr(why("alice x.test\n"), "the sender must be"), "a sender without a domain");
  tap_ok(strstr(why("@ x.test\n"), "the sender must be"), "an empty domain");
  tap_ok(strstr(why("<a@b.c> x.test\n"), "the sender must be"), "a sender in angle brackets");
  tap_ok(!strcmp(why("@b.c x.test\n@B.C y.test\n"), "line 2: @B.C is already routed on line 1"), "a sender routed twice");
  tap_ok(strstr(why("* x.test\n\n* y.test\n"), "line 3: * is already routed on line 1"), "two defaults");
  tap_ok(strstr(why("a@b.c default tls=tls\n"), "default takes no options"), "default with options");
  tap_ok(strstr(why("a@b.c x.test\001\n"), "line 1: a control character"), "a control character");
  {
    char big[ROUTE_LINE_MAX + 20];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    tap_ok(strstr(why(big), "line too long"), "a line too long");
  }
  tap_ok(strstr(why("a@b.c x.test a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9\n"), "too many fields"), "too many fields");
}

static void test_nul (void)
{
  stralloc err = STRALLOC_ZERO;
  routes rt = ROUTES_ZERO;
  static char const s[] = "# ok\na@b.c x.test\0\n";
  tap_is(routes_parse(&rt, s, sizeof s - 1, &err), 0, "a NUL byte inside the text is refused");
  tap_ok(err.len && !strcmp(err.s, "line 2: a NUL byte"), "on its line");
  routes_free(&rt);
  stralloc_free(&err);
}

static void test_load (void)
{
  char name[] = "/tmp/routes-unit-XXXXXX";
  stralloc err = STRALLOC_ZERO;
  routes rt = ROUTES_ZERO;
  int fd = mkstemp(name);
  tap_ok(fd >= 0 && write(fd, "a@b.c x.test\nbad\n", 17) == 17, "a file to load");
  close(fd);
  tap_is(routes_load(&rt, name, &err), 0, "a bad file does not load");
  tap_ok(err.len && !strncmp(err.s, name, strlen(name)) && strstr(err.s, " line 2: "), "the reason names the file and the line");
  unlink(name);
  tap_is(routes_load(&rt, name, &err), -1, "a missing file is an error");
  tap_ok(strstr(err.s, "unable to read /tmp/routes-unit-"), "named");
  routes_free(&rt);
  stralloc_free(&err);
}

static void test_env (void)
{
  routes rt = ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  unsigned int a, c;
  char const *v;
  routes_parse(&rt, good, sizeof good - 1, &err);
  setenv("UPSTREAM", "conf.test", 1);
  setenv("UPSTREAM_TOKENCMD", "conf-token", 1);
  setenv("UPSTREAM_REWRITE", "conf@x.test", 1);
  setenv("UPSTREAM_CAFILE", "/conf/ca", 1);
  tap_is(routes_env_apply(&rt, 0), 0, "route 0 applies");
  tap_ok(!strcmp(getenv("UPSTREAM"), "conf.test") && getenv("UPSTREAM_TOKENCMD"), "and leaves conf/ as it is");
  a = routes_match(&rt, "alice@example.org");
  tap_is(routes_env_apply(&rt, a), 0, "alice's route applies");
  tap_ok(!strcmp(getenv("UPSTREAM"), "a.test:2525") && !strcmp(getenv("UPSTREAM_TLS"), "none")
    && !strcmp(getenv("UPSTREAM_USER"), "alice") && !strcmp(getenv("UPSTREAM_PASSFILE"), "/s/alice"), "its upstream and credentials");
  tap_ok(!getenv("UPSTREAM_TOKENCMD") && !getenv("UPSTREAM_REWRITE") && !getenv("UPSTREAM_TOKENFILE"), "conf/'s token command and rewrite are gone");
  tap_ok(!strcmp(getenv("UPSTREAM_CAFILE"), "/conf/ca"), "conf/'s CA file stays when the route names none");
  v = getenv("UPSTREAM_ROUTE");
  tap_ok(v && !strcmp(v, "3"), "UPSTREAM_ROUTE is its line");
  {
    /* the same as a whole environment, for child_spawn2 */
    char const *base[] = { "PATH=/bin", "UPSTREAM=conf.test", "UPSTREAM_TOKENCMD=conf-token", "UPSTREAM_REWRITE=conf@x.test", 0 };
    stralloc modifs = STRALLOC_ZERO;
    char const **ev = 0;
    size_t i;
    int up = 0, path = 0, cmd = 0, rw = 0, user = 0;
    tap_ok(routes_envp(&rt, 0, base, &modifs, &ev) && !ev, "route 0's environment: ours, as it is");
    tap_ok(routes_envp(&rt, a, base, &modifs, &ev) && ev, "alice's environment is made");
    for (i = 0; ev && ev[i]; i++)
    {
      up += !strcmp(ev[i], "UPSTREAM=a.test:2525");
      path += !strcmp(ev[i], "PATH=/bin");
      cmd += !strncmp(ev[i], "UPSTREAM_TOKENCMD", 17);
      rw += !strncmp(ev[i], "UPSTREAM_REWRITE", 16);
      user += !strcmp(ev[i], "UPSTREAM_USER=alice");
    }
    tap_ok(up == 1 && path == 1 && user == 1 && !cmd && !rw, "with the route's settings, without conf/'s token command and rewrite");
    free(ev);
    stralloc_free(&modifs);
  }
  c = routes_match(&rt, "x@y.test");
  routes_env_apply(&rt, c);
  tap_ok(!strcmp(getenv("UPSTREAM_TLS"), "starttls") && !getenv("UPSTREAM_PASSFILE") && !strcmp(getenv("UPSTREAM_TOKENFILE"), "/s/c.token")
    && !strcmp(getenv("UPSTREAM_CAFILE"), "/s/ca.pem") && !strcmp(getenv("UPSTREAM_MECH"), "XOAUTH2"), "the default route: starttls, a token file, its CA");
  tap_ok(getenv("UPSTREAM_ROUTE") && strcmp(getenv("UPSTREAM_ROUTE"), "3"), "the route of * has its UPSTREAM_ROUTE too: its own SIZE record");
  routes_free(&rt);
  stralloc_free(&err);
}

static void test_rewrite (void)
{
  tap_ok(rewritten("From: Alice <alice@example.org>\nTo: b@c\n\nFrom: body\n", "From: Alice <me@isp.test>\nTo: b@c\n\nFrom: body\n"), "the display name is kept, the body untouched");
  tap_ok(rewritten("from:alice@example.org\n\n", "From: me@isp.test\n\n"), "a bare address becomes the account's");
  tap_ok(rewritten("Subject: x\nFrom: \"Doe, <J>\" (a <comment>)\n <alice@example.org>\nX: y\n", "Subject: x\nFrom: \"Doe, <J>\" (a <comment>)\n <me@isp.test>\nX: y\n"), "quotes, comments and a folded line");
  tap_ok(rewritten("From: A <a@x>, B <b@x>\n", "From: me@isp.test\n"), "several mailboxes: the account's alone");
  tap_ok(rewritten("From : A <a@x>", "From : A <me@isp.test>"), "a space before the colon, no final LF");
  tap_ok(rewritten("From-Name: A <a@x>\nFromage: x\n", "From-Name: A <a@x>\nFromage: x\n"), "other fields alike in name stay");
  tap_ok(rewritten("X: y\n", "X: y\n"), "no From: nothing changes");
  tap_ok(rewritten("", ""), "an empty header");
}

static void test_gates (void)
{
  static unsigned int const retry[] = { 60 }, probe[] = { 30 };
  route_gates rg = ROUTE_GATES_ZERO;
  gate dflt;
  gate_event ev;
  gate *a;
  memset(&dflt, 0, sizeof dflt);
  tap_ok(route_gates_init(&rg, 1, retry, 1, probe, 1) && route_gates_get(&rg, 0, &dflt) == &dflt, "one route: the caller's gate serves");
  tap_ok(route_gates_init(&rg, 3, retry, 1, probe, 1) && route_gates_get(&rg, 1, &dflt) != &dflt, "three routes: a gate each");
  a = route_gates_get(&rg, 1, &dflt);
  gate_send(a, 1000);
  gate_result(a, "auth", 0, 1000, &ev);
  tap_is(ev.what, GATE_PAUSED, "a 535 pauses route 1");
  tap_ok(gate_when(route_gates_get(&rg, 2, &dflt), 1000) == 0 && gate_when(route_gates_get(&rg, 0, &dflt), 1000) == 0, "and not routes 0 and 2");
  tap_ok(route_gates_shown(&rg, 1000, &dflt) == a, "the status shows the paused route");
  gate_result(route_gates_get(&rg, 2, &dflt), "throttle", 0, 1000, &ev);
  tap_ok(route_gates_shown(&rg, 1000, &dflt) == a, "a pause before a hold");
  route_gates_open(&rg);
  tap_is(gate_when(a, 1000), 0, "SIGALRM: the route's probe may go at once");
}

int main (void)
{
  tap_plan(78);
  test_match();
  test_refused();
  test_nul();
  test_load();
  test_env();
  test_rewrite();
  test_gates();
  return tap_done();
}
