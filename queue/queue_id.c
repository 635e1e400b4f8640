/* Queue ids: SSSSSSSSSS.NNNNNNNNN.RRRRRRRRRR
   Seconds and nanoseconds make ids sort by arrival under ls; the last
   field is 10 random digits (getrandom). It does two things:
   - two ids made in the same nanosecond differ (and if they did not, the
     O_EXCL create in tmp/ and the RENAME_NOREPLACE into new/ refuse the
     second: a temporary failure, never an overwrite);
   - the name of a message waiting in new/ cannot be guessed: the smtpd's
     user may add to new/ but not list it, and a message another session
     wrote there is protected from it by its name alone (queue/README.md,
     the privilege model). 33 random bits, on top of the nanoseconds,
     against a message that waits there for milliseconds.
   An id names nothing secret once it is quoted (a 250 reply, a Received
   header): by then it is the client's own message. */

#include <sys/random.h>
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

/* 64 random bits; without the kernel's pool (early boot), something that
   at least differs per process and per call. */
static unsigned long long queue_id_random (struct timespec const *ts)
{
  static unsigned long long counter = 0;
  unsigned long long r;
  if (getrandom(&r, sizeof r, GRND_NONBLOCK) == (ssize_t)sizeof r) return r;
  return ((unsigned long long)getpid() * 1000 + counter++ % 1000) ^ ((unsigned long long)ts->tv_nsec << 34);
}

void queue_id_make (char *id)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  queue_id_digits(id, (unsigned long long)ts.tv_sec, 10);
  id[10] = '.';
  queue_id_digits(id + 11, (unsigned long long)ts.tv_nsec, 9);
  id[20] = '.';
  queue_id_digits(id + 21, queue_id_random(&ts) % 10000000000ULL, 10);
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
