#!/bin/sh
# sim/tile_cc.sh OBJCOPY OBJDUMP RENAME COMPILER ARGS...: the compiler launcher
# of tile code (sim/tile/CMakeLists.txt). Compiles, then moves every data section of the
# object into one of four sections the tile runtime maps onto the simulated
# program image (sim/tile/tile_chip.c, TILE_IMAGE_PARTS):
#   .rodata*       -> tile_rodata   (constants, strings, jump tables; never
#                                    merged by the linker, see below)
#   .data.rel.ro*  -> tile_relro    (constant tables of pointers)
#   .data*         -> tile_data
#   .bss*          -> tile_bss
# so that the simulated address of tile code's static data depends only on
# tile code, not on the simulator linked around it.
#
# With RENAME = 1 (all tile code but the helpers themselves), the calls to the
# C library's helpers (memcpy, memset, ... snprintf: $libc below), including
# those the compiler emits for struct copies, are renamed to tile_<name>,
# the instrumented helpers of sim/tile/libc/tile_libc.c, so that their work
# is charged (docs/tiles.md, "No invisible work"). The native object that
# gives the counts below is not renamed (it is not linked).
#
# It also compiles the same source once more from the same command without
# the coverage instrumentation (-fsanitize-coverage=...) and without the
# dependency-file options, counts each function's instructions in that native
# object (objdump; nop padding left out) and adds them to the instrumented
# object as the non-allocated section tile_native_counts: a line
# "F <source file>" (the object's STT_FILE name) and one "<function> <count>"
# line per function. The runtime (sim/tile/cov_sym.c, cov.c) scales each
# function's block weights to its native count.
set -eu
objcopy=$1 objdump=$2 rename=$3
shift 3
libc="memcpy memmove memset memcmp bcmp memchr strlen strcmp strncmp strncasecmp snprintf vsnprintf"
"$@"
out=
prev=
for a in "$@"; do
  [ "$prev" = "-o" ] && out=$a
  prev=$a
done
case "$out" in *.o) ;; *) exit 0 ;; esac

# The native compile: the same arguments, but for the instrumentation and the
# dependency file, into $native.
native=$out.native.o
n=$#
skip=
prev=
for a in "$@"; do
  if [ -n "$skip" ]; then
    skip=
  else
    case "$a" in
      -fsanitize-coverage=*|-MD|-MMD) ;;
      -MF|-MT|-MQ) skip=1 ;;
      *) if [ "$prev" = "-o" ]; then set -- "$@" "$native"; else set -- "$@" "$a"; fi ;;
    esac
  fi
  prev=$a
done
shift "$n"
"$@"
counts=$out.native.txt
# Per function: "<function> <count>"; with line information (-g), the
# native build's instructions per source line ("N <function> <file:line>
# <count>") and, for the instrumented build, the source line of its code from
# each offset on ("L <function> <hex offset> <file:line>").
lines='
  /^[0-9a-f]+ <.*>:$/ {
    if (fn != "") print fn, n
    fn = $2; sub(/^</, "", fn); sub(/>:$/, "", fn); n = 0; loc = "?"; last = ""; next }
  /^; .*:[0-9]+$/ { loc = $2; sub(/.*\//, "", loc); next }
  /^ *[0-9a-f]+:[ \t]/ {
    rest = $0; sub(/^ *[0-9a-f]+:[ \t]*/, "", rest); m = rest; sub(/[ \t].*/, "", m)
    if (m == "" || m ~ /^nop/ || m == "int3" || m == "data16" || m == "cs") next
    if (m ~ /^xchg/ && rest ~ /%ax, *%ax/) next
    n++
    if (mode == "native") per[fn " " loc]++
    else if (loc != last) { off = $1; sub(/:$/, "", off); print "L", fn, off, loc; last = loc }
  }
  END {
    if (fn != "") print fn, n
    for (k in per) print "N", k, per[k] }'
{
  "$objdump" -t "$native" | awk '$3 == "df" { print "F " $NF; exit }'
  "$objdump" -d -l --no-show-raw-insn "$native" | awk -v mode=native "$lines"
  "$objdump" -d -l --no-show-raw-insn "$out" | awk -v mode=tile "$lines" | awk '$1 == "L"'
} > "$counts"
rm -f "$native"
"$objcopy" --add-section tile_native_counts="$counts" "$out"
rm -f "$counts"
if [ "$rename" = 1 ]; then
  syms=
  for f in $libc; do syms="$syms --redefine-sym $f=tile_$f"; done
  # shellcheck disable=SC2086 # one word per option
  "$objcopy" $syms "$out"
fi
# Mergeable constants and strings (.rodata.str*, .rodata.cst*) lose their
# SHF_MERGE flag: linkers merge and order such sections each their own way
# (GNU ld and lld placed a string 24 bytes apart), which would make the
# simulated addresses, and so the results, depend on the linker; without it
# tile_rodata is the plain concatenation of its pieces in link order.
renames=$("$objdump" -h "$out" | awk '
  $2 ~ /^\.data\.rel\.ro/ { print "--rename-section " $2 "=tile_relro"; next }
  $2 ~ /^\.rodata\.(str|cst)/ {
    print "--rename-section " $2 "=tile_rodata,alloc,load,readonly,data,contents"; next }
  $2 ~ /^\.rodata/        { print "--rename-section " $2 "=tile_rodata"; next }
  $2 ~ /^\.data/          { print "--rename-section " $2 "=tile_data"; next }
  $2 ~ /^\.bss/           { print "--rename-section " $2 "=tile_bss"; next }')
[ -z "$renames" ] && exit 0
# shellcheck disable=SC2086 # one word per option, section names have no spaces
"$objcopy" $renames "$out"
