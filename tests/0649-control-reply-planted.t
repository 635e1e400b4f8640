#!/bin/sh
# smarthost-control, run by root, reads its answer from control/, a
# directory of the send user's: a send user turned hostile (it holds
# the upstream's password, not root's) can put there, under the
# request's name, a FIFO (open() would block root's command forever), a
# link to a file only root may read (printed to root's terminal, or to
# wherever its output goes), or a reply with terminal escapes. The
# answer is read only from a regular file reached without a link, and
# printed as printable text.
. "$(dirname "$0")/lib.sh"
plan 7
Q=$T/q
make_queue "$Q"
mkdir "$Q/control"
printf 'secret-line-4431\n' > "$T/secret"

# plant KIND: waits for the request (an id, no suffix) and puts KIND at REQ.reply
plant()
{
  i=0
  while [ $i -lt 400 ]; do
    for f in "$Q"/control/*; do
      case ${f##*/} in *.*.*.*|*[!0-9.]*|'*') continue ;; esac
      case $1 in
        fifo) mkfifo "$f.reply" ;;
        link) ln -s "$T/secret" "$f.reply" ;;
        escape) printf 'ok: held\033]0;owned\007\033[2J\n' > "$f.reply.x" && mv "$f.reply.x" "$f.reply" ;;
      esac
      rm -f "$f"
      return 0
    done
    sleep 0.05; i=$((i + 1))
  done
  return 1
}

plant fifo & pl=$!
timeout 15 smarthost-control -t 3 "$Q" hold > "$T/out" 2>&1; rc=$?
wait $pl
isnt() { d=$1; shift; if [ "$1" != "$2" ]; then _tap_result 0 "$d"; else _tap_result 1 "$d"; fi; }
isnt "a FIFO as the reply: smarthost-control does not hang (timeout's 124)" "$rc" 124
isnt "... and does not say ok" "$rc" 0
rm -f "$Q"/control/*

plant link & pl=$!
timeout 15 smarthost-control -t 3 "$Q" hold > "$T/out" 2>&1; rc=$?
wait $pl
unlike "a link to a file only root reads: its content is not printed" "$(cat "$T/out")" 'secret-line'
isnt "... and it is not an answer" "$rc" 0
rm -f "$Q"/control/*

plant escape & pl=$!
timeout 15 smarthost-control -t 3 "$Q" hold > "$T/out" 2>&1; rc=$?
wait $pl
is "a reply with escapes: still an answer" "$rc" 0
ok "printed without its control characters" sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007]')\" '$T/out'"
like "... as text" "$(cat "$T/out")" 'ok: held'
