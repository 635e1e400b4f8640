/* fsyncprobe: the disk's limit for durable commits, measured the way the
 * injector commits (queue/queue.h, queue_tmp_commit): write a small file in
 * tmp/, fsync it, rename it into new/, fsync new/. W writers in parallel,
 * each in its own process, for SECS seconds; prints commits per second.
 *
 *   fsyncprobe DIR WRITERS SECS [BYTES]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now (void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long writer (char const *dir, int w, double secs, size_t bytes)
{
  char tmp[4096], new[4096], ndir[4096];
  char *buf = malloc(bytes);
  unsigned long n = 0;
  double end = now() + secs;
  int dfd;
  if (!buf) return 0;
  memset(buf, 'x', bytes);
  snprintf(ndir, sizeof ndir, "%s/new", dir);
  dfd = open(ndir, O_RDONLY | O_DIRECTORY);
  if (dfd < 0) { perror("fsyncprobe: open new"); exit(111); }
  while (now() < end)
  {
    int fd;
    snprintf(tmp, sizeof tmp, "%s/tmp/%d.%lu", dir, w, n);
    snprintf(new, sizeof new, "%s/new/%d.%lu", dir, w, n);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || write(fd, buf, bytes) != (ssize_t)bytes || fsync(fd) < 0 || close(fd) < 0
     || rename(tmp, new) < 0 || fsync(dfd) < 0)
    { perror("fsyncprobe: commit"); exit(111); }
    n++;
  }
  return n;
}

int main (int argc, char **argv)
{
  char path[4096];
  int writers, i, p[2];
  double secs, t0, t1;
  size_t bytes = 2048;
  unsigned long total = 0;
  if (argc < 4) { fputs("usage: fsyncprobe DIR WRITERS SECS [BYTES]\n", stderr); return 100; }
  writers = atoi(argv[2]); secs = atof(argv[3]);
  if (argc > 4) bytes = (size_t)atol(argv[4]);
  mkdir(argv[1], 0700);
  snprintf(path, sizeof path, "%s/tmp", argv[1]); mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/new", argv[1]); mkdir(path, 0700);
  if (pipe(p) < 0) return 111;
  t0 = now();
  for (i = 0; i < writers; i++)
  {
    pid_t pid = fork();
    if (pid < 0) return 111;
    if (!pid)
    {
      unsigned long n = writer(argv[1], i, secs, bytes);
      if (write(p[1], &n, sizeof n) != sizeof n) _exit(111);
      _exit(0);
    }
  }
  close(p[1]);
  for (i = 0; i < writers; i++)
  {
    unsigned long n;
    if (read(p[0], &n, sizeof n) == sizeof n) total += n;
  }
  while (wait(0) > 0) ;
  t1 = now();
  printf("%.0f\n", total / (t1 - t0));
  return 0;
}
