#!/bin/sh
# The counting behind `make walk` (tests/bench/walktrace.c and
# tests/bench/walk.py, doc/measurements.md), on a program small enough to
# count by hand: cmd/t.c's main calls lib/b.c's b_run with a callback of
# its own (cb, which calls note in the same file), b_run calls b_leaf (a
# leaf of its own file), the callback, and b_leaf again; then main calls
# lib/c.c's c_leaf. Each function once, the walk is
#   cmd/t.c  lib/b.c  cmd/t.c  lib/b.c  cmd/t.c  lib/c.c  cmd/t.c
# 3 files, 7 stays, 4 returns: the call into cb and the return from it are
# callbacks (lib/ into cmd/), the return from b_run is a module's, the
# return from c_leaf a leaf's. With leaves collapsed (b_leaf, note and
# c_leaf call nothing of ours; b_run calls through a pointer, so it is no
# leaf, nor is cb, which calls note), 5 stays and 3 returns.
. "$(dirname "$0")/lib.sh"
plan 9

S=$T/src
mkdir -p "$S/cmd" "$S/lib" "$T/trace"
cat > "$S/cmd/t.c" <<'EOF'
void b_run (void (*fn) (void));
int c_leaf (int x);
static int noted;
static void note (void) { noted++; }
static void cb (void) { note(); }
int main (void) { b_run(&cb); return c_leaf(noted) == 2 ? 0 : 1; }
EOF
cat > "$S/lib/b.c" <<'EOF'
void b_run (void (*fn) (void));
static int n;
static int b_leaf (void) { return ++n; }
void b_run (void (*fn) (void)) { b_leaf(); fn(); b_leaf(); }
EOF
cat > "$S/lib/c.c" <<'EOF'
int c_leaf (int x);
int c_leaf (int x) { return x + 1; }
EOF

ok "the program builds with the recorder" sh -c "
  cc -O2 -DWALKTRACE_DIR='\"$T/trace\"' -c -o '$T/walktrace.o' '$TOP/tests/bench/walktrace.c' &&
  cd '$S' && cc -O0 -g -finstrument-functions -no-pie -o '$T/t' cmd/t.c lib/b.c lib/c.c '$T/walktrace.o'"
ok "and runs" "$T/t"
out=$($PY "$TOP/tests/bench/walk.py" "$T/trace" 0 0 4611686018427387904 "$T/walk.txt" "$T/why.txt")
# calls, files, then stays and returns each call, each context once, each
# function once, leaves collapsed
like "the counts, raw and with leaves collapsed" "$out" '^\| t \| 7 \| 3 \| 7 \| 4 \| 7 \| 4 \| 7 \| 4 \| 5 \| 3 \|$'
like "the returns by kind: 1 leaf, 2 callback, 1 module" "$out" '^\| t \| 4 \| 1 \| 2 \| 1 \|$'
is "the walk, each function once" "$(awk '/^# t .*once$/ { p = 1; next } /^#/ { p = 0 } p { print $1 }' "$T/walk.txt" | tr '\n' ' ')" \
  "cmd/t.c lib/b.c cmd/t.c lib/b.c cmd/t.c lib/c.c cmd/t.c "
is "the walk with leaves collapsed" "$(awk '/collapsed$/ { p = 1; next } /^#/ { p = 0 } p { print $1 }' "$T/walk.txt" | tr '\n' ' ')" \
  "cmd/t.c lib/b.c cmd/t.c lib/b.c cmd/t.c "
why=$(cat "$T/why.txt")
like "the callback is named" "$why" '^ +b_run -> cb \(cmd/t\.c\)$'
like "the returns by pair of files" "$why" '^ +3  cmd/t\.c <-> lib/b\.c  \(0, 2, 1\)$'
like "the back and forth between cmd/t.c and lib/b.c" "$why" '^ +5  cmd/t\.c <-> lib/b\.c: > b_run, > cb, < cb, < b_run$'
