/* Queue ids: SSSSSSSSSS.NNNNNNNNN.PPPPPPPPPP
   Seconds and nanoseconds make ids sort by arrival under ls; the last
   field (pid * 1000 + a per-process counter) makes two ids made in the same
   nanosecond by two processes, or by one process twice, differ. An id names
   nothing secret. */

#include <time.h>
#include <unistd.h>
#include "queue.h"

static void queue_id_digits (char *s, unsigned long long n, unsigned int width)
{
  while (width--)
  {
    s[width] = '0' + n % 10;
    n /= 10;
  }
}

void queue_id_make (char *id)
{
  static unsigned int counter = 0;
  struct timespec ts;
  unsigned long long uniq = ((unsigned long long)getpid() * 1000 + counter++ % 1000) % 10000000000ULL;
  clock_gettime(CLOCK_REALTIME, &ts);
  queue_id_digits(id, (unsigned long long)ts.tv_sec, 10);
  id[10] = '.';
  queue_id_digits(id + 11, (unsigned long long)ts.tv_nsec, 9);
  id[20] = '.';
  queue_id_digits(id + 21, uniq, 10);
  id[QUEUE_ID_LEN] = 0;
}

int queue_id_valid (char const *s)
{
  unsigned int i;
  for (i = 0; i < QUEUE_ID_LEN; i++)
  {
    if (i == 10 || i == 20) { if (s[i] != '.') return 0; }
    else if (s[i] < '0' || s[i] > '9') return 0;
  }
  return !s[QUEUE_ID_LEN];
}
