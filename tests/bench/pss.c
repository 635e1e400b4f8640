/* pss: peak memory of a group of processes. Every INTERVAL milliseconds it
 * sums Pss over /proc/PID/smaps_rollup for the PIDs in PROCSFILE (a cgroup's
 * cgroup.procs) and rewrites OUTFILE with the peak so far, in KiB. Pss, not
 * Rss: shared pages are split between the processes that map them, so a
 * group of forked processes is not counted many times over.
 *
 *   pss PROCSFILE OUTFILE [INTERVAL]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long pss_of (long pid)
{
  char path[64], line[256];
  unsigned long kb = 0;
  FILE *f;
  snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", pid);
  if (!(f = fopen(path, "r"))) return 0;  /* gone since we listed it */
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "Pss:", 4)) { kb = strtoul(line + 4, 0, 10); break; }
  fclose(f);
  return kb;
}

int main (int argc, char **argv)
{
  unsigned long peak = 0;
  long ms = 100;
  struct timespec ts;
  if (argc < 3) { fputs("usage: pss PROCSFILE OUTFILE [INTERVAL]\n", stderr); return 100; }
  if (argc > 3) ms = atol(argv[3]);
  ts.tv_sec = ms / 1000; ts.tv_nsec = (ms % 1000) * 1000000L;
  for (;;)
  {
    unsigned long sum = 0;
    long pid;
    FILE *f = fopen(argv[1], "r");
    if (!f) return 111;
    while (fscanf(f, "%ld", &pid) == 1) sum += pss_of(pid);
    fclose(f);
    if (sum > peak)
    {
      char s[32];
      int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int n = snprintf(s, sizeof s, "%lu\n", sum);
      if (fd >= 0) { if (write(fd, s, (size_t)n) != n) return 111; close(fd); }
      peak = sum;
    }
    nanosleep(&ts, 0);
  }
}
