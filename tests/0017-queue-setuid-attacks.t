#!/bin/sh
# The setuid injector of an instance (DIR/bin/smarthost-queue) against a
# hostile member of its group: each attack is run as a user the test makes
# (in group smarthost, removed at exit) and must change nothing outside
# new/. The attacks: replace a queued message by naming its id in
# SMARTHOST_ID; point QUEUE at a directory of the attacker's whose trigger
# is a link to the password file, or to a queued message, or whose tmp/
# is a link to secret/. Then the same links for an unprivileged injector,
# and the scheduler's move from new/ to cur/, which must never replace.
. "$(dirname "$0")/lib.sh"

setuid_member "setuid attacks" 19 smarthost-t17
su=$(cat "$D/conf/SEND_USER")

# A victim's message, taken by the scheduler (cur/), and the password.
printf 'Subject: victim\n\nthe real message\n' > "$T/vmsg"
printf 'Fvictim@example.org\0Tfriend@example.net\0\0' > "$T/venv"
QUEUE=$Q smarthost-queue < "$T/vmsg" 1< "$T/venv" || exit 1
V=$(ls "$Q/new")
mv "$Q/new/$V" "$Q/cur/$V" && chown "$su" "$Q/cur/$V"
printf 'isp-password\n' > "$D/secret/upstream"
echo "$D/secret/upstream" > "$D/conf/UPSTREAM_PASSFILE"

# What must not change: cur/, state/, secret/ (names, modes, owners, sums).
fingerprint()
{
  (cd "$D" && find queue/cur queue/state secret -printf '%p %y %m %U %s\n' | sort
   find queue/cur queue/state secret -type f -exec md5sum {} + | sort)
}
before=$(fingerprint)

# The attacker's message and envelope, readable by the attacker.
printf 'Subject: forged\n\nreplaced\n' > "$T/amsg"
printf 'Fevil@example.org\0Tfriend@example.net\0\0' > "$T/aenv"
chmod 644 "$T/amsg" "$T/aenv"
inject_as_a() { as_a env "$@" sh -c '"$1" < "$2" 1< "$3"' x "$D/bin/smarthost-queue" "$T/amsg" "$T/aenv"; }

# 1. SMARTHOST_ID naming the victim's message.
ok "the attacker can run the setuid injector" inject_as_a SMARTHOST_ID="$V" QUEUE="$Q"
set -- "$Q"/new/*
is "one message in new/" "$#" 1
unlike "... under an id of the injector's, not the caller's" "$(basename "$1")" "^$V\$"
is "... owned by the send user" "$(stat -c %U "$1")" "$su"
rm -f "$Q"/new/*

# 2. QUEUE pointing at the attacker's own spool, its trigger a link to the
# password file, then to the victim's message; its tmp/ a link to secret/.
E=$T/evil
mkdir -p "$E/tmp" "$E/new" "$E/cur" "$E/state" && chmod -R 777 "$E" && chown -R "$A" "$E"
as_a ln -s "$D/secret/upstream" "$E/trigger"
ok "QUEUE at the attacker's spool, trigger linked to the password file: the message is queued" inject_as_a QUEUE="$E"
is "... into the instance's spool, not the attacker's" "$(ls "$Q/new" | wc -l) $(find "$E/new" "$E/tmp" -mindepth 1 | wc -l)" "1 0"
rm -f "$Q"/new/* "$E/trigger"
as_a ln -s "$Q/cur/$V" "$E/trigger"
inject_as_a QUEUE="$E"
is "trigger linked to a queued message: nothing written through the link" "$(ls "$E/new" | wc -l)" 0
rm -f "$Q"/new/* "$E/trigger"
rmdir "$E/tmp" && as_a ln -s "$D/secret" "$E/tmp"
inject_as_a QUEUE="$E"
is "tmp/ linked to secret/: no file made in secret/" "$(ls -A "$D/secret")" "upstream"
rm -f "$Q"/new/*
is "after every attack: cur/, state/ and secret/ unchanged" "$(fingerprint)" "$before"

# 3. Whoever runs it: a trigger that is a link, or not a FIFO, gets no byte.
P=$T/plain
make_queue "$P"
rm "$P/trigger"; printf 'secret\n' > "$T/victim"; ln -s "$T/victim" "$P/trigger"
QUEUE=$P smarthost-queue < "$T/amsg" 1< "$T/aenv" 2> "$T/err"; r=$?
is "an unprivileged injector with a linked trigger: still queued (exit 0)" "$r" 0
is "... nothing written through the link" "$(od -An -c "$T/victim" | tr -d ' ')" 'secret\n'
like "... and a warning names the trigger" "$(cat "$T/err")" 'warning: unable to poke the trigger.*: Too many levels of symbolic links'
rm "$P/trigger"; printf 'x' > "$P/trigger"
QUEUE=$P smarthost-queue < "$T/amsg" 1< "$T/aenv" 2> "$T/err"
is "a regular file as the trigger: not written" "$(cat "$P/trigger")" x
like "... with a warning" "$(cat "$T/err")" 'warning: unable to poke the trigger'
rm -f "$P/trigger"; mkfifo "$P/trigger"

# 4. The scheduler never replaces cur/ID with new/ID.
rm -f "$P"/new/*
printf 'F victim@example.org\nT friend@example.net\n\nreal\n' > "$P/cur/$V"
printf 'F evil@example.org\nT friend@example.net\n\nforged\n' > "$P/new/$V"
sum=$(md5sum < "$P/cur/$V")
QUEUE=$P UPSTREAM= RESCAN=1 smarthost-send > /dev/null 2> "$T/send.log" &
pid=$!
wait_for 20 grep -q "new/$V" "$T/send.log"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
is "scheduler: cur/ID is not replaced by a new/ID of the same name" "$(md5sum < "$P/cur/$V")" "$sum"
ok "... the new/ID stays where it is" test -f "$P/new/$V"
like "... and is named in a warning" "$(cat "$T/send.log")" "move new/$V to cur/: File exists"

# The user is gone at exit whatever happens; check here that it exists.
ok "the attacker user exists during the test" sh -c "getent passwd $A > /dev/null"
userdel "$A"
fails "... and is removed" sh -c "getent passwd $A > /dev/null"
