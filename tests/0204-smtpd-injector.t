#!/bin/sh
# smarthost-smtpd: the injector's verdicts become SMTP replies (one table),
# the id passed to it is the one in the reply, timeouts end the session.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/peers/smtpd-lib.sh"
plan 12

# An injector whose behaviour $T/mode chooses: the real one, an exit code, or a signal.
cat > "$T/qq" <<EOS
#!/bin/sh
mode=\$(cat "$T/mode")
echo "\$SMARTHOST_ID" > "$T/id"
case \$mode in
  real) exec smarthost-queue ;;
  kill) cat >/dev/null; kill -9 \$\$ ;;
  *) cat >/dev/null; exit \$mode ;;
esac
EOS
chmod +x "$T/qq"
QMAILQUEUE=$T/qq SMTPD_TIMEOUT=2
export QMAILQUEUE SMTPD_TIMEOUT
start_smtpd relay

send() { echo "$1" > "$T/mode"; swaks --server "127.0.0.1:$PORT" --from a@example.org --to b@example.net 2>&1; }

out=$(send real)
like "swaks in clear, real injector: 250" "$out" '^<-  250 2\.0\.0 Ok: queued as'
id=$(printf '%s\n' "$out" | sed -n 's/^<-  250 2\.0\.0 Ok: queued as //p')
is "the injector got the id of the reply (SMARTHOST_ID)" "$(cat "$T/id")" "$id"
ok "and committed it under that name" test -f "$Q/new/$id"

like "exit 31: 554 5.3.0" "$(send 31)" '^<\*\* 554 5\.3\.0 '
like "exit 11: 554 5.1.3" "$(send 11)" '^<\*\* 554 5\.1\.3 '
like "exit 53: 451 4.3.0" "$(send 53)" '^<\*\* 451 4\.3\.0 .*disk full'
like "exit 99: temporary" "$(send 99)" '^<\*\* 451 4\.3\.0 '
like "killed by a signal: temporary" "$(send kill)" '^<\*\* 451 4\.3\.0 .*killed'
mv "$T/qq" "$T/qq.off"
like "no injector to run: 451 4.3.0 at DATA" "$(send real)" '^<\*\* 451 4\.3\.0 unable to start the injector'
mv "$T/qq.off" "$T/qq"
is "only the real injector queued" "$(spool_count new)" 1

# SMTPD_TIMEOUT: a silent client gets 421 4.4.2
out=$(raw '@0 EHLO c\r\n' '!eof')
like "idle client: 421 4.4.2 after SMTPD_TIMEOUT" "$out" '^421 4\.4\.2 timeout'
like "the timeout is logged" "$(cat "$T/log")" 'fatal: 127\.0\.0\.1: timeout'
