#!/bin/sh
# What smarthost-sendmail queues is never ambiguous upstream: a NUL byte is
# refused (EX_DATAERR, nothing queued, even when it comes after the
# injector has started), and lines over 998 octets are folded, headers at
# a blank, bodies with LF SPACE, so that no stored line is longer.
. "$(dirname "$0")/lib.sh"
plan 16

test_spool
export DEFAULTDOMAIN=site.example
unset SENDMAIL_FROM 2>/dev/null
count() { messages_in "$Q" new tmp; }
body_of() { sed '1,/^$/d' "$Q"/new/* | sed '1,/^$/d'; }   # past envelope and header
export LC_ALL=C   # awk's length() in octets

# NUL in the header, in the first body line, and deep in a large body
# (the injector is running by then: it must get no envelope).
printf 'Subject: a\000b\n\nx\n' > "$T/nul1"
printf 'Subject: s\n\nab\000c\n' > "$T/nul2"
$PY -c 'import sys; sys.stdout.buffer.write(b"Subject: s\n\n" + b"line\n"*200000 + b"\x00tail\n")' > "$T/nul3"
for f in nul1 nul2 nul3; do
  fails_with 65 "$f: refused with EX_DATAERR" sh -c "smarthost-sendmail bob@example.net < '$T/$f' 2> '$T/err'"
done
like "the message says why" "$(cat "$T/err")" 'NUL byte: not queued'
is "nothing queued, nothing left in tmp/" "$(count)" 0

# A 5,000-octet body line: stored as lines of at most 998 octets, and
# unfolding (removing LF SPACE) gives the line back.
$PY -c 'import sys; sys.stdout.buffer.write(b"Subject: s\n\n" + bytes(48 + i % 70 for i in range(5000)) + b"\nend\n")' > "$T/long"
ok "a 5,000-octet line is accepted" smarthost-sendmail -i bob@example.net < "$T/long"
is "no stored line over 998 octets" "$(awk 'length($0) > 998' "$Q"/new/* | wc -l)" 0
is "unfolded, the body is what was sent" "$(body_of | $PY -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b"\n ", b""))' | md5sum)" \
  "$(sed '1,/^$/d' "$T/long" | md5sum)"
is "the folds are LF SPACE" "$(body_of | sed -n 2p | cut -c1)" " "
rm -f "$Q"/new/*

# A long header field with blanks is folded at blanks (plain RFC 5322
# folding, nothing inserted): unfolding restores it exactly.
to=$($PY -c 'print(", ".join("user%d@example.net" % i for i in range(400)))')
printf 'To: %s\nSubject: s\n\nx\n' "$to" > "$T/hdr"
ok "a 9,000-octet To: is accepted" smarthost-sendmail -t < "$T/hdr"
is "no stored line over 998 octets" "$(awk 'length($0) > 998' "$Q"/new/* | wc -l)" 0
is "folded before blanks: unfolds to the field" "$(sed -n '/^To:/,/^[^ 	T]/p' "$Q"/new/* | sed '$d' | tr -d '\n')" "To: $to"
rm -f "$Q"/new/*

# The invariant over random input: random line lengths (0 to 5,000) and
# bytes (8-bit, CR, TAB, no NUL), header or body: every stored line is at
# most 998 octets, and removing the inserted LF SPACE gives the input back
# (CRLF as LF).
n=$(rounds 40)
$PY - "$T" "$n" <<'PYEOF'
import os, random, sys
t, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1005)
alphabet = bytes(b for b in range(1, 256) if b not in (10, 13)) + b"  \t"
for k in range(n):
    lines = [bytes(rnd.choice(alphabet) for _ in range(rnd.choice([0, 5, 997, 998, 999, 1996, rnd.randrange(5000)])))
             for _ in range(rnd.randrange(1, 6))]
    with open("%s/r%d" % (t, k), "wb") as f:
        f.write(b"Subject: r\n\n" + b"\n".join(l.lstrip(b". \t") for l in lines) + b"\n")
PYEOF
bad=0 long=0
for k in $(seq 0 $((n - 1))); do
  smarthost-sendmail -i bob@example.net < "$T/r$k" || bad=$((bad + 1))
  long=$((long + $(awk 'length($0) > 998' "$Q"/new/* | wc -l)))
  body_of | $PY -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().replace(b"\n ", b""))' > "$T/got"
  sed '1,/^$/d' "$T/r$k" | cmp -s - "$T/got" || { bad=$((bad + 1)); echo "# r$k differs" >&3; }
  rm -f "$Q"/new/*
done
is "$n random messages: all queued, unfolded byte for byte" "$bad" 0
is "and no stored line over 998 octets" "$long" 0

# -bs is SMTP through smarthost-smtpd, which has its own rules (bare CR,
# bare LF, NUL refused): it still works.
printf 'EHLO x\r\nMAIL FROM:<a@site.example>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nSubject: s\r\n\r\nok\r\n.\r\nQUIT\r\n' \
  | smarthost-sendmail -bs > "$T/bs" 2>&1
like "-bs still works" "$(cat "$T/bs")" '^250 2\.0\.0'
is "one message from -bs" "$(count)" 1
