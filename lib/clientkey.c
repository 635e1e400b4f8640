/* clientkey.c: a per-client name from TCPREMOTEIP */
#include <string.h>
#include <arpa/inet.h>
#include "clientkey.h"

void clientkey_make (char *key, char const *ip)
{
  static char const hex[] = "0123456789abcdef";
  unsigned char a[16];
  if (ip && inet_pton(AF_INET, ip, a) == 1) ;
  else if (ip && inet_pton(AF_INET6, ip, a) == 1)
  {
    static unsigned char const mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
    if (!memcmp(a, mapped, 12)) memmove(a, a + 12, 4);
    else
    {
      unsigned int i;
      memcpy(key, "6-", 2);
      for (i = 0; i < 8; i++)
      {
        key[2 + 2*i] = hex[a[i] >> 4];
        key[3 + 2*i] = hex[a[i] & 15];
      }
      key[18] = 0;
      return;
    }
  }
  else
  {
    strcpy(key, "x-unknown");
    return;
  }
  memcpy(key, "4-", 2);
  inet_ntop(AF_INET, a, key + 2, CLIENTKEY_MAX - 2);
}
