/* The SIZE records per route (queue/queue_upsize.h): each upstream has
   its own record, named from its text alone, so that a worker (which
   knows its UPSTREAM) and the smtpd (which reads the routes file) meet
   without talking; the smtpd's lookup takes the sender's route, and
   falls back to conf/'s record when the routes file cannot be read. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <skalibs/stralloc.h>
#include "queue_upsize.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-upsize.XXXXXX";

static char const *at (char const *name)
{
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return path;
}

static void put (char const *name, char const *text)
{
  FILE *f = fopen(at(name), "w");
  fputs(text, f);
  fclose(f);
}

/* the record name of an upstream */
static char const *name_of (char const *upstream)
{
  static stralloc sa = STRALLOC_ZERO;
  sa.len = 0;
  if (!queue_upsize_name(&sa, upstream) || !stralloc_0(&sa)) return "?";
  return sa.s;
}

static void names (void)
{
  char const *a;
  tap_ok(!strcmp(name_of(0), "upstream-size"), "conf/'s record keeps its name");
  a = name_of("smtp.isp-a.test:587");
  tap_ok(!strncmp(a, "upstream-size.", 14) && strlen(a) == 30 && strspn(a + 14, "0123456789abcdef") == 16,
    "a route's: upstream-size. and 16 hex digits");
  {
    /* a name is the same every time, and differs for another upstream,
       however close; 2000 of them, no clash, each a plain file name */
    stralloc seen = STRALLOC_ZERO;
    int clash = 0, bad = 0, same = 1;
    unsigned int i, j;
    char up[64];
    for (i = 0; i < 2000; i++)
    {
      snprintf(up, sizeof up, "smtp%u.isp.test:%u", i % 50, 500 + i / 50);
      a = name_of(up);
      if (strchr(a, '/') || strlen(a) != 30) bad = 1;
      if (strcmp(a, name_of(up))) same = 0;
      for (j = 0; j < seen.len; j += 17) if (!memcmp(seen.s + j, a + 14, 16)) clash = 1;
      stralloc_catb(&seen, a + 14, 16);
      stralloc_catb(&seen, "", 1);
    }
    tap_ok(same && !bad && !clash, "2000 upstreams: stable, distinct, plain names");
    stralloc_free(&seen);
  }
}

static void records (void)
{
  uint64_t v = 7;
  struct stat st;
  tap_is(queue_upsize_read_route(dir, "a.test:25", &v), 0, "a route's record: none yet");
  tap_ok(queue_upsize_write_route(dir, "a.test:25", 1000000) == 0 && queue_upsize_read_route(dir, "a.test:25", &v) == 1 && v == 1000000,
    "written, read back");
  tap_ok(stat(at(name_of("a.test:25")), &st) == 0 && (st.st_mode & 0777) == 0644, "mode 0644, in the queue's directory");
  tap_ok(queue_upsize_write_route(dir, "b.test:25", 2000000) == 0 && queue_upsize_read_route(dir, "a.test:25", &v) == 1 && v == 1000000,
    "another upstream's record leaves it alone");
  tap_is(queue_upsize_read(dir, &v), 0, "and conf/'s record is not written by routes");
  tap_ok(queue_upsize_write(dir, 3000000) == 0 && queue_upsize_read_route(dir, 0, &v) == 1 && v == 3000000, "upstream 0 is conf/'s record");
}

static int sender_size (queue_upsize_routes *ur, char const *file, char const *sender, uint64_t *v, stralloc *err)
{
  err->len = 0;
  *v = 0;
  return queue_upsize_sender(ur, dir, file, sender, v, err);
}

static void senders (void)
{
  queue_upsize_routes ur = QUEUE_UPSIZE_ROUTES_ZERO;
  stralloc err = STRALLOC_ZERO;
  uint64_t v;
  put("routes", "alice@a.test a.test:25\n@b.test b.test:25 user=u passfile=/p\nboss@b.test default\n");
  tap_ok(sender_size(&ur, at("routes"), "alice@a.test", &v, &err) == 1 && v == 1000000, "alice's route: A's record");
  tap_ok(sender_size(&ur, at("routes"), "carl@B.TEST", &v, &err) == 1 && v == 2000000, "a sender of @b.test: B's");
  tap_ok(sender_size(&ur, at("routes"), "boss@b.test", &v, &err) == 1 && v == 3000000, "default: conf/'s");
  tap_ok(sender_size(&ur, at("routes"), "", &v, &err) == 1 && v == 3000000, "the null sender, no *: conf/'s");
  unlink(at("routes"));
  tap_ok(sender_size(&ur, at("routes"), "alice@a.test", &v, &err) == 1 && v == 1000000, "the file is read once per session");
  queue_upsize_routes_free(&ur);
  put("routes", "alice@a.test a.test:25\n* b.test:25\n");
  tap_ok(sender_size(&ur, at("routes"), "", &v, &err) == 1 && v == 2000000, "with *: the null sender takes its route");
  queue_upsize_routes_free(&ur);
  unlink(at(name_of("a.test:25")));
  put("routes", "alice@a.test a.test:25\n");
  tap_is(sender_size(&ur, at("routes"), "alice@a.test", &v, &err), 0, "no record of the route's upstream: none (not conf/'s)");
  queue_upsize_routes_free(&ur);
  unlink(at("routes"));
  tap_is(sender_size(&ur, at("routes"), "alice@a.test", &v, &err), -2, "no routes file: -2, once");
  tap_ok(v == 3000000 && strstr(err.s, "unable to read") && strstr(err.s, "No such file"), "conf/'s record serves, the reason said");
  tap_ok(sender_size(&ur, at("routes"), "alice@a.test", &v, &err) == 1 && v == 3000000 && !err.len, "then conf/'s, quietly");
  queue_upsize_routes_free(&ur);
  put("routes", "alice@a.test a.test:25 password=x\n");
  tap_ok(sender_size(&ur, at("routes"), "alice@a.test", &v, &err) == -2 && strstr(err.s, "line 1") && !strstr(err.s, "=x"),
    "a bad file: -2, the line named, not its value");
  queue_upsize_routes_free(&ur);
  unlink(at("routes"));
  mkfifo(at("routes"), 0600);
  tap_ok(sender_size(&ur, at("routes"), "alice@a.test", &v, &err) == -2, "a FIFO does not block the session");
  unlink(at("routes"));
  queue_upsize_routes_free(&ur);
  stralloc_free(&err);
}

int main (void)
{
  tap_plan(21);
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
  names();
  records();
  senders();
  {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
  }
  return tap_done();
}
