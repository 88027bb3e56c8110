/* stack/stk_alloc_tile.c: the default allocator of the tile-code build
 * (tessera_stack_tile, stk_alloc.h): none. On a tile an instance takes the
 * runtime's arenas, passed in by its creator (workloads/tile/stk_arena.h);
 * one created without an allocator fails instead of taking host memory. */
#include "stack/stk_alloc.h"

struct stk_alloc stk_alloc_default(void) {
    return (struct stk_alloc){NULL, NULL, NULL};
}
