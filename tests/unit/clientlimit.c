/* unit tests of lib/clientkey, lib/lockfile, lib/connslot, lib/authlimit:
   the counts hold among many processes at once, and a killed holder frees
   its slot */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <skalibs/stralloc.h>
#include "authlimit.h"
#include "clientkey.h"
#include "connslot.h"
#include "lockfile.h"
#include "tap.h"

static char dir[] = "/tmp/smarthost-unit-clientlimit.XXXXXX";

static int key_is (char const *ip, char const *want)
{
  char key[CLIENTKEY_MAX];
  clientkey_make(key, ip);
  if (strcmp(key, want)) printf("#   %s: got %s, want %s\n", ip ? ip : "(null)", key, want);
  return !strcmp(key, want);
}

/* Starts k children that each try to take one of n slots, say whether they
   got one on *answers, and hold it until *hold is closed. */
static void slot_children (unsigned int k, unsigned int n, int answers, int hold, int holdw, pid_t *pids)
{
  unsigned int i;
  for (i = 0; i < k; i++)
  {
    pids[i] = fork();
    if (pids[i]) continue;
    {
      stralloc path = STRALLOC_ZERO;
      char c;
      int fd;
      close(holdw);
      fd = connslot_take(dir, "4-10.0.0.1", n, &path);
      c = fd >= 0 ? 'y' : errno == EBUSY ? 'n' : 'e';
      if (write(answers, &c, 1) != 1) _exit(1);
      if (read(hold, &c, 1) < 0) _exit(1);
      if (fd >= 0) connslot_release(&path, fd, n & 1);
      _exit(0);
    }
  }
}

/* Round: k children for n slots; returns how many got one. */
static unsigned int slot_round (unsigned int k, unsigned int n, int killone)
{
  int a[2], h[2];
  pid_t pids[64];
  unsigned int i, got = 0;
  if (pipe(a) < 0 || pipe(h) < 0) return 1000;
  slot_children(k, n, a[1], h[0], h[1], pids);
  for (i = 0; i < k; i++)
  {
    char c;
    if (read(a[0], &c, 1) != 1) return 1000;
    got += c == 'y';
    if (c == 'e') got += 1000;
  }
  if (killone)
  {
    /* every holder is killed: the kernel must free their slots */
    for (i = 0; i < k; i++) kill(pids[i], SIGKILL);
  }
  close(h[1]);
  for (i = 0; i < k; i++) waitpid(pids[i], 0, 0);
  close(a[0]); close(a[1]); close(h[0]);
  return got;
}

/* Many processes take one lock file in turn, and remove it now and then;
   a marker created with O_EXCL while holding it shows two holders at once. */
static int exclusion_holds (void)
{
  stralloc p = STRALLOC_ZERO, m = STRALLOC_ZERO;
  pid_t pids[8];
  unsigned int i;
  int bad = 0;
  if (!stralloc_cats(&p, dir) || !stralloc_cats(&p, "/x") || !stralloc_0(&p)) return 0;
  if (!stralloc_cats(&m, dir) || !stralloc_cats(&m, "/marker") || !stralloc_0(&m)) return 0;
  for (i = 0; i < 8; i++)
  {
    pids[i] = fork();
    if (pids[i]) continue;
    for (unsigned int j = 0; j < 300; j++)
    {
      int fd = lockfile_take(p.s, 0), mfd;
      if (fd < 0) _exit(2);
      mfd = open(m.s, O_CREAT | O_EXCL | O_WRONLY, 0600);
      if (mfd < 0) _exit(1);
      close(mfd);
      unlink(m.s);
      /* removed now and then, as authlimit does after a success (a waiter
         never gets a lock on a file removed each time: it retries) */
      if (j % 10 == 9) lockfile_drop(p.s, fd); else close(fd);
    }
    _exit(0);
  }
  for (i = 0; i < 8; i++)
  {
    int ws;
    waitpid(pids[i], &ws, 0);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws))
    {
      bad++;
      printf("#   a process ended with status %d (1: two holders at once, 2: no lock)\n", ws);
    }
  }
  return !bad;
}

static unsigned int auth_parallel (unsigned int k, unsigned int maxfail)
{
  pid_t pids[64];
  unsigned int i, yes = 0;
  for (i = 0; i < k; i++)
  {
    pids[i] = fork();
    if (!pids[i]) _exit(authlimit_begin(dir, "4-10.0.0.9", maxfail, 100, 5000) == 1 ? 0 : 1);
  }
  for (i = 0; i < k; i++)
  {
    int ws;
    waitpid(pids[i], &ws, 0);
    yes += WIFEXITED(ws) && !WEXITSTATUS(ws);
  }
  return yes;
}

int main (void)
{
  unsigned int round, fails = 0;
  struct stat st;
  char const *k = "4-10.0.0.5";
  tap_plan(20);
  if (!mkdtemp(dir)) return 1;

  tap_ok(key_is("192.0.2.7", "4-192.0.2.7"), "IPv4: the address");
  tap_ok(key_is("::ffff:192.0.2.7", "4-192.0.2.7"), "IPv4-mapped IPv6: the IPv4 address");
  tap_ok(key_is("2001:db8:1:2:3:4:5:6", "6-20010db800010002"), "IPv6: the /64");
  tap_ok(key_is("2001:db8:1:2:ffff::1", "6-20010db800010002"), "another address of that /64: the same key");
  tap_ok(key_is("../../etc/x", "x-unknown") && key_is(0, "x-unknown"), "anything else: one safe name");

  /* random rounds: k processes for n slots, exactly min(k, n) get one */
  srand(7);
  for (round = 0; round < 12; round++)
  {
    unsigned int n = 1 + rand() % 6, kk = 1 + rand() % 16;
    unsigned int got = slot_round(kk, n, round & 1);
    if (got != (kk < n ? kk : n)) { fails++; printf("#   %u processes, %u slots: %u got one\n", kk, n, got); }
  }
  tap_is(fails, 0, "12 rounds of up to 16 processes for up to 6 slots: exactly min(k, n) served each time");
  tap_is(slot_round(3, 3, 1), 3, "after rounds whose holders were killed, every slot is free again");
  {
    stralloc path = STRALLOC_ZERO;
    int fd = connslot_take(dir, k, 2, &path);
    tap_ok(fd >= 0, "a slot taken");
    tap_ok(stat(path.s, &st) == 0, "its file exists while held");
    connslot_release(&path, fd, 1);
    tap_ok(stat(path.s, &st) < 0 && errno == ENOENT, "and is removed when released with remove");
    fd = connslot_take(dir, k, 2, &path);
    connslot_release(&path, fd, 0);
    tap_ok(fd >= 0 && stat(path.s, &st) == 0, "and kept without");
    stralloc_free(&path);
  }
  tap_ok(exclusion_holds(), "8 processes taking one lock 300 times, removing it now and then: never two holders");

  tap_is(authlimit_begin(dir, k, 3, 10, 1000), 1, "AUTH: first attempt allowed");
  authlimit_begin(dir, k, 3, 10, 1001);
  tap_is(authlimit_begin(dir, k, 3, 10, 1002), 1, "third attempt allowed");
  tap_is(authlimit_begin(dir, k, 3, 10, 1011), 0, "a fourth within the window refused");
  tap_is(authlimit_begin(dir, k, 3, 10, 1012), 1, "allowed again once the window after the last failure is over");
  tap_is(authlimit_begin(dir, k, 1, 10, 500), 1, "a clock set back forgets the failures");
  tap_is(authlimit_success(dir, k), 0, "a success clears the record");
  tap_is(authlimit_begin(dir, k, 1, 10, 501), 1, "so an attempt is allowed at once");
  tap_is(auth_parallel(20, 5), 5, "20 processes at once, 5 failures allowed: exactly 5 attempts checked");

  {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
  }
  return tap_done();
}
