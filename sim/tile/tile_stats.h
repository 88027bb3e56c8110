/* sim/tile/tile_stats.h: the tile runtime's results: the stats object
 * (tiles, caches, faults), the per-tile label profile and the sampled
 * per-function profile as CSV tables.
 *
 * What it does: chip_write_stats, chip_write_profile_csv and
 * chip_write_function_csv of tile.h; for each tile the ten functions with
 * the most instructions (sampled, or exact with chip.tile.profile: exact).
 * Function names come from the symbol table (tile_fault.h), fn#<index>
 * without one.
 *
 * Internal to the tile runtime: this header declares nothing; the functions
 * are those of tile.h. Owns no memory; the caller owns the writer and files.
 * Cost: at the end of a run only; O(tiles x functions) for the top ten.
 */
#ifndef TESSERA_SIM_TILE_TILE_STATS_H
#define TESSERA_SIM_TILE_TILE_STATS_H

#include "sim/tile/tile.h"

#endif
