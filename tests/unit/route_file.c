/* lib/route: reading the file as the smtpd does, per session (a regular
   file only, never blocking on a FIFO in its place), and which routes
   some sender takes (routes_used: conf/'s only without a * line or when
   a line names default), checked against routes_match over many random
   files: a route is used exactly when some sender matches it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include "route.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-routefile.XXXXXX";

static void loading (void)
{
  routes rt = ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  char path[128];
  FILE *f;
  snprintf(path, sizeof path, "%s/routes", dir);
  f = fopen(path, "w");
  fputs("a@x.test a.test:25\n", f);
  fclose(f);
  tap_is(routes_load(&rt, path, &err), 1, "a regular file is read");
  unlink(path);
  mkfifo(path, 0600);
  tap_is(routes_load(&rt, path, &err), -1, "a FIFO in its place: refused at once, not waited on");
  tap_ok(strstr(err.s, "unable to read"), "and named");
  unlink(path);
  mkdir(path, 0700);
  tap_is(routes_load(&rt, path, &err), -1, "a directory: refused");
  rmdir(path);
  routes_free(&rt);
  stralloc_free(&err);
}

static char const *const senders[] = { "a@x.test", "b@x.test", "f@x.test", "c@y.test", "e@y.test", "d@z.test", "", 0 };
static char const *const patterns[] = { "a@x.test", "@x.test", "c@y.test", "@y.test", "*", "b@x.test", 0 };
static char const *const ups[] = { "default", "h1.test:25", "h2.test:25", "h3.test:25" };

static void used_random (void)
{
  unsigned int k, bad = 0, seen_conf_unused = 0;
  srand(139);
  for (k = 0; k < 3000; k++)
  {
    routes rt = ROUTES_ZERO;
    stralloc text = STRALLOC_ZERO, err = STRALLOC_ZERO;
    unsigned int i, j;
    int matched[8] = { 0 };
    for (i = 0; patterns[i]; i++)
      if (rand() % 2)
      {
        stralloc_cats(&text, patterns[i]);
        stralloc_cats(&text, " ");
        unsigned int u = rand() % 4;  /* stralloc_cats names its argument twice */
        stralloc_cats(&text, ups[u]);
        stralloc_cats(&text, "\n");
      }
    if (routes_parse(&rt, text.s ? text.s : "", text.len, &err) != 1) { bad = 1; break; }
    /* every sender routes_match can see: the listed ones, and one no pattern names */
    for (j = 0; senders[j]; j++) matched[routes_match(&rt, senders[j])] = 1;
    for (i = 0; i < routes_n(&rt); i++)
      if (routes_used(&rt, i) != matched[i]) bad = 1;
    if (!routes_used(&rt, 0)) seen_conf_unused = 1;
    routes_free(&rt);
    stralloc_free(&text);
    stralloc_free(&err);
  }
  tap_ok(!bad, "3000 random files: a route is used exactly when some sender takes it");
  tap_ok(seen_conf_unused, "(conf/'s unused behind a * line was among them)");
}

int main (void)
{
  tap_plan(6);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  loading();
  used_random();
  rmdir(dir);
  return tap_done();
}
