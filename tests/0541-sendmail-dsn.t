#!/bin/sh
# smarthost-sendmail's DSN options (as sendmail's): -N the NOTIFY of every
# recipient, -R the RET, -V the ENVID (given plain, kept in xtext); they
# reach the spool as D lines through the real injector, checked as the
# smtpd checks them: a bad one is refused (exit 100) and nothing queued.
. "$(dirname "$0")/lib.sh"
plan 9

test_spool
export HELONAME=relay.example DEFAULTDOMAIN=site.example
unset SENDMAIL_FROM NAME 2>/dev/null
env_of() { sed '/^$/q' "$Q"/new/*; }
count() { ls "$Q/new" | wc -l | tr -d ' '; }
printf 'Subject: dsn\n\nbody\n' > "$T/in"

ok "-N, -R and -V accepted" smarthost-sendmail -f ann@site.example -N success,failure -R hdrs -V 'id 42+x' bob@example.net carol@example.net < "$T/in"
is "D lines: RET and the ENVID in xtext after F, NOTIFY after each T" "$(env_of)" "F ann@site.example
D RET=HDRS ENVID=id+2042+2Bx
T bob@example.net
D NOTIFY=SUCCESS,FAILURE
T carol@example.net
D NOTIFY=SUCCESS,FAILURE"
rm -f "$Q"/new/*
ok "-Nnever alone" smarthost-sendmail -f ann@site.example -Nnever bob@example.net < "$T/in"
is "D NOTIFY=NEVER" "$(env_of | grep '^D')" "D NOTIFY=NEVER"
rm -f "$Q"/new/*
ok "without them: no D line (as before)" sh -c 'smarthost-sendmail -f ann@site.example bob@example.net < "$1" && ! sed "/^$/q" "$2"/new/* | grep -q "^D "' sh "$T/in" "$Q"
rm -f "$Q"/new/*
smarthost-sendmail -N never,success bob@example.net < "$T/in" 2> "$T/err"
is "-N never,success: exit 100" "$?" 100
like "naming the option" "$(cat "$T/err")" 'bad -N value'
smarthost-sendmail -R most bob@example.net < "$T/in" 2> /dev/null
is "-R most: exit 100" "$?" 100
is "nothing queued for either" "$(count)" 0
