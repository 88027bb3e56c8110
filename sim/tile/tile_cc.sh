#!/bin/sh
# sim/tile_cc.sh OBJCOPY OBJDUMP COMPILER ARGS...: the compiler launcher of
# tile code (sim/tiles.cmake). Compiles, then moves every data section of the
# object into one of four sections the tile runtime maps onto the simulated
# program image (sim/tile/tile_chip.c, TILE_IMAGE_PARTS):
#   .rodata*       -> tile_rodata   (constants, strings, jump tables)
#   .data.rel.ro*  -> tile_relro    (constant tables of pointers)
#   .data*         -> tile_data
#   .bss*          -> tile_bss
# so that the simulated address of tile code's static data depends only on
# tile code, not on the simulator linked around it.
set -eu
objcopy=$1 objdump=$2
shift 2
"$@"
out=
prev=
for a in "$@"; do
  [ "$prev" = "-o" ] && out=$a
  prev=$a
done
case "$out" in *.o) ;; *) exit 0 ;; esac
renames=$("$objdump" -h "$out" | awk '
  $2 ~ /^\.data\.rel\.ro/ { print "--rename-section " $2 "=tile_relro"; next }
  $2 ~ /^\.rodata/        { print "--rename-section " $2 "=tile_rodata"; next }
  $2 ~ /^\.data/          { print "--rename-section " $2 "=tile_data"; next }
  $2 ~ /^\.bss/           { print "--rename-section " $2 "=tile_bss"; next }')
[ -z "$renames" ] && exit 0
# shellcheck disable=SC2086 # one word per option, section names have no spaces
"$objcopy" $renames "$out"
