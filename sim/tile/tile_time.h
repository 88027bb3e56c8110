/* sim/tile/tile_time.h: a tile's clock and profile labels, and waking a tile.
 *
 * What it does: the cycles a running handler has consumed (instructions x cpi
 * + load-use stalls + memory stalls + explicit charges), the simulated time
 * of the handler's current point (tile_now() and friends of tile_api.h), the
 * tile's identity getters, the profile labels (cycles split by label) and
 * tile_wake(), which schedules the tile's next run through the event the
 * chip installed (struct chip.run), so that this module needs nothing of the
 * executor above it.
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). Owns no memory.
 * Cost: a few multiplications per call; tile_wake schedules one event.
 */
#ifndef TESSERA_SIM_TILE_TILE_TIME_H
#define TESSERA_SIM_TILE_TILE_TIME_H

#include <stdint.h>

#include "sim/tile/tile_state.h"

/* Close the running label's span at the current point (charges the cycles
 * since the last mark to it). */
void tile_time_label_flush(struct tile *t);
/* Add `cycles` of a runtime label (lock wait, driver call) at the current
 * point. */
void tile_time_charge_label(struct tile *t, enum tile_label l, uint64_t cycles);
/* tile_now() as a cache_now_fn (the cache model asks it for DRAM queueing). */
sim_time_t tile_time_now_of(void *tile);
/* An idle tile that is not stalled runs at `when` or when it is no longer
 * busy, whichever is later (never before the engine's now). */
void tile_wake(struct tile *t, sim_time_t when);

#endif
