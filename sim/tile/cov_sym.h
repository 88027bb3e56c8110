/* sim/tile/cov_sym.h: what the program's own ELF file says about its code:
 * function names (static functions included) and the native instruction
 * counts that the tile-code build embeds.
 *
 * What it does: on first use, opens /proc/self/exe with libelf (Debian's
 * libelf-dev) and reads
 *  - the symbol table (.symtab, else .dynsym): every defined function
 *    symbol, local or global, with its run-time address (plus the load bias
 *    of a position-independent executable), size and name; a local symbol
 *    also keeps the source file (the STT_FILE symbol before it);
 *  - the section `tile_native_counts`, which sim/tile/tile_cc.sh adds to
 *    every tile-code object: for each function of the object, the number of
 *    instructions (nop padding left out) of the same function compiled from
 *    the same command without the coverage instrumentation. Records are text
 *    lines: "F <source file>" then "<function> <count>" per function.
 *    With line information it also holds "N <function> <file:line> <count>"
 *    (the native build's instructions per source line) and "L <function>
 *    <hex offset> <file:line>" (the instrumented build's line from each
 *    offset of the function on).
 * cov_sym_native_count() and cov_sym_lines() find a function's records by
 * name (and by source file for a static function).
 *
 * Memory: the tables are process-wide, built once (thread-safe) and never
 * freed. Without a readable ELF file (or without a symbol table) every
 * look-up fails; callers fall back (fn#N names, no correction).
 * Cost: reading the file once (milliseconds); a look-up is a binary search
 * (names) or a hash-free linear scan of the records (once per function at
 * start-up).
 */
#ifndef TESSERA_SIM_TILE_COV_SYM_H
#define TESSERA_SIM_TILE_COV_SYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The function holding pc: its name (valid for the process's lifetime) and
 * entry address. False if no function symbol covers pc. */
bool cov_sym_lookup(uintptr_t pc, const char **name, uintptr_t *start);
/* The size in bytes of the function starting at entry (its symbol's), or 0
 * if unknown. */
uint64_t cov_sym_size(uintptr_t entry);
/* The native instruction count of the function starting at entry (a
 * tile-code function), as embedded by tile_cc.sh; -1 if unknown. */
long cov_sym_native_count(uintptr_t entry);

/* Source lines of a tile-code function (built with -g): `count` of the
 * native build's instructions on line `loc` ("file.c:123"), or, for the
 * instrumented build, the line of its code from offset `off` (from the
 * function's entry) on, by increasing offset. */
struct cov_sym_line {
    const char *loc;
    uint32_t off;
    long count;
};
/* The function starting at entry: its native lines (*native, *nnative) and
 * its instrumented code's lines (*tile, *ntile); false if either is missing.
 * Valid for the process's lifetime. */
bool cov_sym_lines(uintptr_t entry, const struct cov_sym_line **native, size_t *nnative,
                   const struct cov_sym_line **tile, size_t *ntile);

#endif
