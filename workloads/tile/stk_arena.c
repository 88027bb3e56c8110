/* workloads/tile/stk_arena.c: the runtime's arenas as a struct stk_alloc
 * (stk_arena.h). */
#include "workloads/tile/stk_arena.h"

#include <string.h>

/* Blocks the arena had handed out before are cleared here (tile code: the
 * stores are charged); fresh ones are zero already (stk_alloc promises
 * calloc's zeroed memory; like calloc on fresh pages, no clearing). */
static void *private_alloc(void *ctx, size_t size) {
    bool fresh;
    void *p = tile_alloc_fresh(ctx, size, &fresh);
    if (p && !fresh) memset(p, 0, size);
    return p;
}
static void private_free(void *ctx, void *p) { tile_free(ctx, p); }

static void *proc_alloc(void *ctx, size_t size) {
    bool fresh;
    void *p = tile_proc_alloc_fresh(ctx, size, &fresh);
    if (p && !fresh) memset(p, 0, size);
    return p;
}
static void proc_free(void *ctx, void *p) { tile_proc_free(ctx, p); }

struct stk_alloc stk_arena_private(struct tile *t) {
    return (struct stk_alloc){private_alloc, private_free, t};
}
struct stk_alloc stk_arena_proc(struct tile *t) {
    return (struct stk_alloc){proc_alloc, proc_free, t};
}
