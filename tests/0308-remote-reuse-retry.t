#!/bin/sh
# A reused session that the upstream has closed in the meantime (or
# answers RSET with 421) costs nothing: the worker reconnects and sends the
# message on a fresh session.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 6

export HELONAME=relay.test UPSTREAM_TLS=none UPSTREAM_TIMEOUT=5
session() {
  cat <<EOF2
< EHLO relay\.test
> 250-up.test
> 250 PIPELINING
EOF2
}
tx() {
  cat <<EOF2
< MAIL FROM:<a@example\.org>
< RCPT TO:<b@example\.net>
< DATA
> 250 ok
> 250 ok
> 354 go
data
> 250 $1
EOF2
}
for i in 1 2; do
  printf 'Subject: %s\n\nx\n' $i | make_msg "$T/m$i" a@example.org b@example.net
  printf 'M %s\nR b@example.net\n.\n' "$T/m$i"
done > "$T/jobs"

{ echo '> 220 up.test'; session; tx first; echo close; echo accept
  echo '> 220 up.test again'; session; tx second; echo '< QUIT'; echo '> 221 bye'; } > "$T/closed.script"
start_scripted closed
UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w < "$T/jobs" > "$T/res"
is "upstream closed between messages: the script ran through" "$(scripted_done closed)" done
is "... both messages accepted" "$(grep '^M' "$T/res" | cut -f1-5)" "$(printf 'M\tok\tsmtp\t250\tfirst\nM\tok\tsmtp\t250\tsecond')"
is "... one R line per job" "$(grep -c '^R	b@example.net	ok	250' "$T/res")" 2

{ echo '> 220 up.test'; session; tx first; echo '< RSET'; echo '> 421 4.4.2 idle too long'; echo close; echo accept
  echo '> 220 up.test again'; session; tx second; echo '< QUIT'; echo '> 221 bye'; } > "$T/rset.script"
start_scripted rset
UPSTREAM="127.0.0.1:$PORT" smarthost-remote -w < "$T/jobs" > "$T/res2"
is "421 to RSET: the script ran through" "$(scripted_done rset)" done
is "... both messages accepted" "$(grep -c '^M	ok	smtp	250' "$T/res2")" 2
like "... the second one on the new session" "$(tail -1 "$T/res2")" '	second$'
