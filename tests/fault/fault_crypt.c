/* fault_crypt.c: crypt_r() that records each setting it is given, for
 * FAULT_CRYPT_LOG (fault.h): what an AUTH attempt costs, seen from outside */
#include <crypt.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fault.h"

char *__wrap_crypt_r (char const *phrase, char const *setting, struct crypt_data *cd)
{
  char const *log = getenv("FAULT_CRYPT_LOG");
  int fd = log ? open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
  if (fd >= 0)
  {
    if (write(fd, setting, strlen(setting)) < 0 || write(fd, "\n", 1) < 0) {}
    close(fd);
  }
  return __real_crypt_r(phrase, setting, cd);
}
