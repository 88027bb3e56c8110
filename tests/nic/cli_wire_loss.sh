#!/bin/sh
# tests/nic/cli_wire_loss.sh TESSERA NIC_ECHO_YAML: `tessera run` of nic-echo
# with nic.impair.loss=0.1 set on the command line. The generator's cable
# loses frames both ways; the stats count them at both ports and among the
# run's drop causes, and no frame is unaccounted.
set -eu
tessera=$1
yaml=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tessera" run "$yaml" --set nic.impair.loss=0.1 --set nic.echo.frames=20000 -o "$dir" --quiet
m="$dir/metrics.tsv"
v() { awk -F'\t' -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "missing" }' "$m"; }
gen=$(v stats.frames.generated)
echoed=$(v stats.frames.echoed)
dropped=$(v stats.frames.dropped)
unaccounted=$(v stats.frames.unaccounted)
wire=$(v stats.drops.wire_loss)
to=$(v stats.ports.gen.drops.wire_loss)
back=$(v stats.ports.chip0.p0.drops.wire_loss)
echo "generated $gen echoed $echoed dropped $dropped unaccounted $unaccounted" \
  "wire_loss $wire (gen $to, chip0.p0 $back)"
fail() { echo "FAIL: $*"; exit 1; }
[ "$unaccounted" = 0 ] || fail "unaccounted $unaccounted, expected 0"
[ "$to" != missing ] && [ "$to" -gt 0 ] || fail "no frame lost from gen"
[ "$back" != missing ] && [ "$back" -gt 0 ] || fail "no echo lost from chip0.p0"
[ "$wire" != missing ] && [ "$wire" -eq $((to + back)) ] || fail "drops.wire_loss $wire != $to + $back"
[ "$dropped" -ge "$wire" ] || fail "dropped $dropped < wire_loss $wire"
[ $((echoed + dropped)) -eq "$gen" ] || fail "echoed + dropped != generated"
echo ok
