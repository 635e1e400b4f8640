/* powercut_control.c: what smarthost-send tells smarthost-control must
   survive a power cut. A hold is answered "ok: held" once its marker
   (control/hold-all, control/held.ID) is made; a marker made but not
   on disk (the directory not synced) is lost by a power cut, and the
   message goes out after the reboot although its sender was told it
   was held. This test stands for fsync() (the executable's definition
   comes first) and records which directories were synced, to check
   that every marker made or removed is synced before
   queue_control_mark() returns. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "tap.h"
#include "queue_control.h"

static dev_t synced_dev;
static ino_t synced_ino;
static unsigned int syncs;

int fsync (int fd)
{
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) { synced_dev = st.st_dev; synced_ino = st.st_ino; syncs++; }
  return syscall(SYS_fsync, fd);
}

static int dir_synced_since (int dirfd, unsigned int before)
{
  struct stat st;
  return fstat(dirfd, &st) == 0 && syncs > before && st.st_dev == synced_dev && st.st_ino == synced_ino;
}

#define ID "1700000000.000000001.0000000042"

int main (void)
{
  char dir[] = "/tmp/powercut-control.XXXXXX";
  int ctl;
  unsigned int before;
  tap_plan(5);
  if (!mkdtemp(dir)) { printf("Bail out! mkdtemp\n"); return 1; }
  ctl = queue_control_open(dir);
  tap_ok(ctl >= 0, "control/ opens");
  before = syncs;
  tap_ok(queue_control_mark(ctl, "hold-all", 0, 1) == 0 && dir_synced_since(ctl, before), "hold-all: control/ synced before the answer");
  before = syncs;
  tap_ok(queue_control_mark(ctl, "held.", ID, 1) == 0 && dir_synced_since(ctl, before), "held.ID: control/ synced");
  before = syncs;
  tap_ok(queue_control_mark(ctl, "held.", ID, 0) == 0 && dir_synced_since(ctl, before), "a release: the removal synced");
  before = syncs;
  tap_ok(queue_control_mark(ctl, "hold-all", 0, 0) == 0 && dir_synced_since(ctl, before), "the queue released: synced");
  unlinkat(ctl, "hold-all", 0);
  close(ctl);
  {
    char sub[sizeof dir + 16];
    snprintf(sub, sizeof sub, "%s/control", dir);
    rmdir(sub);
    rmdir(dir);
  }
  return tap_done();
}
