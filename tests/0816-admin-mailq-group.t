#!/bin/sh
# mailq for a member of the instance's group (an administrator who is not
# root): the spool is the send user's (queue/README.md, the privilege
# model), so smarthost-send keeps the listing in MAILQ_FILE
# (DIR/run/mailq/listing, 0640, the group's), and mailq prints it when it
# cannot read the spool itself, in the printable form whatever the file
# holds. A user outside the group reads neither; root still lists the
# spool itself; the listing follows the queue.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then plan 1; skip "mailq for the group" "needs root"; exit 0; fi
plan 17

L=smarthost-t816-$$ N=smarthost-t816n-$$
trap 'userdel "$L" 2>/dev/null; userdel "$N" 2>/dev/null; _tap_cleanup' EXIT
chmod 755 "$T"
D=$T/inst
smarthost-setup "$D" >/dev/null 2>&1 || { echo "Bail out! setup failed"; exit 1; }
Q=$D/queue
useradd --system -M -d /nonexistent -s /bin/sh -G smarthost "$L" || exit 1
useradd --system -M -d /nonexistent -s /bin/sh "$N" || exit 1
send_u=$(cat "$D/conf/SEND_USER")
as() { u=$1; shift; setpriv --reuid="$u" --regid="$(id -gn "$u")" --init-groups "$@"; }

is "setup: MAILQ_FILE in conf/" "$(cat "$D/conf/MAILQ_FILE")" "$D/run/mailq/listing"
is "setup: run/mailq is the send user's, the group's to read, setgid" "$(stat -c '%U %G %a' "$D/run/mailq")" "$send_u smarthost 2750"

# two messages, queued as the send user: one deferred, one to an
# address with a CSI byte (0x9b) that must not reach a terminal raw
FAKE_DIR=$T/fake; mkdir "$FAKE_DIR"; chown "$send_u" "$FAKE_DIR"
printf 'Subject: t\n\nx\n' > "$T/m"; chmod 644 "$T/m"
printf 'Falice@example.org\0Tdefer-one@example.net\0\0' > "$T/e1"
printf 'Fbob@example.org\0Tdefer-\233two@example.net\0\0' > "$T/e2"
chmod 644 "$T/e1" "$T/e2"
as "$send_u" env QUEUE="$Q" sh -c 'smarthost-queue < "$1" 1< "$2" && smarthost-queue < "$1" 1< "$3"' x "$T/m" "$T/e1" "$T/e2" \
  || { echo "Bail out! inject failed"; exit 1; }
# setpriv execs env, which execs the scheduler: one PID, stopped at exit
spawn setpriv --reuid="$send_u" --regid="$(id -gn "$send_u")" --init-groups env -i PATH="$PATH" QUEUE="$Q" MAILQ_FILE="$D/run/mailq/listing" REMOTE="$TOP/tests/peers/fakeremote" \
  FAKE_DIR="$FAKE_DIR" RETRY=3600 HELONAME=relay.test smarthost-send 2>> "$T/log"
ok "the scheduler writes the listing" wait_for 20 sh -c "grep -qs 'defer-one.* 451' '$D/run/mailq/listing' && grep -qs 'defer-.two.* 451' '$D/run/mailq/listing'"
is "the listing: the send user's, the group's, 0640" "$(stat -c '%U %G %a' "$D/run/mailq/listing")" "$send_u smarthost 640"

out=$(as "$L" "$D/bin/mailq" 2> "$T/err"); rc=$?
is "a member of the group: mailq exits 0" "$rc" 0
fails "... although it cannot read the spool" as "$L" sh -c 'ls "$1" 2>/dev/null' x "$Q/cur"
like "... says whose listing it shows" "$out" '^\(the listing smarthost-send wrote [0-9]+ s ago: you may not read the spool\)'
like "... and lists the deferred message, with the reply" "$out" '[0-9.]{31} [0-9]+[smhd].* [0-9]+ <alice@example.org> <defer-one@example.net> 451 '
like "... and the other, its 8-bit byte made printable" "$out" '<bob@example.org> <defer-\?two@example.net> 451'
is "... no raw byte outside ASCII in what it prints" "$(printf '%s' "$out" | LC_ALL=C grep -c '[^ -~]')" 0
like "... and the total" "$out" '^-- 2 messages$'

fails "a user outside the group: no listing" as "$N" sh -c '"$1/bin/mailq" > /dev/null 2>&1 || exit 1; exit 0' x "$D"
fails "... nor the file" as "$N" sh -c 'cat "$1" 2>/dev/null' x "$D/run/mailq/listing"

out=$("$D/bin/mailq" 2>&1)
unlike "root lists the spool itself" "$out" 'the listing smarthost-send wrote'

# what mailq prints of the file is printable, whatever the file holds
printf 'x \033[31m red \233 csi\n' > "$T/hostile"; chmod 644 "$T/hostile"
out=$(as "$L" env QUEUE="$Q" MAILQ_FILE="$T/hostile" smarthost-sendmail -bp 2>&1)
like "a listing with control bytes: printed" "$out" 'x \?\[31m red \? csi'
is "... without them" "$(printf '%s' "$out" | LC_ALL=C grep -c '[^ -~]')" 0

# the listing follows the queue
id1=$(ls "$Q/cur" | head -n 1)
smarthost-control "$D" remove "$id1" > /dev/null 2>&1
ok "a message removed leaves the listing" wait_for 20 sh -c "grep -qs '^-- 1 message$' '$D/run/mailq/listing' && ! grep -qs '^$id1 ' '$D/run/mailq/listing'"
