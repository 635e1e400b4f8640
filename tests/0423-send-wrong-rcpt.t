#!/bin/sh
# smarthost-send matches a job's R lines to its recipients by their
# order, and takes a line only if it names that recipient (in printable
# form). A worker that reports "ok" for another address delivers nobody:
# the recipient stays deferred and is tried again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 3

cat > "$T/liar" <<'EOF2'
#!/bin/sh
while read -r line; do
  case $line in
    .) printf 'R\tsomeone@else.example\tok\t250\t2.0.0 ok\nM\tok\tsmtp\t250\t2.0.0 queued\n' ;;
  esac
done
EOF2
chmod +x "$T/liar"
REMOTE=$T/liar; export REMOTE
inject alice@example.org bob@example.net
id=$(ls "$Q/new")
start_send
ok "an R line naming another recipient: deferred" \
  wait_for 20 grep -q "$id <bob@example.net> .*: deferred 000 the worker's result named another recipient" "$T/log"
unlike "bob is never logged as delivered" "$(grep "$id <bob" "$T/log")" 'delivered'
ok "the message stays queued" sh -c "ls '$Q/cur' | grep -q '$id'"
stop_send
