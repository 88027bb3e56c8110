/* sim/tile/cov.h: the cost model's sanitizer-coverage hooks and block weights.
 *
 * What it does: tile code (stack/, workloads/, workloads/calib/) is compiled
 * with -fsanitize-coverage=trace-pc-guard,pc-table,no-prune,trace-loads,
 * trace-stores; this file (simulator code, never instrumented) defines the
 * hooks the compiler calls.
 *  - At start-up, __sanitizer_cov_trace_pc_guard_init and
 *    __sanitizer_cov_pcs_init hand over the guard array and the PC table
 *    (one entry per basic block, same order). cov_weights_compute() decodes
 *    each instrumented function from its entry to its end (its symbol's
 *    size; sim/tile/cov_sym.h) with an x86-64 length decoder
 *    (sim/tile/cov_x86.h) and follows the control flow from each block's
 *    pc until it reaches another block: the block's weight is the
 *    instructions one execution runs on the way, minus nop padding and the
 *    instrumentation's own (each call to a hook and the instruction before
 *    it that loads the hook's argument into %rdi). Code without a guard
 *    that code generation added (the two ways of a division by a divisor
 *    that may or may not fit 32 bits, a condition `a && b` split into two
 *    branches, a tail several blocks jump to) is charged to every block
 *    that reaches it, each way of a conditional branch half of the time.
 *    A function whose extent is unknown falls back to each block's code
 *    [pc, next block pc) up to a ret, ud2 or jmp; blocks the decoder cannot
 *    walk fall back to (bytes - 12 per hook call) / 4 and are counted in
 *    cov_stats().
 *  - The instrumentation inflates the code it measures (spills around the
 *    hook calls, addresses kept live for them, read-modify-write
 *    instructions split into load/op/store). Each counted instruction is
 *    therefore charged what the same source compiled without
 *    instrumentation spends (tile_cc.sh embeds those counts, sim/tile/
 *    cov_sym.h reads them): on its source line, native(L) /
 *    instrumented(L); without line information, the function's native /
 *    instrumented instructions. The charged weight is written into the
 *    block's guard in 1/COV_INSTR_ONE instructions (a block's native share is
 *    rarely a whole number: rounded to whole instructions, a short loop's
 *    charge per iteration was up to half an instruction per block off), so
 *    the guard hook is one add.
 *  - Each executed block adds its weight to the current context's `instr`
 *    (1/COV_INSTR_ONE instructions; cov_instr() gives whole ones).
 *    Each load and store goes to the current context's memory model: a
 *    translation cache direct mapped by host page (region bounds, rights
 *    and fixed home; the slow path fills it) gives the simulated address; an
 *    L1 set lookup (sim/cache.h layout) is the fast path, and
 *    a translated access that is not an L1 hit goes straight to
 *    cache_access() from the hook. Only a translation miss calls the
 *    context's `slow` function (the tile's region lookup and protection
 *    check, then the cache model). Every access is counted at exactly one
 *    level, so the levels' counts add up to loads + stores.
 *  - When no tile runs, the current context is a null context that only
 *    counts calls (an engine-only run must leave its counters at zero): its
 *    instruction limit is 0, so every block lands in its limit function,
 *    which counts it (tile contexts do not count blocks).
 *
 * Memory: the block table is process-wide (the guard and PC sections are);
 * contexts are owned by their tiles. Globals: cov_cur (the current context),
 * set by the tile runtime around each handler.
 * Cost: guard hook = load, add, compare (7 instructions with call and
 * return); load/store hook = about 40 instructions on an L1 hit, the
 * translation included (8-byte loads a few more: the load-use check), plus
 * the rest of the cache model on a miss (bench/chip_http_cost.sh counts
 * them per simulated request).
 * Left out: exact x86 -> TILE-Gx instruction mapping (x86 instructions are the
 * proxy, scaled by chip.cpi); accesses straddling two lines count as one.
 */
#ifndef TESSERA_SIM_TILE_COV_H
#define TESSERA_SIM_TILE_COV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/tile/cache.h"
#include "sim/tile/mem.h"

enum { COV_READ = MEM_READ, COV_WRITE = MEM_WRITE }; /* (sim/tile/mem.h) */

/* Instruction counts of the contexts and the guards are fixed point: one
 * instruction is COV_INSTR_ONE units. */
#define COV_INSTR_SHIFT 8
#define COV_INSTR_ONE (1u << COV_INSTR_SHIFT)

/* A translation entry: host [host, host + size) -> simulated pa, the rights
 * granted without a check (COV_READ | COV_WRITE) and the fixed home tile of
 * its region (-1: hash for home). */
struct cov_xlat {
    uintptr_t host;
    uint64_t size;
    uint64_t pa;
    unsigned rights;
    int home;
};
#define COV_XLAT_PAGE_SHIFT 12
#define COV_XLAT_N 256u

struct cov_ctx;
typedef void (*cov_slow_fn)(struct cov_ctx *c, uintptr_t addr, unsigned size, unsigned kind,
                            uintptr_t pc);
/* Called when instr reaches instr_limit, with the instrumented pc. */
typedef void (*cov_limit_fn)(struct cov_ctx *c, uintptr_t pc);

struct cov_ctx {
    uint64_t instr;         /* simulated instructions so far, 1/COV_INSTR_ONE each */
    uint64_t instr_limit;   /* crossing it (same unit) calls on_limit (budget, sample) */
    uint64_t stall;         /* cycles beyond L1 hits (memory, load-use) */
    uint64_t blocks;        /* block hits: counted by the null context only */
    uint64_t loads, stores; /* counted by the hooks on entry, whatever path follows */
    unsigned line_shift;
    /* this tile's caches: with l1 set (a copy of the tile's L1 level: its
     * sets are the cache model's, without sharer masks, so that a 2-way
     * L1's set stride is cache_set_shift_w(2); ways 0 = none), the hook handles L1 hits
     * itself and runs translated misses through port->access(port, ...,
     * now, now_ctx) (a context whose slow function fills the translation
     * entries must set all four) */
    struct cache_level l1;
    struct cache_port *port;
    cache_now_fn now;
    void *now_ctx;
    uint64_t mem_cycles; /* cycles beyond L1 hits of the misses the hook ran (also in stall) */
    /* accesses the hooks sent to miss() or the slow path; every other
     * counted access was an L1 hit the hook handled (cov_take_l1_fast_hits:
     * derived, so that the hits' path adds to no counter of its own) */
    uint64_t slow_accesses;
    uint64_t fast_taken; /* L1 hits handed over to the cache stats */
    bool dep_on;         /* load-use stall modelling */
    uint64_t dep_hits;   /* loads that depend on the previous 8-byte load */
    uintptr_t last_val;  /* value of the previous 8-byte load */
    cov_slow_fn slow;
    cov_limit_fn on_limit;
    /* an access that takes stall to stall_limit or beyond (UINT64_MAX:
     * never) calls on_stall once it is done (the synchronisation quantum's
     * memory threshold; the slow function must do the same, so that the
     * point does not depend on the path an access took) */
    uint64_t stall_limit;
    void (*on_stall)(struct cov_ctx *c);
    void *owner; /* the tile (NULL for the null context) */
    /* the translation cache: direct mapped by host page (entry
     * cov_xlat_of(c, a)), each entry a whole region's bounds, so any page of
     * a region the entry's slot maps to hits it. Filled by the slow path,
     * kept across handlers (a tile's stack and rights do not change while
     * it runs; regions are never removed during a run). Which accesses miss
     * depends on host addresses: the slow path must not change what is
     * simulated (it only translates, checks rights and runs the access). */
    struct cov_xlat xlat[COV_XLAT_N];
};

extern struct cov_ctx *cov_cur;

/* The translation cache slot of host address a: entry (a >> page shift) mod
 * COV_XLAT_N, its byte offset taken in one shift and one mask (entries are
 * 32 bytes). */
_Static_assert(sizeof(struct cov_xlat) == 32, "cov_xlat_of: entries of 32 bytes");
static inline struct cov_xlat *cov_xlat_of(struct cov_ctx *c, uintptr_t a) {
    const uintptr_t off = (a >> (COV_XLAT_PAGE_SHIFT - 5)) & ((uintptr_t)(COV_XLAT_N - 1) << 5);
    return (struct cov_xlat *)(void *)((char *)c->xlat + off);
}

/* Whole instructions counted by c so far. */
static inline uint64_t cov_instr(const struct cov_ctx *c) { return c->instr >> COV_INSTR_SHIFT; }

/* L1 hits the hooks handled not yet
 * handed over to the cache stats; cov_take_l1_fast_hits hands them over. */
static inline uint64_t cov_l1_fast_hits(const struct cov_ctx *c) {
    return c->loads + c->stores - c->slow_accesses - c->fast_taken;
}
static inline uint64_t cov_take_l1_fast_hits(struct cov_ctx *c) {
    const uint64_t n = cov_l1_fast_hits(c);
    c->fast_taken += n;
    return n;
}

/* The context that counts hook calls made while no tile runs. */
struct cov_ctx *cov_null_ctx(void);
/* Make c current (NULL: the null context). Returns the previous one. */
struct cov_ctx *cov_set_current(struct cov_ctx *c);
/* Initialise a context with no translation (every access takes the slow path). */
void cov_ctx_init(struct cov_ctx *c, void *owner, cov_slow_fn slow, cov_limit_fn on_limit);

/* Block table. Weights are computed lazily on first use (or explicitly). */
void cov_weights_compute(void);
struct cov_stats {
    uint64_t blocks;            /* basic blocks in the PC table */
    uint64_t functions;         /* function entries */
    uint64_t fallbacks;         /* blocks the decoder could not walk */
    uint64_t hook_calls;        /* instrumentation calls found in the code */
    uint64_t weight_total;      /* sum of weights (instructions of the instrumented blocks) */
    uint64_t charged_total;     /* sum of the weights scaled to the native build
                                   (whole instructions) */
    uint64_t scaled_functions;  /* functions with a native count (tile_cc.sh) */
    uint64_t by_line_functions; /* ... scaled line by line */
};
struct cov_stats cov_stats(void);
/* Block i (in PC-table order): its pc, weight (instructions of the
 * instrumented code per execution, in 1/COV_INSTR_ONE) and whether it is a
 * function entry. Returns false past the end. */
bool cov_block(size_t i, uintptr_t *pc, uint32_t *weight, bool *fn_entry);
/* Block i's weight scaled to the native build, in 1/COV_INSTR_ONE
 * instructions (what its guard adds while the scaling is on). */
uint32_t cov_block_charged(size_t i);
/* Guards add the scaled weights (on, the default) or the instrumented
 * blocks' own counts (off: for validation). Process-wide; returns the
 * previous setting. */
bool cov_set_native_scaling(bool on);
/* Index of the function (PC-table function entry) holding pc, its entry pc;
 * false if pc is not in instrumented code. Cost: a table look-up by 64-byte
 * chunk (a binary search for a chunk holding an entry). */
bool cov_function_of(uintptr_t pc, size_t *fn_index, uintptr_t *fn_pc);
/* Entry pc of function fi (index as given by cov_function_of). */
bool cov_function_pc(size_t fi, uintptr_t *pc);
/* Block weights of one piece of code laid out as a function, as computed
 * for the instrumented functions (exposed for tests): code [p, p + len),
 * blocks starting at offsets starts[0, nb); out[k] gets the instructions
 * one execution of block k runs until control reaches another block
 * (hook calls, their argument set-up and nop padding left out; each way of
 * a conditional branch inside a block taken half of the time). False if
 * the decoder failed or a start is not an instruction. */
bool cov_walk_code(const uint8_t *p, size_t len, const uint32_t *starts, size_t nb, double *out);

#endif
