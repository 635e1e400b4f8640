/* lib/msghead: where the header section ends and whether it has Date: and
   Message-ID:, however the message is cut into reads. */
#include <string.h>
#include "tap.h"
#include "msghead.h"

/* Every prefix of s either asks for more or gives the same answer as the
   whole; the whole at eof gives want and wanthas. */
static int check (char const *s, size_t want, unsigned int wanthas)
{
  size_t len = strlen(s), i;
  unsigned int has;
  if (msghead_end(s, len, 1, &has) != want || has != wanthas) return 0;
  for (i = 0; i < len; i++)
  {
    size_t r = msghead_end(s, i, 0, &has);
    if (r != MSGHEAD_MORE && (r != want || has != wanthas)) return 0;
  }
  return 1;
}

int main (void)
{
  unsigned int has;
  tap_plan(11);
  tap_ok(check("Subject: a\nDate: x\n\nbody\n", 19, MSGHEAD_DATE | MSGHEAD_BLANK), "ends at the empty line; Date seen");
  tap_ok(check("message-id: <a@b>\nDATE: y\n\n", 26, MSGHEAD_DATE | MSGHEAD_MSGID | MSGHEAD_BLANK), "names in any case");
  tap_ok(check("Subject: a\n b\n\tc\nX-Date: no\n\n", 28, MSGHEAD_BLANK), "continuations; X-Date is not Date");
  tap_ok(check("Subject: a\nhello world\nDate: z\n", 11, 0), "a line that is no field ends the header (no blank line)");
  tap_ok(check("hello\n", 0, 0), "a message with no header");
  tap_ok(check(" indented\n", 0, 0), "a continuation with nothing to continue");
  tap_ok(check("Subject: only a header\n", 23, 0), "all header, no body: the end is the end");
  tap_ok(check(":x\n\n", 0, 0), "an empty name is no field");
  tap_ok(check("", 0, 0), "an empty message");
  tap_is(msghead_end("Subject: a\nDat", 14, 0, &has), MSGHEAD_MORE, "a name cut by the read: more is needed");
  tap_is(msghead_end("Subject: a\nDate: x", 18, 0, &has), MSGHEAD_MORE, "a field without its LF: more is needed");
  return tap_done();
}
