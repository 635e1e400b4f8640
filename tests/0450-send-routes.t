#!/bin/sh
# Per-sender routes (ROUTES, smarthost-conf(5)) through smarthost-send and
# real smarthost-remote workers, against three aiosmtpd upstreams that
# require STARTTLS and AUTH, two of them refusing a sender that is not
# the account's own (553 5.7.1, as ISPs do): alice's mail goes to A with
# alice's account; @office.test goes to B with the office account, its
# MAIL FROM and From: rewritten to that account; everyone else, and our
# bounces, take conf/'s upstream C. A bounce goes to the original sender.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
. "$TOP/tests/peers/remote.sh"
. "$(dirname "$0")/routes-lib.sh"
plan 15

REMOTE=smarthost-remote; export REMOTE
routes_setup 773 '' --fail-rcpt '^nobody@'
sed -i '1i # sender          upstream         options' "$T/routes"
start_send

# at NAME RE: a message stored by upstream NAME has an envelope line matching RE
at() { sh -c "grep -qE '$2' '$T/$1'/*.env" 2>/dev/null; }
body_of() { f=$(grep -lE "$2" "$T/$1"/*.env | head -1); tr -d '\r' < "${f%.env}.msg"; }

inject alice@isp-a.test r1@dest.test
ok "alice's mail goes to A" wait_for 20 at A '^T r1@dest.test'
like "with alice's account and her own sender" "$(cat "$T/A/log")" 'auth ok (PLAIN|LOGIN) alice@isp-a.test'
ok "A saw MAIL FROM alice" at A '^F alice@isp-a.test$'

printf 'From: "Bob Office" <bob@office.test>\nTo: <r2@dest.test>\nSubject: routed\n\nFrom: the body is not a header\n' > "$T/bob.txt"
inject_file "$T/bob.txt" bob@office.test r2@dest.test
ok "bob's mail goes to B" wait_for 20 at B '^T r2@dest.test'
ok "its MAIL FROM is the office account" at B '^F office@isp-b.test$'
b=$(body_of B '^T r2@dest.test')
like "From: carries the account, the display name kept" "$b" 'From: "Bob Office" <office@isp-b.test>'
like "the body is untouched" "$b" 'From: the body is not a header'
like "B's account logged in" "$(cat "$T/B/log")" 'auth ok (PLAIN|LOGIN) office@isp-b.test'

inject carol@elsewhere.test r3@dest.test
ok "another sender takes conf/'s upstream" wait_for 20 at C '^T r3@dest.test'
ok "with its sender as it was" at C '^F carol@elsewhere.test$'

# Several messages in a row for one route reuse its session.
n0=$(grep -c '^connect' "$T/A/log")
for i in 4 5 6; do
  inject alice@isp-a.test "r$i@dest.test"
  wait_for 20 at A "^T r$i@dest.test"
done
is "three more messages of alice's route: no new connection to A" "$(grep -c '^connect' "$T/A/log")" "$n0"

# Refused at B: the bounce goes to bob (the spool's sender), not to the
# account, with a null sender through the default route.
inject bob@office.test nobody@dest.test
ok "the bounce reaches the original sender through conf/'s upstream" wait_for 20 sh -c \
  "grep -lx 'F ' '$T'/C/*.env 2>/dev/null | xargs -r grep -l '^T bob@office.test' | grep -q ."
unlike "and nothing went to the account" "$(cat "$T"/A/*.env "$T"/B/*.env "$T"/C/*.env)" 'T office@isp-b.test'
unlike "no password in the log" "$(cat "$T/log")" 'secret-[abc]-773'
ok "the queue is empty" wait_for 10 queue_empty
