#!/bin/sh
# smarthost-queue: the spool format, and every bad input refused with
# qmail-queue's exit code and nothing left in new/ or tmp/
. "$(dirname "$0")/lib.sh"
plan 36

test_spool

# inject ENVELOPE-PRINTF-FORMAT < message: the envelope goes in on fd 1
inject() { printf "$1" > "$T/env"; smarthost-queue 1< "$T/env"; }
clean() { [ -z "$(ls -A "$Q/new")$(ls -A "$Q/tmp")" ]; }

printf 'Subject: test\n\nline one\n.\nlast line\n' > "$T/msg"
ok "a good message is accepted" inject 'Falice@example.org\0Tbob@example.net\0Tcarol@example.com\0\0' < "$T/msg"
set -- "$Q"/new/*
is "one file in new/" "$#" 1
printf 'F alice@example.org\nT bob@example.net\nT carol@example.com\n\n' | cat - "$T/msg" > "$T/want"
ok "the file is the envelope, a blank line and the message, byte for byte" cmp "$1" "$T/want"
like "its name is an id" "$(basename "$1")" '^[0-9]{10}\.[0-9]{9}\.[0-9]{10}$'
is "mode 0600" "$(stat -c %a "$1")" 600
is "tmp/ is empty" "$(ls "$Q/tmp")" ""
rm -f "$Q"/new/*

ok "null sender" inject 'F\0Tbob@example.net\0\0' < "$T/msg"
is "is stored as an empty F line" "$(head -n 1 "$Q"/new/*)" "F "
rm -f "$Q"/new/*

head -c 3000000 /dev/urandom | base64 > "$T/big"
ok "a 4 MB message (held in a scratch file)" inject 'Fa@b\0Tc@d\0\0' < "$T/big"
printf 'F a@b\nT c@d\n\n' | cat - "$T/big" > "$T/want"
ok "is stored byte for byte" cmp "$Q"/new/* "$T/want"
is "and leaves nothing in tmp/" "$(ls "$Q/tmp")" ""
rm -f "$Q"/new/*

SMARTHOST_ID=1700000000.000000001.0000000042 inject 'Fa@b\0Tc@d\0\0' < "$T/msg"
ok "a caller's id (SMARTHOST_ID) names the file" test -f "$Q/new/1700000000.000000001.0000000042"
fails_with 62 "the same id twice is refused, never overwritten" env SMARTHOST_ID=1700000000.000000001.0000000042 sh -c 'printf "Fx@y\0Tz@w\0\0" > "$1/env2"; smarthost-queue < /dev/null 1< "$1/env2"' x "$T"
ok "and the first message is intact" sh -c 'printf "F a@b\nT c@d\n\n" | cat - "$1" | cmp - "$2"' x "$T/msg" "$Q/new/1700000000.000000001.0000000042"
SMARTHOST_ID=../../x inject 'Fa@b\0Tc@d\0\0' < "$T/msg"
ok "a malformed SMARTHOST_ID is ignored" test -z "$(ls "$Q/new" | grep -v '^[0-9]\{10\}\.[0-9]\{9\}\.[0-9]\{10\}$')"
rm -f "$Q"/new/*

l65=$(printf '%065d' 0)
d256=$(printf '%0256d' 0)
fails_with 91 "no recipients: 91" inject 'Fa@b\0\0' < "$T/msg"
fails_with 54 "no envelope terminator: 54" inject 'Fa@b\0Tc@d\0' < "$T/msg"
fails_with 54 "an envelope cut inside a field: 54" inject 'Fa@b\0Tc@' < "$T/msg"
fails_with 54 "the message stream ends and no envelope follows: 54" inject '' < "$T/msg"
fails_with 91 "recipient before sender: 91" inject 'Tc@d\0Fa@b\0\0' < "$T/msg"
fails_with 91 "empty recipient: 91" inject 'Fa@b\0T\0\0' < "$T/msg"
fails_with 11 "local part of 65 octets: 11" inject "Fa@b\\0T$l65@example.org\\0\\0" < "$T/msg"
fails_with 11 "domain of 256 octets: 11" inject "F$d256\\0Tc@d\\0\\0" < "$T/msg"
fails_with 11 "path over 256 octets: 11" inject "Fa@b\\0Tx@$(printf '%0250d' 0).org\\0\\0" < "$T/msg"
fails_with 91 "CR in an address: 91" inject 'Fa@b\0Tc\r@d\0\0' < "$T/msg"
fails_with 91 "LF in an address: 91" inject 'Fa\n@b\0Tc@d\0\0' < "$T/msg"
fails_with 91 "NUL in an address: 91" inject 'Fa@b\0Tc\0d@e\0\0' < "$T/msg"
ok "after all of them, nothing in new/ or tmp/" clean

fails_with 55 "QUEUE unset: 55" env -u QUEUE sh -c 'smarthost-queue < /dev/null 1< "$1"' x "$T/env"
fails_with 62 "spool missing: 62" env QUEUE="$T/nowhere" sh -c 'printf "Fa@b\0Tc@d\0\0" > "$1"; smarthost-queue < /dev/null 1< "$1"' x "$T/env"

# a spool this user cannot write: as root, run the injector as nobody
mkdir -p "$T/ro" && make_queue "$T/ro/q" && chmod 755 "$T/ro/q" "$T/ro/q/tmp" "$T/ro/q/new"
printf 'Fa@b\0Tc@d\0\0' > "$T/env"; chmod 644 "$T/env" "$T/msg"; chmod 755 "$T"
if [ "$(id -u)" = 0 ]; then asuser="setpriv --reuid=65534 --regid=65534 --clear-groups"; else chmod 555 "$T/ro/q/tmp"; asuser=; fi
fails_with 62 "spool not writable: 62" env QUEUE="$T/ro/q" $asuser sh -c '"$1" < "$2" 1< "$3"' x "$BUILD/smarthost-queue" "$T/msg" "$T/env"
is "and nothing in its new/" "$(ls "$T/ro/q/new")" ""

# a full spool: a 1 MB tmpfs in a private mount namespace
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  head -c 2000000 /dev/urandom > "$T/huge"
  mkdir "$T/full"
  out=$(unshare -m sh -c '
    mount -t tmpfs -o size=1m tmpfs "$1" || exit 1
    mkdir "$1/tmp" "$1/new" "$1/cur" "$1/state"
    printf "Fa@b\0Tc@d\0\0" > "$2/env"
    QUEUE=$1 smarthost-queue < "$2/huge" 1< "$2/env" 2>/dev/null; echo "full=$?"
    echo "new=$(ls "$1/new" | wc -l) tmp=$(ls "$1/tmp" | wc -l)"
    QUEUE=$1 smarthost-queue < "$2/msg" 1< "$2/env" 2>/dev/null; echo "after=$?"
    echo "new=$(ls "$1/new" | wc -l)"' x "$T/full" "$T")
  like "full spool: 53" "$out" 'full=53'
  like "full spool: nothing in new/ or tmp/" "$out" 'new=0 tmp=0'
  like "space back: accepted again" "$out" 'after=0'
  like "space back: one message in new/" "$out" 'new=1$'
else
  for i in 1 2 3 4; do skip "full spool" "needs root and unshare -m"; done
fi
