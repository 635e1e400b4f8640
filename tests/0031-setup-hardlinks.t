#!/bin/sh
# smarthost-setup run again as root on an instance whose send user has put
# a hard link to another user's file in its own directories: as the
# password file (secret/upstream). Before, root's chown -h gave that file
# (any file the send user could write but did not own) to the send user.
# Now setup refuses, naming it, and the file keeps its owner; a normal
# run again still applies the model.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then plan 1; skip "hard links" "needs root (service users)"; exit 0; fi
plan 7

root_instance || { echo "Bail out! setup failed"; exit 1; }
su=$(cat "$D/conf/SEND_USER")

# A file of another user's that the send user may write (mode 0666), in
# the same file system, linked as the password file by the send user.
install -m 666 -o nobody /dev/null "$T/other"
rm -f "$D/secret/upstream"
ok "the send user links another user's file as secret/upstream" s6-setuidgid "$su" ln "$T/other" "$D/secret/upstream"
fails "setup refuses" sh -c "smarthost-setup '$D' > '$T/err' 2>&1"
like "... naming the file" "$(cat "$T/err")" "secret/upstream is not a regular file with one name"
is "the other user's file keeps its owner and mode" "$(stat -c '%U %a' "$T/other")" "nobody 666"
is "secret/ is the send user's again" "$(stat -c '%U %a' "$D/secret")" "$su 700"

# Without the link, a password file written by hand as root is put right.
rm -f "$D/secret/upstream"; printf 'pw\n' > "$D/secret/upstream"
ok "a root-written password file: setup puts it right" sh -c "smarthost-setup '$D' > '$T/err' 2>&1"
is "... the send user's, 0600" "$(stat -c '%U %a' "$D/secret/upstream")" "$su 600"
