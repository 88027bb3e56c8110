/* sim/tile/tile_access.h: tile code's memory accesses: translation,
 * protection, the cache model, copies and arenas.
 *
 * What it does: the coverage hooks' slow path (sim/tile/cov.h) lands here for
 * every access the inline fast path cannot settle: the host address is
 * translated to a region and a simulated address (the tile's stack, the
 * regions of the memory map, the program image), checked against the tile's
 * rights when chip.protection.mode is protected (a fault otherwise, see
 * tile_fault.h), remembered in the tile's translation cache (sim/tile/cov.h), and
 * timed by the cache model (cache_access); the cycles beyond an L1 hit stall
 * the tile. The same hook takes the handler budget and the profile samples
 * (per-function instruction counts). Also: tile_copy and the arenas of
 * tile_api.h (with the process heaps, chip_proc_heap) and chip_dma_write.
 *
 * The hot path (slow hook -> translation -> one access -> cache_access) stays
 * inside tile_access.c so that the compiler can inline it: keep it there.
 *
 * Internal to the tile runtime (sim/tile/tile_*.c). Owns no memory: regions
 * belong to the chip's memory map, blocks to their arenas.
 * Cost: one region lookup on a translation-cache miss, one cache_access per
 * access; tile_copy two accesses per line.
 */
#ifndef TESSERA_SIM_TILE_TILE_ACCESS_H
#define TESSERA_SIM_TILE_TILE_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/tile/tile_state.h"

/* Set up tile t's coverage context: its hooks, cache port and L1. */
void tile_access_tile_init(struct tile *t);
/* One access by tile code (or the runtime on its behalf) of host address a;
 * extra_atomic adds chip.l3.atomic_cycles. May cut the handler short. */
void tile_access_one(struct tile *t, uintptr_t a, unsigned kind, uintptr_t pc, bool extra_atomic);

#endif
