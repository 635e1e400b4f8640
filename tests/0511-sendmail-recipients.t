#!/bin/sh
# smarthost-sendmail's recipients: duplicates fold with addr_same (domain
# without case, local part as is), at most 100,000 per message (EX_DATAERR,
# nothing queued), and -t with 80,000 names starts one injector and hands
# it each name once.
. "$(dirname "$0")/lib.sh"
plan 9

test_spool
export DEFAULTDOMAIN=site.example
unset SENDMAIL_FROM 2>/dev/null
count() { messages_in "$Q" new tmp; }
env_of() { sed '/^$/q' "$Q"/new/*; }

printf 'To: bob@Example.NET, BOB@example.net, root\nCc: bob@example.net, root@SITE.example\nSubject: s\n\nx\n' \
  | smarthost-sendmail -t -f a@site.example bob@EXAMPLE.net
is "duplicates folded once, the first spelling kept" "$(env_of)" "F a@site.example
T bob@EXAMPLE.net
T BOB@example.net
T root@site.example"
rm -f "$Q"/new/*

# 80,000 names, each twice (the second time with the domain in capitals).
$PY - "$T/big" 80000 <<'PYEOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
names = ["u%d@example.net" % i for i in range(n)] + ["u%d@EXAMPLE.NET" % i for i in range(n)]
with open(path, "w") as f:
    f.write("To: " + ",\n ".join(names) + "\nSubject: many\n\nx\n")
PYEOF
ok "-t with 80,000 names, each twice" smarthost-sendmail -t -f a@site.example < "$T/big"
is "80,000 recipients in the envelope" "$(grep -c '^T ' "$Q"/new/*)" 80000
is "in order" "$(grep '^T ' "$Q"/new/* | sed -n '1p;80000p' | tr '\n' ' ')" "T u0@example.net T u79999@example.net "
rm -f "$Q"/new/*

# The cap: 100,000 recipients pass, 100,001 do not (with a message that
# says so, and nothing queued).
$PY -c 'import sys; print("To: " + ", ".join("v%d@example.net" % i for i in range(100000)) + "\nSubject: s\n\nx")' > "$T/cap"
ok "100,000 recipients: queued" smarthost-sendmail -t -f a@site.example < "$T/cap"
rm -f "$Q"/new/*
fails_with 65 "100,001 recipients: EX_DATAERR" sh -c "smarthost-sendmail -t -f a@site.example one-more@example.net < '$T/cap' 2> '$T/err'"
like "the error names the cap" "$(cat "$T/err")" 'too many recipients: more than 100000'
is "nothing queued" "$(count)" 0

# The work, counted rather than timed (timing is make bench's:
# tests/bench/rcpt): sendmail with 80,000 names, each twice, starts the
# injector once and hands it each recipient once. That the folding does
# a few comparisons per name, not one per pair, is tests/0526's count.
cat > "$T/sink" <<'SH'
#!/bin/sh
echo start >> "$0.starts"
exec 3<&1
cat >/dev/null; tr '\000' '\n' <&3 | grep -c '^T' > "$0.rcpts"; exit 0
SH
chmod +x "$T/sink"
QMAILQUEUE=$T/sink smarthost-sendmail -t -f a@site.example < "$T/big"
is "80,000 names twice: one injector start, 80,000 recipients handed to it" \
  "$(wc -l < "$T/sink.starts") $(cat "$T/sink.rcpts")" "1 80000"
