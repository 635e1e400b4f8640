#!/bin/sh
# ALERT_CMD: run once when the queue pauses (with the kind, the reason and
# since in its environment, never a secret), once when it resumes, once
# when a message waits longer than ALERT_AGE; logged once each. With
# UPSTREAM_TOKENCMD set, the pause's advice is about the token, not the
# password file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 10

ALERT_CMD='printf "%s|%s|%s\n" "$SMARTHOST_ALERT_KIND" "$SMARTHOST_ALERT_REASON" "$SMARTHOST_ALERT_SINCE" >> "$ALERTS"'
ALERTS=$T/alerts; : > "$ALERTS"
UPSTREAM_TOKENCMD='echo not-used-by-the-fake-worker'
export ALERT_CMD ALERTS UPSTREAM_TOKENCMD
touch "$FAKE_DIR/authfail"
inject alice@example.org ok-one@example.net
start_send
ok "a pause alert is run" wait_for 20 grep -qs '^paused|auth: ' "$ALERTS"
ok "several probes fail" wait_for 30 sh -c '[ "$(wc -l < "$1")" -ge 3 ]' x "$FAKE_DIR/jobs"
is "but the alert ran once" "$(grep -c '^paused' "$ALERTS")" 1
is "and was logged once" "$(grep -c 'alert paused' "$T/log")" 1
like "since is a time" "$(grep '^paused' "$ALERTS")" '\|1[0-9]{9}$'
like "the advice fits OAuth2" "$(grep 'queue paused' "$T/log")" 'refused our OAuth2 token: check .*UPSTREAM_TOKENCMD'
unlike "and does not send the admin to the password file" "$(grep 'queue paused' "$T/log")" 'UPSTREAM_PASSFILE'
rm -f "$FAKE_DIR/authfail"
ok "resumed: delivered and a resume alert" wait_for 30 grep -qs '^resumed|' "$ALERTS"
stop_send

# a message waiting longer than ALERT_AGE: one alert, not one per retry
ALERT_AGE=1; RETRY=1; export ALERT_AGE RETRY
inject alice@example.org defer-late@example.net
start_send
ok "an age alert names the message" wait_for 30 grep -qs '^age|message .* has waited' "$ALERTS"
sleep 3
is "once only" "$(grep -c '^age' "$ALERTS")" 1
stop_send
