#!/bin/sh
# Invariants of smarthost-send over random envelopes (duplicates, case
# variants, 0 to thousands of recipients, 8-bit addresses), random
# per-recipient replies (250, 451, 550, 554 at the dot) and SIGKILLs:
# it never dies on its own, every recipient ends delivered or bounced
# exactly once (at least once around a kill), nothing goes elsewhere.
# The seed is printed; SEED=N reruns one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/send-lib.sh"
plan 2

seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# seed $seed"
if [ "$QUICK" = 1 ]; then rounds=6 max=300; else rounds=25 max=3000; fi
FAKE_SEED=$seed; export FAKE_SEED
$PY "$TOP/tests/peers/send-invariants.py" "$seed" "$rounds" "$max" > "$T/inv.out" 2>&1
r=$?
sed 's/^/# /' "$T/inv.out"
is "every recipient delivered or bounced once, smarthost-send alive (seed $seed)" "$r:$(tail -1 "$T/inv.out")" "0:ok"
# an injector cut off by a kill while it queued a bounce may say fatal;
# smarthost-send itself never may
grep -a fatal "$T/log" | head -5 | sed 's/^/# /'
unlike "no fatal error of smarthost-send in its log" "$(cat "$T/log")" 'smarthost-send: fatal'
