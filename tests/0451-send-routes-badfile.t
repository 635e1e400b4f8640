#!/bin/sh
# smarthost-send reads ROUTES once, at its start: a bad rules file stops
# the start with the file and the line named (and no value that could
# be a secret), a missing one too; queued mail stays queued. A good file
# starts the scheduler.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 8

inject alice@example.org ok-bob@example.net
printf '# routes\nalice@example.org localhost:2525\n@example.org localhost:2526 tls=tls user=u passfile=relative/path\n' > "$T/routes"
ROUTES=$T/routes; export ROUTES
err=$(smarthost-send 2>&1 < /dev/null); rc=$?
is "a bad rules file: smarthost-send exits 100" "$rc" 100
like "naming the file and the line" "$err" "^smarthost-send: fatal: $T/routes line 3: option passfile needs an absolute path\$"

printf 'alice@example.org localhost:2525 user=u hunter2\n' > "$T/routes"
err=$(smarthost-send 2>&1 < /dev/null); rc=$?
like "a stray field is refused" "$err" "fatal: $T/routes line 1: an option is not key=value"
unlike "without echoing it" "$err" hunter2

ROUTES=$T/nonexistent
err=$(smarthost-send 2>&1 < /dev/null); rc=$?
is "a missing rules file: 111" "$rc" 111
like "named" "$err" "fatal: unable to read $T/nonexistent: No such file"
ok "the message is still queued" sh -c "ls '$Q/new' '$Q/cur' | grep -q '^[0-9]'"

printf 'alice@example.org localhost:2525\n* default\n' > "$T/routes"
ROUTES=$T/routes
start_send
ok "a good file: the scheduler runs and delivers" wait_for 20 sh -c "[ \$(grep -c . '$FAKE_DIR/delivered') -ge 1 ]"
stop_send
