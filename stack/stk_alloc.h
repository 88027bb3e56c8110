/* stack/stk_alloc.h: the allocator an instance takes its memory from
 * (struct stk_alloc, stk_defs.h): the default, and the helpers the stack,
 * the socket layer and the servers allocate with.
 *
 * Two builds, two defaults: the native library (tessera_stack) defines
 * stk_alloc_default() as the C library's calloc/free (stk_alloc.c); the
 * tile-code build (tessera_stack_tile) as no allocator at all
 * (stk_alloc_tile.c), so tile code that passes none fails to create its
 * instance with a message instead of taking host memory that no region
 * covers (docs/tiles.md, "No invisible work"). Tile code passes the
 * runtime's arenas (workloads/tile/stk_arena.h).
 *
 * Contract: every helper takes a resolved allocator (stk_alloc_or_default);
 * memory comes back zeroed; sizes that overflow return NULL.
 */
#ifndef TESSERA_STACK_STK_ALLOC_H
#define TESSERA_STACK_STK_ALLOC_H

#include <stdint.h>
#include <string.h>

#include "stack/stk_defs.h"

/* calloc/free (native builds only). */
struct stk_alloc stk_alloc_libc(void);
/* Natively stk_alloc_libc(); in the tile-code build a zeroed struct (none). */
struct stk_alloc stk_alloc_default(void);

/* a, or the default when a is NULL or has no alloc function. */
static inline struct stk_alloc stk_alloc_or_default(const struct stk_alloc *a) {
    return a && a->alloc ? *a : stk_alloc_default();
}
static inline bool stk_alloc_ok(const struct stk_alloc *a) { return a->alloc && a->free; }

static inline void *stk_mem_alloc(const struct stk_alloc *a, size_t size) {
    return a->alloc && size ? a->alloc(a->ctx, size) : NULL;
}
/* n elements of `size` bytes, zeroed. */
static inline void *stk_mem_array(const struct stk_alloc *a, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
    return stk_mem_alloc(a, n * size);
}
static inline void stk_mem_free(const struct stk_alloc *a, void *p) {
    if (p && a->free) a->free(a->ctx, p);
}
/* realloc for a block of `old` bytes (old <= size): a new block of `size`
 * bytes (the part past `old` zeroed), the old one copied and freed; NULL
 * (the old block kept) when out of memory. */
static inline void *stk_mem_grow(const struct stk_alloc *a, void *p, size_t old, size_t size) {
    void *m = stk_mem_alloc(a, size);
    if (!m) return NULL;
    if (p && old) memcpy(m, p, old < size ? old : size);
    stk_mem_free(a, p);
    return m;
}

#endif
