#!/bin/sh
# The names a newcomer meets: the certificate smarthost-setup -t makes
# carries HELONAME (given with -h, or set later in conf/), a certificate
# configured by hand is never touched, and every setting a program reads
# is in smarthost-conf(5).
. "$(dirname "$0")/lib.sh"
plan 9

chmod 755 "$T"
matches() { openssl x509 -in "$1" -noout -checkhost "$2" 2>/dev/null | grep -q ' does match'; }

D=$T/a
smarthost-setup -n -t -h relay.example.test -l 127.0.0.1:2525 "$D" > /dev/null 2>&1
is "-h sets HELONAME" "$(cat "$D/conf/HELONAME")" relay.example.test
ok "the certificate names it" matches "$D/tls/cert.pem" relay.example.test
ok "and ::1, for LISTEN=[::1]:port" sh -c "openssl x509 -in '$D/tls/cert.pem' -noout -ext subjectAltName | grep -q 'IP Address:0:0:0:0:0:0:0:1'"

# HELONAME set after the first -t (make run made the instance): the next
# -t makes the certificate again, with the new name.
E=$T/b
smarthost-setup -n -t -l 127.0.0.1:2525 "$E" > /dev/null 2>&1
echo mail.office.example > "$E/conf/HELONAME"
smarthost-setup -n -t "$E" > /dev/null 2>&1
ok "HELONAME set later: the certificate follows" matches "$E/tls/cert.pem" mail.office.example
before=$(md5sum < "$E/tls/cert.pem")
smarthost-setup -n -t "$E" > /dev/null 2>&1
is "and is kept while the name is the same" "$(md5sum < "$E/tls/cert.pem")" "$before"
smarthost-setup -n -t -h other.example "$E" > /dev/null 2>&1
is "-h does not change a HELONAME already set" "$(cat "$E/conf/HELONAME")" mail.office.example

# A certificate of one's own is left alone.
cp "$D/tls/cert.pem" "$T/own.pem"; cp "$D/tls/key.pem" "$T/own.key"
echo "$T/own.pem" > "$E/conf/SMTPD_CERTFILE"; echo "$T/own.key" > "$E/conf/SMTPD_KEYFILE"
smarthost-setup -n -t "$E" > /dev/null 2>&1
is "a configured certificate is kept" "$(cat "$E/conf/SMTPD_CERTFILE"):$(md5sum < "$T/own.pem")" "$T/own.pem:$(md5sum < "$D/tls/cert.pem")"

# Every variable a program reads (getenv, env_uint, envnum_*, ...) is in
# smarthost-conf(5).
names=$(cat "$TOP"/cmd/*.c "$TOP"/lib/*.c "$TOP"/queue/*.c \
  | grep -oE '\b[a-z_0-9]*(env|getenv)[a-z_0-9]*[[:space:]]*\([[:space:]]*"[A-Z][A-Z0-9_]+"' \
  | grep -oE '"[A-Z0-9_]+"' | tr -d '"' | sort -u)
missing=
for n in $names; do grep -qw "$n" "$TOP/man/smarthost-conf.5" || missing="$missing $n"; done
ok "found the settings ($(echo $names | wc -w))" test "$(echo $names | wc -w)" -gt 30
is "each is in smarthost-conf(5)" "$missing" ""
