/* lib/sizelimit: DATABYTES, the upstream's SIZE and the margin. */
#include "sizelimit.h"
#include "tap.h"

int main (void)
{
  tap_plan(8);
  tap_is(sizelimit_of(26214400, 0, 4096), 26214400, "no upstream SIZE known: DATABYTES");
  tap_is(sizelimit_of(0, 0, 4096), 0, "neither: no limit");
  tap_is(sizelimit_of(26214400, 1048576, 4096), 1048576 - 4096, "the upstream's SIZE less the margin");
  tap_ok(sizelimit_of(26214400, 1048576, SIZELIMIT_MARGIN_DEFAULT) < 1048000, "so 1,048,000 octets under a 1,048,576 limit are over ours by default");
  tap_is(sizelimit_of(0, 1048576, 4096), 1048576 - 4096, "without DATABYTES too");
  tap_is(sizelimit_of(1000000, 1048576, 4096), 1000000, "a smaller DATABYTES wins");
  tap_is(sizelimit_of(26214400, 1048576, 0), 1048576, "margin 0: the upstream's SIZE as it is");
  tap_is(sizelimit_of(26214400, 2000, 4096), 2000, "a margin above the SIZE itself is not applied");
  return tap_done();
}
