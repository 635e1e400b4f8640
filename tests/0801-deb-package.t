#!/bin/sh
# The Debian package (debian/), as an administrator meets it. make deb
# builds it (once); its contents, control fields and maintainer scripts
# are checked, and lintian finds no error. Then it is installed on this
# machine (a throwaway test machine, run as root): postinst makes the
# instance (settings in /etc/smarthost, spool in /var/spool/smarthost,
# logs in /var/log/smarthost), the unit passes systemd-analyze verify, a
# reinstall keeps the administrator's settings, the instance runs under
# s6-svscan as the unit starts it (there is no running systemd here) and
# queues mail from swaks and from its sendmail, SIGTERM to s6-svscan (the
# unit's stop, KillMode=mixed) takes the whole tree down, remove keeps
# the settings and the queue, and purge leaves nothing behind but the
# system users, which Debian keeps and other tests use.
. "$(dirname "$0")/lib.sh"
N=44
plan $N

skip_rest() { while [ "$_tap_n" -lt $N ]; do skip "the Debian package" "$1"; done; exit 0; }
# When a step the rest depends on failed, the rest is skipped rather than
# left to fail one by one.
gate()
{
  [ "$_tap_failed" = 0 ] && return 0
  while [ "$_tap_n" -lt $N ]; do skip "the Debian package" "an earlier step failed"; done
  exit 1
}
comment() { sed 's/^/# /' "$@" >&3; }

# A sanitized run (make check-asan) has nothing to add: the package is
# built with the packaging's own flags. make check runs this.
[ "$QUICK" = 1 ] && skip_rest "a sanitized run (the package is built without sanitizers; make check runs this test)"
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
  [ "$(id -u)" = 0 ] && "$TOP/tests/need-debs" build-essential debhelper dpkg-dev >/dev/null 2>&1
  command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null \
    || skip_rest "dpkg-buildpackage or dh is not installed (Debian packages dpkg-dev, debhelper)"
fi

# 1. One build, from a copy of the tree (make deb), into $T/deb. Not a
# sub-make of make check: no jobserver descriptors to inherit.
ok "make deb builds the packages" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
  make -s -C "$TOP" deb DEBDIR="$T/deb" > "$T/build.log" 2>&1 \
  || tail -n 30 "$T/build.log" | comment
deb=$(ls "$T"/deb/smarthost_*_*.deb 2>/dev/null | head -n 1)
mta=$(ls "$T"/deb/smarthost-mta_*_all.deb 2>/dev/null | head -n 1)
ok "smarthost_*.deb and smarthost-mta_*_all.deb are there" test -f "$deb" -a -f "$mta"
gate

# 2. Contents: every program, man page and service template; the unit;
# nothing under /etc or /var (postinst makes the instance), no conffiles.
dpkg-deb -c "$deb" | awk '{ print $6 ($7 == "->" ? " -> " $8 : "") }' > "$T/files"
has() { grep -qxF "./$1" "$T/files"; }
missing=
for p in $(cd "$TOP" && ls cmd/*.c service/smarthost-* | sed 's|.*/||; s|\.c$||'); do
  has "usr/bin/$p" || missing="$missing $p"
done
is "every program is in /usr/bin" "$missing" ""
missing=
for m in $(cd "$TOP" && ls man/*.[1-8]); do
  m=${m#man/}; has "usr/share/man/man${m##*.}/$m.gz" || missing="$missing $m"
done
is "every man page is there" "$missing" ""
missing=
for t in $(cd "$TOP/service" && ls */run); do
  has "usr/share/smarthost/service/$t" || missing="$missing $t"
done
is "every service template is in /usr/share/smarthost/service" "$missing" ""
like "the systemd unit smarthost.service" "$(cat "$T/files")" '^\./(usr/)?lib/systemd/system/smarthost\.service$'
unlike "nothing shipped under /etc or /var: the instance is postinst's" "$(cat "$T/files")" '^\./(etc|var)/.'
dpkg-deb -e "$deb" "$T/ctl"
ok "no conffiles: the settings are written once by smarthost-setup" test ! -e "$T/ctl/conffiles"

missing=
depends=$(dpkg-deb -f "$deb" Depends)
for d in s6 execline ucspi-tcp-ipv6 openssl ca-certificates passwd libc6; do
  printf '%s\n' "$depends" | tr ',' '\n' | grep -q "^ *$d\( \|$\)" || missing="$missing $d"
done
is "Depends names the runtime packages and the shared libraries" "$missing" ""
sbu=$(dpkg-deb -f "$deb" Built-Using)
is "Built-Using names the sources linked statically (skalibs, libretls, openssl, glibc, libxcrypt)" \
  "$(printf '%s\n' "$sbu" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | sort | tr '\n' ' ')" 'glibc libretls libxcrypt openssl skalibs '
is "smarthost-mta provides, conflicts with and replaces mail-transport-agent" \
  "$(dpkg-deb -f "$mta" Provides Conflicts Replaces | sort | tr '\n' ' ')" \
  "Conflicts: mail-transport-agent Provides: mail-transport-agent Replaces: mail-transport-agent "
dpkg-deb -c "$mta" | awk '{ print $6 ($7 == "->" ? " -> " $8 : "") }' > "$T/mtafiles"
is "smarthost-mta's sendmail and mailq are the instance's" \
  "$(grep -E '^\./usr/(sbin|lib)/sendmail |^\./usr/bin/mailq ' "$T/mtafiles" | sort | tr '\n' ' ')" \
  "./usr/bin/mailq -> /var/spool/smarthost/bin/mailq ./usr/lib/sendmail -> /var/spool/smarthost/bin/sendmail ./usr/sbin/sendmail -> /var/spool/smarthost/bin/sendmail "

# 3. Maintainer scripts.
ok "the maintainer scripts parse (sh -n)" sh -c "sh -n '$T/ctl/postinst' && sh -n '$T/ctl/postrm' && sh -n '$T/ctl/prerm'"
setup=$(grep -n 'smarthost-setup -t' "$T/ctl/postinst" | head -n 1 | cut -d: -f1)
start=$(grep -n 'deb-systemd-invoke' "$T/ctl/postinst" | head -n 1 | cut -d: -f1)
ok "postinst makes the instance with smarthost-setup, before the unit starts" \
  test -n "$setup" -a -n "$start" -a "${setup:-0}" -lt "${start:-0}"
like "postrm purge removes /etc/smarthost, /var/spool/smarthost, /var/log/smarthost" \
  "$(grep 'rm -rf' "$T/ctl/postrm")" 'rm -rf /var/spool/smarthost /var/log/smarthost /etc/smarthost'
unlike "no maintainer script removes a user or a group" "$(cat "$T/ctl/postrm" "$T/ctl/prerm")" 'userdel|deluser|groupdel|delgroup'

# 4. lintian: no errors; its warnings are listed.
if command -v lintian >/dev/null; then
  lintian --fail-on error "$deb" "$mta" > "$T/lintian" 2>&1; r=$?
  grep -E '^[EWI]:' "$T/lintian" | comment
  is "lintian: no errors" "$r $(grep -c '^E:' "$T/lintian")" "0 0"
else
  skip "lintian: no errors" "lintian is not installed (make deb installs it as root)"
fi

# 5. Installed on this machine. Only as root, one run at a time (a lock
# for machines that run several checkouts' tests), and only where no
# smarthost is installed: purging someone's real instance is not a test.
[ "$(id -u)" = 0 ] || skip_rest "installing a package needs root"
for d in /run/lock /var/lock /tmp; do [ -d "$d" ] && break; done
exec 9>"$d/smarthost-deb-package-test.lock"
flock -w 900 9 || skip_rest "another run of this test held $d/smarthost-deb-package-test.lock for 15 minutes"
if dpkg-query -W smarthost >/dev/null 2>&1 || [ -e /etc/smarthost ] || [ -e /var/spool/smarthost ] || [ -e /var/log/smarthost ]; then
  st=$(dpkg-query -W -f='${Status}' smarthost 2>/dev/null)
  case $st in
    *not-installed*) ;;
    *) skip_rest "this machine has a smarthost installation of its own (${st:-/etc/smarthost, /var/spool/smarthost or /var/log/smarthost})" ;;
  esac
  [ -e /etc/smarthost ] || [ -e /var/spool/smarthost ] || [ -e /var/log/smarthost ] \
    && skip_rest "this machine has /etc/smarthost, /var/spool/smarthost or /var/log/smarthost of its own"
fi

D=/var/spool/smarthost
installed= svscan= tree=
# Whatever happens, the tree is stopped and the package purged (then
# lib.sh's cleanup runs).
deb_cleanup()
{
  if [ -n "$svscan" ] && [ -n "$(running "$svscan")" ]; then
    tree=$(descendants "$svscan")
    kill -TERM "$svscan"; wait_for 30 none_running "$svscan"
    for p in $tree; do kill -9 "$p" 2>/dev/null; done
  fi
  [ -n "$installed" ] && dpkg --purge smarthost >/dev/null 2>&1
}
trap 'deb_cleanup; _tap_cleanup' EXIT

# dpkg ARGS: retried while another dpkg holds its lock (2 minutes at most).
dpkg_run()
{
  _i=0
  while :; do
    DEBIAN_FRONTEND=noninteractive dpkg "$@" > "$T/dpkg.out" 2>&1 && return 0
    grep -qi 'lock' "$T/dpkg.out" && [ $_i -lt 120 ] || { comment "$T/dpkg.out"; return 1; }
    _i=$((_i + 1)); sleep 1
  done
}
# Where systemd runs (not on the test machine), postinst starts the unit:
# this test runs the instance itself, so the unit is stopped.
unit_stop() { [ -d /run/systemd/system ] && systemctl stop smarthost.service; return 0; }
# The PIDs given that run (a zombie does not: s6-svscan is this shell's
# child until waited for, and orphans wait for init to reap them).
running() { for _p; do case $(ps -o stat= -p "$_p" 2>/dev/null) in ''|Z*) ;; *) echo "$_p" ;; esac; done; }
none_running() { [ -z "$(running "$@")" ]; }
# Every process below PID $1 (and $1).
descendants()
{
  ps -eo pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
    END { for (p in parent) { q = p; while (q != root && (q in parent) && q > 1) q = parent[q]; if (q == root) print p } }'
}

installed=1
ok "dpkg -i installs it" dpkg_run -i "$deb"
unit_stop
gate
is "the instance's spool is /var/spool/smarthost/queue" "$(cat /etc/smarthost/conf/QUEUE)" "$D/queue"
is "conf, tcp.smtpd, secret, tls are in /etc/smarthost, log in /var/log/smarthost" \
  "$(for l in conf tcp.smtpd secret tls log; do readlink -f "$D/$l"; done | tr '\n' ' ')" \
  "/etc/smarthost/conf /etc/smarthost/tcp.smtpd /etc/smarthost/secret /etc/smarthost/tls /var/log/smarthost "
su=$(cat /etc/smarthost/conf/SEND_USER)
users=$(for v in SMTPD_USER SEND_USER LOG_USER; do printf ' %s' "$(cat "/etc/smarthost/conf/$v")"; done)
groups=" smarthost$(sed -n '1s/^/ /p' /etc/smarthost/conf/SPOOL_GROUP 2>/dev/null)"
ok "the queue and its trigger FIFO belong to the send user" \
  test -p "$D/queue/trigger" -a -n "$su" -a "$(stat -c %U "$D/queue" "$D/queue/trigger" | sort -u)" = "$su"
ok "the unit is enabled at boot" test -L /etc/systemd/system/multi-user.target.wants/smarthost.service
unit=$(ls /lib/systemd/system/smarthost.service /usr/lib/systemd/system/smarthost.service 2>/dev/null | head -n 1)

# systemd-analyze verify, unless it cannot verify even a trivial unit here.
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd-analyze verify passes on the unit" "systemd-analyze is not installed (Debian package systemd)"
else
  printf '[Unit]\nDescription=trivial\n[Service]\nExecStart=/bin/true\n' > "$T/trivial.service"
  if ! systemd-analyze verify "$T/trivial.service" > "$T/sa.out" 2>&1; then
    skip "systemd-analyze verify passes on the unit" "systemd-analyze verify fails on a trivial unit in this container: $(head -n 1 "$T/sa.out")"
  else
    ok "systemd-analyze verify passes on the unit" systemd-analyze verify "$unit" > "$T/sa.out" 2>&1 || comment "$T/sa.out"
  fi
fi
is "the unit runs s6-svscan on the instance and stops it alone (KillMode=mixed)" \
  "$(grep -E '^(ExecStart|KillMode)=' "$unit" | tr '\n' ' ')" \
  "ExecStart=/usr/bin/s6-svscan $D/service KillMode=mixed "

# 6. An administrator's settings survive a reinstall (the upgrade path:
# prerm upgrade, unpack, postinst configure).
port=$(free_port)
echo "127.0.0.1:$port" > /etc/smarthost/conf/LISTEN
echo relay.test > /etc/smarthost/conf/HELONAME
echo '10.9.8.:allow,RELAYCLIENT=""' >> /etc/smarthost/tcp.smtpd
ok "dpkg -i again (an upgrade)" dpkg_run -i "$deb"
unit_stop
is "LISTEN and HELONAME kept" "$(cat /etc/smarthost/conf/LISTEN /etc/smarthost/conf/HELONAME | tr '\n' ' ')" "127.0.0.1:$port relay.test "
like "tcp.smtpd kept" "$(cat /etc/smarthost/tcp.smtpd)" '^10\.9\.8\.:allow,RELAYCLIENT=""$'
gate

# The README's password step, with the installed program.
printf 'pass word\n' | /usr/bin/smarthost-passwd "$D" > "$T/passwd.out" 2>&1 || comment "$T/passwd.out"
is "smarthost-passwd stores the password in /etc/smarthost/secret, 0600, the send user's" \
  "$(stat -c '%a %U' /etc/smarthost/secret/upstream 2>&1) $(cat /etc/smarthost/secret/upstream 2>&1)" "600 $su pass word"

# 7. Run it as the unit does: s6-svscan on the service directory, as root.
s6-svscan "$D/service" < /dev/null > "$T/svscan.out" 2>&1 3>&- &
svscan=$!
ok "the smtpd listens on LISTEN" wait_port "$port"
printf 'From: a@example.org\nTo: b@example.net\nSubject: package\n\nheld: no upstream yet\n' > "$T/m1"
ok "swaks over STARTTLS: 250" swaks -4 --server 127.0.0.1 --port "$port" --tls \
  --from a@example.org --to b@example.net --data "@$T/m1" --silent 2
queued() { [ "$(ls "$D/queue/new" "$D/queue/cur" | grep -c '^[0-9]')" = "$1" ]; }
ok "the message is queued in /var/spool/smarthost/queue" wait_for 20 queued 1
like "the instance's mailq lists it" "$("$D/bin/mailq" 2>&1)" '<a@example.org> <b@example.net>'
printf 'Subject: cron\n\nfrom the instance sendmail\n' | "$D/bin/sendmail" -f root@example.org c@example.net
ok "the instance's sendmail queues one too" wait_for 20 queued 2
tree=$(descendants "$svscan")
tcpserver=$(ps -o pid=,comm= -p "$(echo $tree | tr ' ' ',')" | awk '$2 == "tcpserver" { print $1 }')
is "tcpserver runs as the smtpd user" "$(ps -o user= -p "${tcpserver:-0}" | tr -d ' ')" "$(cat /etc/smarthost/conf/SMTPD_USER)"

# 8. The unit's stop: SIGTERM to s6-svscan alone; it takes its tree down.
kill -TERM "$svscan"
ok "s6-svscan exits on SIGTERM" wait_for 30 none_running "$svscan"
wait "$svscan" 2>/dev/null
ok "no process of its tree is left ($(echo $tree | wc -w) processes)" wait_for 10 none_running $tree
[ -z "$(running $tree)" ] || ps -o pid,user,args -p "$(running $tree | tr '\n' ',' | sed 's/,$//')" | comment
svscan=
like "the loggers wrote what the smtpd said last" "$(cat /var/log/smarthost/smtpd/current)" 'queued [0-9.]+ '

# 9. remove keeps settings and queued mail; purge leaves nothing.
ok "dpkg -r removes it" dpkg_run -r smarthost
ok "remove keeps the settings and the queued mail" sh -c "grep -q '127.0.0.1:$port' /etc/smarthost/conf/LISTEN && [ \$(ls $D/queue/new $D/queue/cur | grep -c '^[0-9]') = 2 ]"
ok "remove takes the programs and the instance's injector away" test ! -e /usr/bin/smarthost-setup -a ! -e "$D/bin"
ok "dpkg --purge purges it" dpkg_run --purge smarthost
installed=
left=
for f in /etc/smarthost /var/spool/smarthost /var/log/smarthost /usr/share/smarthost "$unit" \
  /etc/systemd/system/multi-user.target.wants/smarthost.service; do
  { [ -e "$f" ] || [ -L "$f" ]; } && left="$left $f"
done
is "purge leaves nothing behind" "$left" ""
unlike "dpkg knows it no more" "$(dpkg-query -W -f='${Status}' smarthost 2>/dev/null)" 'ok installed|config-files'
gone=
for u in $users; do getent passwd "$u" >/dev/null || gone="$gone $u"; done
for g in $groups; do getent group "$g" >/dev/null || gone="$gone $g"; done
is "the system users and groups stay (Debian keeps system users):$users$groups" "$gone" ""
