#!/bin/sh
# The worker opens the message a job names as the scheduler does
# (queue_msg_open): a symbolic link in cur/ (the spool's group may put
# anything under an id into new/) or a FIFO is never read or sent; the
# job is deferred, class local. A regular file is opened and tried.
. "${0%/*}/lib.sh"
. "$TOP/tests/peers/remote.sh"
plan 4

mkdir -p "$T/q/cur" "$T/elsewhere"
printf 'secret\n' | make_msg "$T/elsewhere/msg" a@example.org b@example.net
ln -s "$T/elsewhere/msg" "$T/q/cur/link"
mkfifo "$T/q/cur/fifo"
cp "$T/elsewhere/msg" "$T/q/cur/plain"
DEAD=$(free_port)

job() { printf 'M %s\nR b@example.net\n.\n' "$1"; }

job "$T/q/cur/link" | UPSTREAM=127.0.0.1:$DEAD UPSTREAM_TLS=none UPSTREAM_TIMEOUT=3 \
  smarthost-remote -w > "$T/link.res" 2> "$T/link.err"; r=$?
like "a link to a message: deferred, class local, not opened" "$r $(tail -1 "$T/link.res")" \
  '^0 M	defer	local	000	unable to open the message file'
is "... and no connection was tried for it" "$(grep -c network "$T/link.res")" 0

job "$T/q/cur/fifo" | timeout 20 env UPSTREAM=127.0.0.1:$DEAD UPSTREAM_TLS=none UPSTREAM_TIMEOUT=3 \
  smarthost-remote -w > "$T/fifo.res" 2>&1; r=$?
like "a FIFO: deferred at once, class local (no blocking open)" "$r $(tail -1 "$T/fifo.res")" \
  '^0 M	defer	local	000	unable to open the message file'

job "$T/q/cur/plain" | UPSTREAM=127.0.0.1:$DEAD UPSTREAM_TLS=none UPSTREAM_TIMEOUT=3 \
  smarthost-remote -w > "$T/plain.res" 2>&1; r=$?
like "a regular file: opened and tried (class network: nobody listens)" "$r $(tail -1 "$T/plain.res")" \
  '^0 M	defer	network	000'
