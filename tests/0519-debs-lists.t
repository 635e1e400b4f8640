#!/bin/sh
# Every outside program the tests, the build and `make run` invoke comes
# from a package in the Makefile's DEBS_* lists, so that `make check` and
# `make run` install it on a fresh Debian machine (this one has extra
# packages, so a gap shows up only here). Packages Essential to Debian
# (coreutils, sed, grep, diffutils, ...) need no entry.
# When a test or script starts using a new outside program, add it below
# and its package to the list.
. "$(dirname "$0")/lib.sh"

# program: which list must hold its package
check_progs="prove swaks openssl strace tcpserver tcprules s6-svscan s6-svc s6-svstat
  s6-supervise s6-envdir s6-log s6-setuidgid s6-envuidgid fdmove setsid unshare mount
  pgrep ps man useradd readelf postfix postconf dovecot"
run_progs="s6-svscan s6-envdir s6-envuidgid s6-setuidgid s6-log fdmove tcpserver tcprules
  openssl useradd groupadd setsid"
build_progs="cc make ar"
set -- $check_progs
n=$#; set -- $run_progs; n=$((n + $#)); set -- $build_progs; n=$((n + $# + 5))
plan $n

lists() { make -s --no-print-directory -C "$TOP" --eval "show-debs: ; @echo \$($1)" show-debs; }
BUILDL=$(lists DEBS_BUILD) CHECKL="$(lists DEBS_BUILD) $(lists DEBS_CHECK)" RUNL="$(lists DEBS_BUILD) $(lists DEBS_RUN)"

# The package of a file: the first link on its way that a package owns
# (/usr/bin/cc -> /etc/alternatives/cc -> /usr/bin/gcc: gcc), with the
# merged /usr in mind.
pkg_of_file()
{
  f=$1 i=0
  while [ -n "$f" ] && [ $i -lt 10 ]; do
    p=$(dpkg -S "$f" 2>/dev/null || dpkg -S "/usr$f" 2>/dev/null || dpkg -S "${f#/usr}" 2>/dev/null)
    [ -n "$p" ] && { printf '%s\n' "$p" | head -1 | cut -d: -f1; return; }
    [ -L "$f" ] || return
    l=$(readlink "$f"); case $l in /*) f=$l ;; *) f=$(dirname "$f")/$l ;; esac
    i=$((i + 1))
  done
}
where() { PATH=/usr/lib/execline/bin:$PATH command -v "$1"; }
essential() { [ "$(dpkg-query -W -f='${Essential}' "$1" 2>/dev/null)" = yes ]; }
listed()   # listed LIST WHAT FILE
{
  p=$(pkg_of_file "$3")
  [ -n "$p" ] || { echo "# $2: $3 belongs to no package" >&3; return 1; }
  essential "$p" && return 0
  case " $1 " in *" $p "*) return 0 ;; esac
  # or a direct dependency of a listed package (python3 -> python3-minimal)
  for l in $1; do
    dpkg-query -W -f='${Pre-Depends},${Depends}\n' "$l" 2>/dev/null | tr ',|' '\n\n' | sed 's/^ *//; s/[ :].*//' | grep -qx "$p" && return 0
  done
  echo "# $2 is in package $p, not in the list" >&3
  return 1
}
for c in $check_progs; do ok "check: $c's package is in DEBS_CHECK" listed "$CHECKL" "$c" "$(where "$c")"; done
for c in $run_progs; do ok "run: $c's package is in DEBS_RUN" listed "$RUNL" "$c" "$(where "$c")"; done
for c in $build_progs; do ok "build: $c's package is in DEBS_BUILD" listed "$BUILDL" "$c" "$(where "$c")"; done
ok "swaks' TLS (Net::SSLeay) is in DEBS_CHECK" listed "$CHECKL" Net::SSLeay "$(perl -MNet::SSLeay -e 'print $INC{"Net/SSLeay.pm"}')"
ok "python3 is in DEBS_CHECK" listed "$CHECKL" python3 "$PY"
ok "aiosmtpd is in DEBS_CHECK" listed "$CHECKL" aiosmtpd "$($PY -c 'import aiosmtpd; print(aiosmtpd.__file__)')"
ok "libcrypt's header is in DEBS_BUILD" listed "$BUILDL" crypt.h /usr/include/crypt.h

# The package's Build-Depends name every library DEBS_BUILD installs
# (libc6-dev comes with build-essential).
bdeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$TOP/debian/control" | tr ',' '\n' | sed 's/Build-Depends://; s/^ *//; s/ .*//' | grep .)
missing=
for l in $BUILDL; do
  case $l in libc6-dev) ;; *-dev) printf '%s\n' "$bdeps" | grep -qx "$l" || missing="$missing $l" ;; esac
done
is "every -dev package of DEBS_BUILD is in debian/control's Build-Depends" "$missing" ""
