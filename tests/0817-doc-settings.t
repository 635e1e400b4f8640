#!/bin/sh
# Every variable a program reads is in smarthost-conf(5): the names the C
# programs read (getenv and the env_* helpers of cmd/, lib/ and queue/)
# and those the run scripts read, each found in a bold name of the page
# (a setting's entry, or the "NOT SETTINGS" section). Stricter than the
# word search of 0521, which the page's own ".SH NAME" satisfied for
# sendmail's NAME. And every setting smarthost-setup writes into conf/ is
# read by something and documented.
. "$(dirname "$0")/lib.sh"
plan 5

M=$TOP/man/smarthost-conf.5
cd "$TOP" || exit 1
grep -rhoE '\b(getenv|env|env_[a-z]+|envnum_[a-z0-9]+|die_setting)\("[A-Z][A-Z0-9_]{2,}"' cmd lib queue \
  | sed 's/.*("//; s/"$//' | sort -u > "$T/c"
sed -n 's/.*\${\{0,1\}\([A-Z][A-Z0-9_]\{2,\}\).*/\1/p' service/*/run service/*/log/run | sort -u > "$T/run"
# the bold names of the page: .B NAME, .BR "A ", B, .RB ( NAME ...
sed -n 's/^\.\(B\|BR\|RB\) //p' "$M" | tr -c 'A-Z0-9_\n' ' ' | tr ' ' '\n' | grep -E '^[A-Z][A-Z0-9_]{2,}$' | sort -u > "$T/man"
ok "the C programs read some 60 names" [ "$(wc -l < "$T/c")" -ge 60 ]
is "each name the C programs read is in smarthost-conf(5)" "$(comm -23 "$T/c" "$T/man" | tr '\n' ' ')" ""
is "each name the run scripts read is too" "$(comm -23 "$T/run" "$T/man" | tr '\n' ' ')" ""
# what smarthost-setup writes into conf/: documented, and read by a
# program or a run script (a setting nothing reads would mislead)
sed -n 's/^setting \([A-Z][A-Z0-9_]*\) .*/\1/p' service/smarthost-setup | sort -u > "$T/setup"
is "each setting smarthost-setup writes is in smarthost-conf(5)" "$(comm -23 "$T/setup" "$T/man" | tr '\n' ' ')" ""
grep -rhoE '"[A-Z][A-Z0-9_]{2,}"' cmd lib queue | tr -d '"' | sort -u > "$T/lit"
# PATH: read by every exec
{ cat "$T/lit" "$T/run"; echo PATH; } | sort -u > "$T/read"
is "each setting smarthost-setup writes is read by something" "$(comm -23 "$T/setup" "$T/read" | tr '\n' ' ')" ""
