/* sim/tile/tile_fault.h: recording the faults of tile code and cutting a
 * handler short.
 *
 * What it does: tile_fault_record() counts a fault (per kind and per tile),
 * keeps its record (tile, time, address, region, access, code location, what)
 * in the chip's list (the first 100000) and applies
 * chip.protection.on_fault: abort the run (sim_engine_stop, chip_aborted()),
 * stop the handler, or log and go on (budget faults always stop it).
 * tile_fault_cut_short() leaves the running handler for good by abandoning
 * its coroutine (a switch back to the executor, never a longjmp). Code
 * locations and instrumented functions are named from the program's symbol
 * table (sim/tile/cov_sym.h: static functions too).
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). The chip owns the fault
 * list (grown by doubling, freed by chip_destroy).
 * Cost: a symbol look-up and a few snprintf per fault; nothing otherwise.
 */
#ifndef TESSERA_SIM_TILE_TILE_FAULT_H
#define TESSERA_SIM_TILE_TILE_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/tile/tile_state.h"

/* Records a fault at the tile's current point. `access` is COV_READ /
 * COV_WRITE or 0, `pc` the code location (0: a runtime call). Returns true if
 * the handler must be cut short. */
bool tile_fault_record(struct tile *t, enum tile_fault_kind kind, uint64_t pa, const char *region,
                       unsigned access, uintptr_t pc, const char *what);
/* Leave the running handler: back to the executor, never into the handler
 * again. */
_Noreturn void tile_fault_cut_short(struct tile *t);
/* Name of instrumented function fi, or fn#<fi> when it has no symbol. */
void tile_fault_function_name(size_t fi, char *out, size_t len);

#endif
