#!/bin/sh
# Routes in an instance, as an administrator sets them up: smarthost-setup,
# DIR/routes named by conf/ROUTES, one password file per account in
# DIR/secret (the send user's, mode 0600), under s6-svscan. Mail from two
# senders, in by SMTP, goes out through two upstreams that each take only
# their own account's sender; --check as the send user proves both
# routes; a bad line in the file stops the send service with the line in
# its log, and the fixed file starts it again.
. "$(dirname "$0")/lib.sh"
N=11
plan $N

need_built $N "instance routes" smarthost-smtpd smarthost-send smarthost-remote smarthost-setup
. "$TOP/tests/peers/remote.sh"

test_instance
ok "instance made" test -x "$D/service/send/run"
su=$(cat "$D/conf/SEND_USER")
conf_set HELONAME relay.test
conf_set RETRY 1

make_certs
chmod 755 "$T/certs"; chmod 644 "$T/certs/ca.pem"
tls="--cert $T/certs/server.pem --key $T/certs/server.key --require-auth --own-sender"
start_upstream A $tls --auth-user alice@isp-a.test --auth-pass 'secret a 6601'; PA=$PORT
start_upstream B $tls --auth-user office@isp-b.test --auth-pass 'secret b 6602'; PB=$PORT
instance_secret a 'secret a 6601'
instance_secret b 'secret b 6602'
conf_set UPSTREAM_CAFILE "$T/certs/ca.pem"
set_routes <<EOR
# sender          upstream        options
alice@isp-a.test  localhost:$PA   user=alice@isp-a.test passfile=$D/secret/a
*                 localhost:$PB   user=office@isp-b.test passfile=$D/secret/b rewrite=office@isp-b.test
EOR

# as_send CMD...: as the instance's send user, with its settings
as_send()
{
  if [ -n "$su" ]; then s6-envdir "$D/conf" s6-setuidgid "$su" "$@"; else s6-envdir "$D/conf" "$@"; fi
}
out=$(as_send smarthost-remote --check 2>&1)
is "--check as the send user: both routes work" "$?:$(printf '%s\n' "$out" | grep -c '^ok: ')" "0:2"

start_instance
ok "smtpd listens" wait_port "$sport"
ok "alice's mail is accepted" swaks -4 --server 127.0.0.1 --port "$sport" --from alice@isp-a.test --to r1@dest.test --silent 2
ok "a colleague's too" swaks -4 --server 127.0.0.1 --port "$sport" --from carl@office.test --to r2@dest.test \
  --header 'From: Carl <carl@office.test>' --silent 2
ok "alice's goes through A, as alice" wait_for 30 sh -c "grep -qx 'F alice@isp-a.test' '$T'/A/*.env 2>/dev/null"
ok "the colleague's through B, as the office account" wait_for 30 sh -c "grep -qx 'F office@isp-b.test' '$T'/B/*.env 2>/dev/null"
like "with From: rewritten" "$(cat "$T"/B/*.msg | tr -d '\r')" '^From: Carl <office@isp-b.test>$'

# A bad line: the send service stops at its start and says where.
printf 'bob@isp-a.test localhost:%s user=bob password=hunter2\n' "$PA" >> "$D/routes"
s6-svc -r "$D/service/send"
ok "a bad rules file: the log names the line" wait_for 20 grep -q "fatal: $D/routes line 4: a secret never goes in the routes file" "$D/log/send/current"
sed -i '$d' "$D/routes"
s6-svc -r "$D/service/send"
swaks -4 --server 127.0.0.1 --port "$sport" --from alice@isp-a.test --to r3@dest.test --silent 2
ok "fixed, mail flows again" wait_for 30 sh -c "grep -q '^T r3@dest.test' '$T'/A/*.env 2>/dev/null"

stop_instance
