# tests/peers/remote.sh: helpers for the tests of smarthost-remote, sourced
# after tests/lib.sh.
#
#   make_certs                 in $T/certs: ca.pem (a test CA); server.pem
#                              and server.key for "localhost" signed by it;
#                              wrong.pem/.key for "other.example" signed by it;
#                              rogue.pem/.key for "localhost", self-signed
#   start_upstream NAME ARGS   tests/peers/upstream.py on a free port,
#                              storing into $T/NAME; sets PORT
#   start_bad_tls_upstreams    three upstreams taking AUTH u/pw that a
#                              verifying client must not use: WRONG (a
#                              certificate for another name), ROGUE (self-
#                              signed), CLEAR (no TLS); their ports
#   upstream_on PORT ARGS      tests/peers/upstream.py on PORT, storing into
#                              $T/up, its output in $T/up.out: a fixed port,
#                              for a test that stops and starts it again
#                              under a sender that keeps its UPSTREAM; sets
#                              UP_PID
#   stop_upstream              stops it (UP_PID) and waits for it
#   start_scripted NAME ARGS   tests/peers/scripted.py playing $T/NAME.script,
#                              logging to $T/NAME.log, status in
#                              $T/NAME.status; sets PORT
#   scripted_done NAME         waits (10 s at most) for the script's end
#   make_msg FILE SENDER RCPT... < BODY   a message file in the spool format

make_certs()
{
  (
    mkdir -p "$T/certs" && cd "$T/certs" || exit 1
    ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
    openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj '/CN=smarthost test CA' \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null || exit 1
    for c in server:localhost wrong:other.example; do
      n=${c%%:*}; h=${c#*:}
      openssl req $ec -keyout $n.key -out $n.csr -subj "/CN=$h" 2>/dev/null || exit 1
      printf 'subjectAltName=DNS:%s\n' "$h" > $n.ext
      openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile $n.ext -out $n.pem 2>/dev/null || exit 1
    done
    openssl req -x509 $ec -keyout rogue.key -out rogue.pem -days 2 -subj /CN=localhost \
      -addext subjectAltName=DNS:localhost 2>/dev/null
  )
}

_start_peer()
{
  name=$1; shift
  PORT=$(free_port)
  spawn "$@" --port "$PORT" > "$T/$name.out" 2> "$T/$name.err"
  wait_for 10 grep -q ready "$T/$name.out" || { echo "# $name did not start:"; sed 's/^/# /' "$T/$name.err"; }
}

start_upstream()
{
  name=$1; shift
  mkdir -p "$T/$name"
  _start_peer "$name" $PY "$TOP/tests/peers/upstream.py" --dir "$T/$name" "$@"
}

start_bad_tls_upstreams()
{
  start_upstream wrong --cert "$T/certs/wrong.pem" --key "$T/certs/wrong.key" --auth-user u --auth-pass pw
  WRONG=$PORT
  start_upstream rogue --cert "$T/certs/rogue.pem" --key "$T/certs/rogue.key" --auth-user u --auth-pass pw
  ROGUE=$PORT
  start_upstream clear --auth-user u --auth-pass pw
  CLEAR=$PORT
}

upstream_on()
{
  _uo_port=$1; shift
  mkdir -p "$T/up"
  : > "$T/up.out"
  spawn $PY "$TOP/tests/peers/upstream.py" --dir "$T/up" --port "$_uo_port" "$@" > "$T/up.out" 2>>"$T/up.err"
  UP_PID=$SPAWNED
  wait_for 10 grep -q ready "$T/up.out"
}

stop_upstream() { kill "$UP_PID"; wait "$UP_PID" 2>/dev/null; }

start_scripted()
{
  name=$1; shift
  rm -f "$T/$name.log" "$T/$name.status"
  _start_peer "$name" $PY "$TOP/tests/peers/scripted.py" --script "$T/$name.script" \
    --log "$T/$name.log" --status "$T/$name.status" "$@"
}

scripted_done()
{
  wait_for 10 test -e "$T/$1.status"
  cat "$T/$1.status" 2>/dev/null
}

make_msg()
{
  f=$1; s=$2; shift 2
  {
    printf 'F %s\n' "$s"
    for r in "$@"; do printf 'T %s\n' "$r"; done
    printf '\n'
    cat
  } > "$f"
}
