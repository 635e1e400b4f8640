/* Unit tests for lib/smtpd_cmd: the smtpd's command reader and verb split */
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <skalibs/tai.h>
#include "netio.h"
#include "smtpd_cmd.h"
#include "tap.h"

static void test_verbs (void)
{
  char l1[] = "mail FROM:<a@b> SIZE=1", l2[] = "EhLo   client.test", l3[] = "QUIT";
  char l4[] = "expn list", l5[] = "MAILX x", l6[] = "", *arg;
  tap_ok(smtpd_cmd_verb(l1, &arg) == SMTPD_MAIL && !strcmp(arg, "FROM:<a@b> SIZE=1"), "lower case verb, the argument whole");
  tap_ok(smtpd_cmd_verb(l2, &arg) == SMTPD_EHLO && !strcmp(arg, "client.test"), "mixed case, the spaces before the argument skipped");
  tap_ok(smtpd_cmd_verb(l3, &arg) == SMTPD_QUIT && !*arg, "no argument: empty");
  tap_is(smtpd_cmd_verb(l4, &arg), SMTPD_NOTIMPL, "EXPN: known, not implemented");
  tap_is(smtpd_cmd_verb(l5, &arg), SMTPD_UNKNOWN, "a verb is a whole word");
  tap_is(smtpd_cmd_verb(l6, &arg), SMTPD_UNKNOWN, "an empty line");
}

static void test_read (void)
{
  static char const in[] = "NOOP\r\nNO\0OP\r\nNO\rOP\r\nRSET\n";
  char line[513], big[600];
  char const *refusal = 0;
  size_t len;
  netio n = NETIO_ZERO;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return;
  memset(big, 'x', sizeof big);
  memcpy(big + sizeof big - 2, "\r\n", 2);
  if (write(sv[0], in, sizeof in - 1) < 0 || write(sv[0], big, sizeof big) < 0 || write(sv[0], "QUIT\r\n", 6) < 0) return;
  close(sv[0]);
  netio_init(&n, sv[1]);
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == 1 && len == 4 && !strcmp(line, "NOOP"), "a command, NUL-terminated");
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == SMTPD_CMD_REFUSED && !strncmp(refusal, "501 ", 4), "a NUL: 501");
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == SMTPD_CMD_REFUSED && !strncmp(refusal, "501 ", 4), "a bare CR: 501");
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == 1 && !strcmp(line, "RSET"), "a bare LF ends a command");
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == SMTPD_CMD_REFUSED && !strncmp(refusal, "500 ", 4), "600 octets: 500");
  tap_ok(smtpd_cmd_read(&n, line, 512, &len, &refusal) == 1 && !strcmp(line, "QUIT"), "the next command intact");
  tap_is(smtpd_cmd_read(&n, line, 512, &len, &refusal), 0, "then EOF");
  netio_close(&n, &tain_zero);
}

int main (void)
{
  tap_plan(13);
  test_verbs();
  test_read();
  return tap_done();
}
