#!/bin/sh
# smarthost-queue: the commit order under strace, concurrent injectors, and
# SIGKILL at random moments never leaving a partial file in new/
. "$(dirname "$0")/lib.sh"
plan 9

test_spool
printf 'Fa@example.org\0Tb@example.net\0\0' > "$T/env"
printf 'Subject: durable\n\nbody\n' > "$T/msg"

# 1. fsync(tmp/ID) -> rename(tmp/ID, new/ID) -> fsync(new/) -> exit 0
strace -f -q -y -e trace=fsync,fdatasync,rename,renameat,renameat2 -o "$T/trace" \
  smarthost-queue < "$T/msg" 1< "$T/env"
seq=$(sed -n \
  -e 's/.*fsync([0-9]*<.*\/tmp\/[0-9.]*>).*/fsync-file/p' \
  -e 's/.*rename.*"tmp\/[0-9.]*".*"new\/[0-9.]*".*= 0$/rename/p' \
  -e 's/.*fsync([0-9]*<.*\/new>).*/fsync-dir/p' \
  -e 's/.*+++ exited with \([0-9]*\) +++.*/exit-\1/p' "$T/trace" | tr '\n' ' ')
is "strace: fsync(file), rename into new/, fsync(new/), then exit 0" "$seq" "fsync-file rename fsync-dir exit-0 "

# 2. 8 injectors at once, 500 messages each
per=$(rounds 500)
all=$((per * 8))
rm -f "$Q"/new/*
w=1
while [ $w -le 8 ]; do
  ( i=1
    while [ $i -le $per ]; do
      printf 'Subject: w%s m%s\n\nmarker w%s-m%s\nEND\n' $w $i $w $i | smarthost-queue 1< "$T/env" || echo "fail w$w m$i"
      i=$((i+1))
    done ) > "$T/worker$w.log" 2>&1 &
  w=$((w+1))
done
wait
is "no injector failed" "$(cat "$T"/worker*.log)" ""
is "$all files in new/" "$(ls "$Q/new" | wc -l)" $all
is "$all distinct messages" "$(cat "$Q"/new/* | grep '^marker ' | sort -u | wc -l)" $all
is "every file is complete" "$(for f in "$Q"/new/*; do tail -n 1 "$f"; done | grep -c '^END$')" $all
is "ids are well-formed" "$(ls "$Q/new" | grep -vc '^[0-9]\{10\}\.[0-9]\{9\}\.[0-9]\{10\}$')" 0

# 3. SIGKILL at random moments: a file in new/ is always whole
rm -f "$Q"/new/*
head -c 300000 /dev/urandom | base64 > "$T/big"
printf 'F a@example.org\nT b@example.net\n\n' | cat - "$T/big" > "$T/want"
kills=150; [ "$QUICK" = 1 ] && kills=60
i=0
while [ $i -lt $kills ]; do
  d1=$(( $(od -An -N1 -tu1 /dev/urandom) % 20 ))
  d2=$(( $(od -An -N1 -tu1 /dev/urandom) % 25 ))
  ( head -c 200000 "$T/big"; sleep "0.0$d1"; tail -c +200001 "$T/big" ) | smarthost-queue 1< "$T/env" 2>/dev/null &
  pid=$!
  sleep "0.0$d2"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  i=$((i+1))
done
committed=$(ls "$Q/new" | wc -l)
echo "# $committed of $kills committed before the kill"
bad=0
for f in "$Q"/new/*; do
  [ -e "$f" ] || continue
  cmp -s "$f" "$T/want" || bad=$((bad+1))
done
is "after $kills SIGKILLs, no partial file in new/" "$bad" 0
ok "some injectors were killed before committing" test "$committed" -lt $kills
ok "some committed" test "$committed" -gt 0
