#!/bin/sh
# smarthost-passwd run as root against a send user that has put links in
# secret/ (its own directory): under the name of the temporary file
# (before, .upstream.PID.tmp, which root created with a shell redirection,
# chowned and wrote through: any file of the system became the send
# user's, holding the password), and as the password file itself. Root
# must change nothing outside secret/; the password lands, the send
# user's, 0600. A password file in a directory of root's still works.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then plan 1; skip "links in secret/" "needs root (service users)"; exit 0; fi
plan 13

root_instance || { echo "Bail out! setup failed"; exit 1; }
su=$(cat "$D/conf/SEND_USER")
printf 'precious\n' > "$T/victim"; chmod 600 "$T/victim"
printf 'new pass\n' > "$T/pw"
as_send() { s6-setuidgid "$su" "$@"; }

# The links: every name the temporary file could have had (the shell's
# PID is the one smarthost-passwd keeps after exec), and the file itself.
sh -c 's6-setuidgid "$1" ln -s "$2" "$3/secret/.upstream.$$.tmp"
  s6-setuidgid "$1" ln -sf "$2" "$3/secret/upstream"
  exec smarthost-passwd "$3" < "$4" > /dev/null 2>&1' x "$su" "$T/victim" "$D" "$T/pw"
is "exit 0" "$?" 0
is "the file a link pointed at: unchanged" "$(cat "$T/victim")" "precious"
is "... still root's, 0600" "$(stat -c '%U %a' "$T/victim")" "root 600"
pf=$D/secret/upstream
ok "the password file is a regular file now, not the link" test -f "$pf" -a ! -L "$pf"
is "... holding the password" "$(cat "$pf")" "new pass"
is "... the send user's, 0600" "$(stat -c '%U %a' "$pf")" "$su 600"
is "no temporary file of ours left in secret/" "$(ls -A "$D/secret" | grep -v '^\.upstream\.[0-9]*\.tmp$')" "upstream"

# A password file in a directory only root can change: root writes it,
# then gives it to the send user.
mkdir -m 755 "$T/etc"
echo "$T/etc/pass" > "$D/conf/UPSTREAM_PASSFILE"
ok "a password file in root's directory" sh -c "smarthost-passwd '$D' < '$T/pw' > /dev/null 2>&1"
is "... the send user's, 0600" "$(stat -c '%U %a' "$T/etc/pass") $(cat "$T/etc/pass")" "$su 600 new pass"
# One in a directory another user may write into is refused.
mkdir -m 775 "$T/grp" && chgrp "$(id -gn "$su")" "$T/grp"
echo "$T/grp/pass" > "$D/conf/UPSTREAM_PASSFILE"
fails "a password file in a directory its group may write: refused" sh -c "smarthost-passwd '$D' < '$T/pw' > /dev/null 2>&1"

# secret/ as a link (the Debian package's DIR/secret -> /etc/smarthost/secret):
# followed when it sits in a directory only root may change, refused in
# one others may change (the link could be swapped).
mkdir -m 700 "$T/etcsecret" && chown "$su" "$T/etcsecret"
mv "$D/secret" "$T/oldsecret" && ln -s "$T/etcsecret" "$D/secret"
echo "$D/secret/upstream" > "$D/conf/UPSTREAM_PASSFILE"
ok "secret/ a link in root's instance directory: followed" sh -c "smarthost-passwd '$D' < '$T/pw' > /dev/null 2>&1"
is "... the file behind it written, the send user's, 0600" "$(stat -c '%U %a' "$T/etcsecret/upstream") $(cat "$T/etcsecret/upstream")" "$su 600 new pass"
chmod o+w "$D"
fails "... refused when others may change the instance directory" sh -c "smarthost-passwd '$D' < '$T/pw' > /dev/null 2>&1"
chmod o-w "$D"
