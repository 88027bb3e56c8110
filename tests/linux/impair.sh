#!/bin/bash
# The impairments act on real traffic (nic/host/impair.h, docs/impairments.md),
# through scripts/impair-table.sh with one case of its own:
# Usage: impair.sh TESSERA_HOST TESSERA_RELAY
#   (a) curl downloads 8 MB from tessera-host --impair
#       loss=0.02,reorder=0.1,dup=0.02 (both directions) on a TAP device in
#       a private namespace: the bytes arrive intact (the script compares
#       them), and the host's counters show frames lost, duplicated,
#       reordered and overtaken both ways;
#   (b) the same download from Debian's nginx through tessera-relay (tapA in
#       the client's namespace, tapB in nginx's, the relay's descriptors
#       kept across the move): intact, the relay's counters likewise
#       nonzero both ways.
# Exit 77 (CTest SKIP_RETURN_CODE) when the machine cannot create a
# namespace or TAP device or curl or nginx is missing; the reason is
# printed. The script talks only to addresses inside its namespaces and
# deletes them on exit.
set -u
HOST_BIN=$1
RELAY_BIN=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SPEC=loss=0.02,reorder=0.1,dup=0.02
NS=tsi$$
WORK=$(mktemp -d /tmp/tessera-impair.XXXXXX)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; cat "$WORK/table.err" "$WORK/table.out" 2>/dev/null; exit 1; }
cleanup() {
    ip netns del "$NS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
[ -c /dev/net/tun ] || skip "/dev/net/tun missing"
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed (scripts/packages/stack.txt)"; }
need ip; need curl; need nginx; need nstat; need cmp
ip netns add "$NS" 2>"$WORK/err" || skip "network namespaces are unavailable on this machine (ip netns add: $(cat "$WORK/err"))"
ip netns exec "$NS" ip tuntap add dev tap0 mode tap 2>"$WORK/err" || skip "TAP devices cannot be made in a network namespace here (ip tuntap: $(cat "$WORK/err"))"
ip netns del "$NS"

bash "$ROOT/scripts/impair-table.sh" --host "$HOST_BIN" --relay "$RELAY_BIN" \
    --case "t=$SPEC" --size 8388608 --cap 40 --seed 7 >"$WORK/table.out" 2>"$WORK/table.err" \
    || fail "scripts/impair-table.sh exited $?"
cat "$WORK/table.err" "$WORK/table.out"

# The per-run lines: "[t run 1] tessera: intact, ...; impair out: lost N dup N
# reord N overtaken N of N; in: ..." and "[t run 1] linux: ...; relay a2b: ...".
for who in tessera linux; do
    line=$(grep "^\[t run 1\] $who: " "$WORK/table.err") || fail "no line for $who"
    case $line in *"$who: intact, 8388608 bytes"*) ;; *) fail "$who: the download was not intact" ;; esac
    [ $who = tessera ] && dirs="out in" || dirs="a2b b2a"
    for d in $dirs; do
        part=$(sed -n "s/.* $d: \(lost [0-9]* dup [0-9]* reord [0-9]* overtaken [0-9]*\) of .*/\1/p" <<<"$line")
        [ -n "$part" ] || fail "$who: no counters for direction $d"
        read -r _ lost _ dup _ reord _ over <<<"$part"
        for v in "lost $lost" "duplicated $dup" "reordered $reord" "overtaken $over"; do
            set -- $v
            [ "$2" -gt 0 ] || fail "$who $d: $1 is $2: the impairment did not act"
        done
        echo "$who $d: $part"
    done
done
echo "PASS: impair"
