# tests/peers/postfix.sh: private Postfix and Dovecot instances for the
# tests against real servers (tests/053x-peers-*.t), sourced after
# tests/lib.sh and tests/peers/remote.sh.
#
# Nothing of the system's Postfix or Dovecot is read or touched (Debian's
# postfix is installed "No configuration"): each instance has its own
# config, queue and data directory under $T/NAME, listens on 127.0.0.1
# only on free ports, runs with chroot off, and is stopped at exit by
# `postfix -c DIR stop` and then by its master's PID. SASL is Dovecot's
# (as at most ISPs running Postfix): started as root with its own config
# (`dovecot -F -c CONF`, stopped by its PID), its auth processes drop to
# the package's dovecot and dovenull users, so it runs in a container
# as it does on a server.
#
#   pf_skip_reason            prints why these peers cannot run here
#                             (nothing when they can)
#   pf_begin WHAT [UPNAME]    the start of a 053x/054x test (after plan
#                             $N): every test skipped as WHAT when the
#                             peers cannot run or nothing is built; else
#                             upstream_start (its test named UPNAME) and
#                             relay_start, each a test; sets PFLOG (the
#                             upstream Postfix's log) and SLOG (the send
#                             service's)
#   lan_begin WHAT [UPNAME]   pf_begin, then lan_start on the instance
#                             (a test); sets LANLOG
#   gate                      after a failed step: the rest of the $N
#                             tests skipped, exit 1
#   dovecot_start NAME USER PASS
#                             a Dovecot that only authenticates (no IMAP or
#                             POP3): passwd-file passdb and userdb holding
#                             USER, its auth socket $T/NAME/auth-client
#                             (DOVECOT_SOCK), every request logged to
#                             $T/NAME/log (auth_debug; passwords never)
#   pf_new NAME               $T/NAME/{etc,spool,data}, a main.cf of the
#                             common settings and a master.cf of the
#                             internal services; sets PFD
#   pf_main NAME LINE...      appends LINEs to its main.cf
#   pf_master NAME LINE...    appends LINEs to its master.cf
#   pf_start NAME             postfix check, then start; waits for the
#                             master; 1 (with the errors shown) on failure
#   pf_stop NAME              stops it (also done at exit)
#   pf_log NAME               its log file ($T/NAME/maillog)
#   upstream_start            the upstream an ISP runs: a sink
#                             (tests/peers/upstream.py, $T/sink) behind
#                             a Postfix ($T/pfup) with Dovecot SASL
#                             ($T/dovecot, user UP_USER, UP_PASS):
#                             SUB_PORT   submission, STARTTLS required,
#                                        AUTH only under TLS
#                             SMTPS_PORT implicit TLS (as on port 465)
#                             ROGUE_PORT submission with a self-signed
#                                        certificate
#                             message_size_limit UP_SIZE; the recipient
#                             refused@example.net gets 550 5.1.1 (texthash map
#                             $T/pfup/etc/refused); DSN on. UP_SMTPUTF8=yes
#                             offers SMTPUTF8 (default no), and the sink
#                             then offers it too.
#                             Certificates from make_certs ($T/certs).
#   lan_start RELAYPORT       a LAN Postfix ($T/pflan) whose relayhost is
#                             127.0.0.1:RELAYPORT; mail enters it by
#                             lan_sendmail (its sendmail -C)
#   lan_sendmail ARGS...      its sendmail, the message on stdin
#   relay_start               a smarthost instance made by smarthost-setup
#                             in $T/inst (D), run by s6-svscan, its smtpd
#                             on RELAY_PORT, its upstream the submission
#                             port above with the test CA and UP_USER
#   relay_restart             s6-svc -r of the send service
#   sink_count                messages the sink has stored
#   wait_sink N               waits (60 s at most) until it holds N

PF_NAMES=
UP_USER=relay@example.org
UP_PASS='dovecot secret 1'
UP_SIZE=40000

pf_skip_reason()
{
  [ "$(id -u)" = 0 ] || { echo "needs root (Postfix's master and Dovecot start as root)"; return; }
  for p in postfix postconf dovecot; do
    PATH=$PATH:/usr/sbin:/sbin command -v $p >/dev/null || { echo "$p is not installed (make deps-check)"; return; }
  done
  getent passwd postfix >/dev/null || { echo "no postfix user"; return; }
  getent group postdrop >/dev/null || { echo "no postdrop group"; return; }
  getent passwd dovenull >/dev/null || { echo "no dovenull user"; return; }
  [ -f /etc/postfix/master.cf.proto ] || echo "no /etc/postfix/master.cf.proto"
}
PATH=$PATH:/usr/sbin:/sbin

_pf_skip_rest() { while [ "$_tap_n" -lt "$N" ]; do skip "$PF_WHAT" "$1"; done; }

gate()
{
  [ "$_tap_failed" = 0 ] && return 0
  _pf_skip_rest "an earlier step failed"
  exit 1
}

pf_begin()
{
  PF_WHAT=$1
  reason=$(pf_skip_reason)
  [ -n "$reason" ] || [ -x "$BUILD/smarthost-setup" ] || reason="not built"
  [ -n "$reason" ] && { _pf_skip_rest "$reason"; exit 0; }
  chmod 755 "$T"
  ok "${2:-upstream Postfix with Dovecot SASL} starts" upstream_start
  gate
  ok "smarthost instance starts" relay_start
  gate
  PFLOG=$(pf_log pfup)
  SLOG=$D/log/send/current
}

lan_begin()
{
  pf_begin "$@"
  ok "LAN Postfix starts, relayhost smarthost" lan_start "$RELAY_PORT"
  gate
  LANLOG=$(pf_log pflan)
}

dovecot_start()
{
  dd=$T/$1
  mkdir -p "$dd/run" "$dd/state"
  chmod 755 "$dd"
  printf '%s:{PLAIN}%s:::::\n' "$2" "$3" > "$dd/passwd"
  chown dovecot "$dd/passwd"; chmod 600 "$dd/passwd"
  cat > "$dd/dovecot.conf" <<EOF
protocols =
base_dir = $dd/run
state_dir = $dd/state
log_path = $dd/log
info_log_path = $dd/log
ssl = no
auth_mechanisms = plain login
auth_verbose = yes
auth_debug = yes
auth_debug_passwords = no
disable_plaintext_auth = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dd/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $dd/passwd
}
service auth {
  unix_listener $dd/auth-client {
    mode = 0666
  }
}
service anvil {
  chroot =
}
EOF
  DOVECOT_SOCK=$dd/auth-client
  spawn dovecot -F -c "$dd/dovecot.conf" 2>> "$dd/stderr"
  wait_for 10 test -S "$DOVECOT_SOCK" || { echo "# dovecot did not start:"; sed 's/^/# /' "$dd/stderr" "$dd/log" 2>/dev/null | tail -20; return 1; }
}

pf_new()
{
  PFD=$T/$1
  rm -rf "$PFD"
  mkdir -p "$PFD/etc" "$PFD/spool" "$PFD/data"
  chmod 755 "$PFD"
  chown postfix "$PFD/data"
  cat > "$PFD/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PFD/spool
data_directory = $PFD/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $1.test.invalid
mydomain = test.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_host_lookup = native
smtpd_peername_lookup = no
alias_maps =
alias_database =
local_recipient_maps =
biff = no
maillog_file = $PFD/maillog
maillog_file_prefixes = $PFD
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
EOF
  # The stock internal services, chroot off (the instance lives under $T);
  # the test adds its listeners.
  sed -n '/^pickup/,/^postlog/p' /etc/postfix/master.cf.proto \
    | awk '/^[a-z]/ && NF >= 8 { $5 = "n" } { print }' > "$PFD/etc/master.cf"
  PF_NAMES="$PF_NAMES $1"
}

pf_main() { _n=$1; shift; printf '%s\n' "$@" >> "$T/$_n/etc/main.cf"; }
pf_master() { _n=$1; shift; printf '%s\n' "$@" >> "$T/$_n/etc/master.cf"; }
pf_log() { echo "$T/$1/maillog"; }

pf_start()
{
  _d=$T/$1
  if ! postfix -c "$_d/etc" check > "$_d/start.log" 2>&1 ||
     ! postfix -c "$_d/etc" start >> "$_d/start.log" 2>&1 ||
     ! wait_for 10 test -s "$_d/spool/pid/master.pid"; then
    echo "# postfix $1 did not start:"; sed 's/^/# /' "$_d/start.log" "$_d/maillog" 2>/dev/null | tail -20
    return 1
  fi
  # postfix check warns about what it would change; show it, never hide it
  grep -v 'starting the Postfix mail system' "$_d/start.log" | sed 's/^/# /'
  return 0
}

pf_stop()
{
  _d=$T/$1
  [ -d "$_d/etc" ] || return 0
  _p=$(tr -dc 0-9 < "$_d/spool/pid/master.pid" 2>/dev/null)
  postfix -c "$_d/etc" stop >/dev/null 2>&1
  [ -n "$_p" ] || return 0
  i=0; while kill -0 "$_p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
  kill -9 "$_p" 2>/dev/null
  return 0
}

_pf_cleanup() { for n in $PF_NAMES; do pf_stop "$n"; done; }
trap '_pf_cleanup; _tap_cleanup' EXIT

upstream_start()
{
  make_certs || return 1
  start_upstream sink $([ "${UP_SMTPUTF8:-}" = yes ] && echo --smtputf8) || return 1
  SINK_PORT=$PORT
  dovecot_start dovecot "$UP_USER" "$UP_PASS" || return 1
  SUB_PORT=$(free_port); SMTPS_PORT=$(free_port); ROGUE_PORT=$(free_port)
  pf_new pfup
  printf 'refused@example.net 550 5.1.1 <refused@example.net>: no such user here\n' > "$PFD/etc/refused"
  c=$T/certs
  pf_main pfup \
    "relayhost = [127.0.0.1]:$SINK_PORT" \
    "smtp_tls_security_level = none" \
    "local_header_rewrite_clients =" \
    "disable_mime_output_conversion = yes" \
    "smtputf8_enable = ${UP_SMTPUTF8:-no}" \
    "message_size_limit = $UP_SIZE" \
    "smtpd_tls_cert_file = $c/server.pem" \
    "smtpd_tls_key_file = $c/server.key" \
    "smtpd_tls_security_level = encrypt" \
    "smtpd_tls_auth_only = yes" \
    "smtpd_tls_loglevel = 1" \
    "smtpd_sasl_auth_enable = yes" \
    "smtpd_sasl_type = dovecot" \
    "smtpd_sasl_path = $DOVECOT_SOCK" \
    "smtpd_sasl_security_options = noanonymous" \
    "smtpd_relay_restrictions = permit_sasl_authenticated, reject" \
    "smtpd_recipient_restrictions = check_recipient_access texthash:$PFD/etc/refused, permit_sasl_authenticated, reject"
  pf_master pfup \
    "127.0.0.1:$SUB_PORT inet n - n - - smtpd -o syslog_name=postfix/submission" \
    "127.0.0.1:$SMTPS_PORT inet n - n - - smtpd -o syslog_name=postfix/smtps -o smtpd_tls_wrappermode=yes" \
    "127.0.0.1:$ROGUE_PORT inet n - n - - smtpd -o syslog_name=postfix/rogue -o smtpd_tls_cert_file=$c/rogue.pem -o smtpd_tls_key_file=$c/rogue.key"
  pf_start pfup || return 1
  wait_port "$SUB_PORT" && wait_port "$SMTPS_PORT" && wait_port "$ROGUE_PORT"
}

lan_start()
{
  pf_new pflan
  pf_main pflan \
    "relayhost = [127.0.0.1]:$1" \
    "smtp_tls_security_level = may" \
    "smtp_tls_CAfile = $T/certs/ca.pem"
  pf_start pflan
}

lan_sendmail() { sendmail -C "$T/pflan/etc" "$@"; }

relay_start()
{
  test_instance || { sed 's/^/# /' "$T/setup.err"; return 1; }
  RELAY_PORT=$sport
  conf_set HELONAME relay.test
  conf_set RETRY 1
  conf_set UPSTREAM "localhost:$SUB_PORT"
  conf_set UPSTREAM_CAFILE "$T/certs/ca.pem"
  conf_set UPSTREAM_USER "$UP_USER"
  conf_set UPSTREAM_PASSFILE "$D/secret/upstream"
  instance_secret upstream "$UP_PASS"
  start_instance
  wait_port "$RELAY_PORT"
}

relay_restart() { s6-svc -r "$D/service/send"; }

sink_count() { ls "$T/sink" | grep -c '\.env$'; }
wait_sink() { wait_for 60 sh -c "[ \$(ls '$T/sink' | grep -c '\\.env\$') -ge $1 ]"; }
