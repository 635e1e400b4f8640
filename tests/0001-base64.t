#!/bin/sh
# smarthost-base64: against coreutils base64, strict decoding, AUTH PLAIN tokens
. "$(dirname "$0")/lib.sh"
plan 12

# A few hundred random inputs of random lengths (0 to 10 KB), both directions.
n=$(rounds 300)
bad=0
i=0
while [ $i -lt $n ]; do
  len=$(( $(od -An -N2 -tu2 /dev/urandom) % 10241 ))
  head -c "$len" /dev/urandom > "$T/in"
  smarthost-base64 < "$T/in" > "$T/ours" || bad=$((bad+1))
  base64 -w 76 < "$T/in" > "$T/theirs"
  cmp -s "$T/ours" "$T/theirs" || bad=$((bad+1))
  smarthost-base64 -d < "$T/theirs" > "$T/back" || bad=$((bad+1))
  cmp -s "$T/in" "$T/back" || bad=$((bad+1))
  i=$((i+1))
done
is "$n random inputs: same encoding as coreutils, decoding round-trips" "$bad" 0

printf 'Zm9vYmFy' > "$T/ok"
is "decode without a trailing newline" "$(smarthost-base64 -d < "$T/ok")" foobar

printf 'Zm9vYmFyZm9vYmFy\nZm9v!mFy\n' > "$T/bad"
fails_with 100 "a character outside the alphabet: exit 100" sh -c 'smarthost-base64 -d < "$1" > "$2" 2> "$3"' x "$T/bad" "$T/out" "$T/err"
is "and nothing is written" "$(wc -c < "$T/out")" 0
like "and a message on stderr" "$(cat "$T/err")" '^smarthost-base64: fatal: invalid base64'
fails_with 100 "bad padding: exit 100" sh -c 'printf "Zg=a" | smarthost-base64 -d'
fails_with 100 "truncated input: exit 100" sh -c 'printf "Zm9vY" | smarthost-base64 -d'
fails_with 100 "usage error: exit 100" smarthost-base64 -x

printf 'pa ss\n' > "$T/pass"
is "AUTH PLAIN token from a password file" "$(smarthost-base64 -p alice "$T/pass")" "$(printf '\0alice\0pa ss' | base64)"
is "AUTH PLAIN token from stdin" "$(printf 'pa ss\n' | smarthost-base64 -p alice)" "$(printf '\0alice\0pa ss' | base64)"
fails_with 111 "missing password file: exit 111" smarthost-base64 -p alice "$T/nope"
fails_with 100 "a password given on the command line is a usage error" smarthost-base64 -p alice "$T/pass" extra
