#!/usr/bin/env python3
"""tests/tile/check_tile_sections.py: tile code's data lies where the tile
runtime maps it, and its layout does not depend on the linker.

Usage: check_tile_sections.py READELF OBJS
  OBJS: the objects of every target recorded by tessera_tile_code(),
  colon-separated.

sim/tile/tile_cc.sh moves every data section of a tile-code object into
tile_rodata, tile_relro, tile_data or tile_bss (the simulated program
image). Refused, naming the object and the section:
  - a section still named .rodata*, .data* or .bss* (data the image would
    not hold: its simulated address would depend on the simulator);
  - a tile_* section with the "mergeable" flag (M): GNU ld and lld merge
    and order such sections differently, so simulated addresses, and the
    results, would depend on the linker (docs/architecture.md, "Builds").
Exit 1 if anything is refused.
"""
import re
import subprocess
import sys


def sections(readelf, obj):
    """(name, flags) of every section of obj."""
    out = subprocess.run([readelf, "-S", "-W", obj], check=True, capture_output=True,
                         text=True).stdout
    rows = []
    for line in out.splitlines():
        # [Nr] Name Type Address Off Size ES Flg Lk Inf Al (Flg may be empty)
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+"
                     r"[0-9a-f]+\s+([A-Za-z]*)\s+\d+\s+\d+\s+\d+\s*$", line)
        if m:
            rows.append((m.group(1), m.group(2)))
    return rows


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    readelf, objs = sys.argv[1:]
    objs = [o for o in objs.split(":") if o]
    if not objs:
        print("no tile-code objects given", file=sys.stderr)
        return 2
    problems = images = 0
    for o in objs:
        rows = sections(readelf, o)
        if not rows:
            print(f"{o}: {readelf} listed no sections")
            problems += 1
        for name, flags in rows:
            if re.match(r"^\.(rodata|data|bss)(\.|$)", name):
                print(f"{o}: section {name} was not moved into the program image "
                      "(sim/tile/tile_cc.sh)")
                problems += 1
            elif name.startswith("tile_") and name != "tile_native_counts":
                images += 1
                if "M" in flags:
                    print(f"{o}: section {name} is mergeable (flags {flags}): its layout "
                          "would depend on the linker")
                    problems += 1
    print(f"{len(objs)} tile-code objects, {images} image sections, {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
