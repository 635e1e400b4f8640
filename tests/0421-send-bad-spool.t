#!/bin/sh
# Malformed and hostile spool files never stop smarthost-send: random
# bytes, broken envelopes, broken state files, FIFOs, symbolic links and
# directories under valid ids in cur/, new/ and state/ are skipped with a
# log line while good mail is delivered, and a link never makes it send
# the file it points to. Seeded (the seed is printed; SEED=N reruns one).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 7

seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $seed"
SECRET=$T/secret; export SECRET
printf 'F a@b\nT ok-secret@example.net\n\nthe password\n' > "$SECRET"
$PY "$TOP/tests/peers/spool-garbage.py" "$Q" "$seed" "$(rounds 200)" > "$T/garbage"
ok "garbage made (seed $seed)" [ -s "$T/garbage" ]
inject alice@example.org ok-before@example.net
start_send
ok "a good message is delivered among the garbage" wait_for 30 grep -q ' ok-before@example.net' "$FAKE_DIR/delivered"
inject alice@example.org ok-after@example.net
ok "and one that comes after it" wait_for 30 grep -q ' ok-after@example.net' "$FAKE_DIR/delivered"
ok "smarthost-send is alive" kill -0 "$SEND_PID"
is "nothing was sent from a linked file" "$(grep -c ok-secret "$FAKE_DIR/delivered")" 0
stop_send
unlike "no fatal error" "$(cat "$T/log")" 'fatal'
ok "the skipped files are logged" grep -q 'is malformed: left alone\|is not a regular file' "$T/log"
