#!/bin/sh
# make install puts every program and every man page under DESTDIR/PREFIX,
# and every program has a man page that renders without warnings
. "$(dirname "$0")/lib.sh"

progs=$(cd "$TOP" && { ls cmd/*.c | sed 's|cmd/||; s|\.c$||'; ls service/smarthost-* 2>/dev/null | sed 's|service/||'; })
mans=$(ls "$TOP"/man/*.[1-8])
plan $(( $(echo "$progs" | wc -l) * 3 + $(echo "$mans" | wc -l) + 1 ))

ok "make install" make -s -C "$TOP" install BUILD="$BUILD" DESTDIR="$T/inst" PREFIX=/usr > "$T/log" 2>&1
for p in $progs; do
  ok "$p installed and executable" test -x "$T/inst/usr/bin/$p"
  m=$(ls "$TOP"/man/"$p".[1-8] 2>/dev/null | head -n 1)
  ok "$p has a man page" test -n "$m"
  ok "$p's man page installed" test -f "$T/inst/usr/share/man/man${m##*.}/$(basename "$m")"
done
for m in $mans; do
  is "$(basename "$m") renders without warnings" "$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)" ""
done
