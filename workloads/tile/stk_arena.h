/* workloads/tile/stk_arena.h: the tile runtime's arenas as the allocator of
 * the stack, the socket layer and the servers (struct stk_alloc,
 * stack/stk_defs.h), for instances created by tile code (tile code,
 * instrumented).
 *
 * What it does: alloc takes a block from the tile's private arena
 * (tile_alloc) or its process's heap (tile_proc_alloc) and zeroes it with
 * memset (tile code: charged as the stores it is); free returns it. So an
 * instance's state lies in simulated memory: its loads and stores go through
 * the caches and are checked against the regions in protected mode.
 *
 * Contract: the allocator's ctx is the tile; the struct tile it names must
 * outlive every instance created with it. Private memory is the tile's own
 * (other tiles of the process cannot touch it); the process heap is shared
 * by the process's tiles (network tiles may read it for zero-copy sends).
 * Cost: the runtime's chip.tile.alloc_cycles per alloc inside a handler,
 * plus the zeroing. Left out: nothing is returned to the arena's size
 * classes beyond what tile_free does (power-of-two blocks).
 */
#ifndef TESSERA_WORKLOADS_TILE_STK_ARENA_H
#define TESSERA_WORKLOADS_TILE_STK_ARENA_H

#include "sim/tile/tile_api.h"
#include "stack/stk_defs.h"

/* The tile's private arena (tile_alloc / tile_free). */
struct stk_alloc stk_arena_private(struct tile *t);
/* Its process's heap (tile_proc_alloc / tile_proc_free). */
struct stk_alloc stk_arena_proc(struct tile *t);

#endif
