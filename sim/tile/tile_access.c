/* sim/tile/tile_access.c: tile code's memory accesses. See tile_access.h. */
#include "sim/tile/tile_access.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/tile_fault.h"
#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

/* Translate host address a for tile t: region and simulated address. NULL if
 * outside every region. */
static struct mem_region *translate(struct tile *t, uintptr_t a, uint64_t *pa, uintptr_t *host_base,
                                    uint64_t *size) {
    struct chip *c = t->chip;
    if (a - t->stack_lo < t->stack_hi - t->stack_lo) {
        *host_base = t->stack_lo;
        *size = t->stack_hi - t->stack_lo;
        *pa = t->stack->pa + (a - t->stack_lo);
        return t->stack;
    }
    struct mem_region *r = mem_lookup(&c->mem, a);
    if (r) {
        *host_base = (uintptr_t)r->host;
        *size = r->size;
        *pa = r->pa + (a - (uintptr_t)r->host);
        return r;
    }
    for (unsigned i = 0; c->image && i < TILE_IMAGE_PARTS; i++) {
        uintptr_t lo = c->image_part[i].lo, hi = c->image_part[i].hi;
        if (a - lo < hi - lo) {
            *host_base = lo;
            *size = hi - lo;
            *pa = c->image->pa + c->image_part[i].off + (a - lo);
            return c->image;
        }
    }
    return NULL;
}

/* Protected mode: the first evaluation of region r's rights for tile t is
 * counted (later ones come from the translation cache, whose misses depend
 * on host addresses: counting them would make the stat differ run to run). */
static void count_rights_check(struct tile *t, const struct mem_region *r) {
    const size_t word = r->id / 64;
    if (word >= t->rights_seen_words) {
        size_t n = word + 1 > 2 * t->rights_seen_words ? word + 1 : 2 * t->rights_seen_words;
        uint64_t *b = realloc(t->rights_seen, n * sizeof *b);
        if (!b) return; /* (not counted: the stat only) */
        memset(b + t->rights_seen_words, 0, (n - t->rights_seen_words) * sizeof *b);
        t->rights_seen = b;
        t->rights_seen_words = n;
    }
    const uint64_t bit = (uint64_t)1 << (r->id % 64);
    if (!(t->rights_seen[word] & bit)) {
        t->rights_seen[word] |= bit;
        t->prof.rights_checks++;
    }
}

void tile_access_one(struct tile *t, uintptr_t a, unsigned kind, uintptr_t pc, bool extra_atomic) {
    struct chip *c = t->chip;
    struct cov_ctx *cc = &t->cov;
    uint64_t pa;
    int home;
    struct cov_xlat *e = cov_xlat_of(cc, a);
    uintptr_t off = a - e->host;
    if (off < e->size && (e->rights & kind)) {
        /* a region the translation cache holds, right already checked */
        home = e->home;
        pa = e->pa + off;
    } else {
        uint64_t size;
        uintptr_t base;
        struct mem_region *r = translate(t, a, &pa, &base, &size);
        if (!r) {
            c->unmapped_accesses++;
            if (c->cfg.protection.mode == CHIP_PROT_PROTECTED) {
                char what[128];
                /* (the host address is not reported: it differs from run to run) */
                snprintf(what, sizeof what, "%s of memory outside every region (not from an arena)",
                         kind & COV_WRITE ? "write" : "read");
                if (tile_fault_record(t, TILE_FAULT_OUTSIDE, 0, NULL, kind, pc, what))
                    tile_fault_cut_short(t);
            }
            return; /* charged as an L1 hit */
        }
        unsigned rights = COV_READ | COV_WRITE;
        if (c->cfg.protection.mode == CHIP_PROT_PROTECTED) {
            rights = mem_rights(r, (int)t->role, (int)t->id, (int)t->process);
            count_rights_check(t, r);
        }
        if (!(rights & kind)) {
            char what[128];
            snprintf(what, sizeof what, "%s of %s region '%s' by a %s tile",
                     kind & COV_WRITE ? "write" : "read", mem_kind_names[r->kind], r->name,
                     tile_role_names[t->role]);
            if (tile_fault_record(t, TILE_FAULT_PROTECTION, pa, r->name, kind, pc, what))
                tile_fault_cut_short(t);
            /* logged: let it happen */
        } else {
            e->host = base;
            e->size = size;
            e->pa = pa - (a - base);
            e->rights = rights;
            e->home = r->home;
        }
        home = r->home;
    }
    bool excl; /* (whether the line is now held exclusively: not needed here) */
    uint64_t extra = cache_access(&c->caches, t->id, pa, kind, home, tile_time_now_of, t, &excl);
    if (extra_atomic) extra += c->cfg.l3.atomic_cycles;
    cc->stall += extra;
    t->prof.mem_cycles += extra;
}

/* The quantum's memory threshold, reached by an access (tile code's: the
 * hooks' misses or the slow path). */
static void stall_hit(struct cov_ctx *c) {
    struct tile *t = c->owner;
    if (c->stall >= t->quantum_stall) tile_sync_quantum(t);
}

static void mem_slow(struct cov_ctx *c, uintptr_t a, unsigned size, unsigned kind, uintptr_t pc) {
    (void)size;
    struct tile *t = c->owner;
    tile_access_one(t, a, kind, pc, false);
    if (c->stall >= c->stall_limit) stall_hit(c);
}

/* Adds units to the function holding pc in the tile's per-function
 * profile (allocated on first use). */
static void function_charge(struct tile *t, uintptr_t pc, uint64_t units) {
    size_t fi;
    uintptr_t fpc;
    if (!cov_function_of(pc, &fi, &fpc)) return; /* (a table look-up: cov.h) */
    if (!t->fn_instr) t->fn_instr = calloc(cov_stats().functions, sizeof *t->fn_instr);
    if (t->fn_instr) t->fn_instr[fi] += units;
}

/* The exact profile: the block just counted (instructions since the last
 * one) goes to the function holding pc. */
static void exact_block(struct tile *t, struct cov_ctx *c, uintptr_t pc) {
    uint64_t d = c->instr - t->exact_mark;
    t->exact_mark = c->instr;
    function_charge(t, pc, d);
}

static void budget_hit(struct cov_ctx *c, uintptr_t pc) {
    struct tile *t = c->owner;
    uint64_t period = t->chip->cfg.tile.profile_sample_instr << COV_INSTR_SHIFT;
    if (t->chip->cfg.tile.profile == CHIP_PROFILE_EXACT) {
        exact_block(t, c, pc);
        if (c->instr < t->budget_instr) {
            if (c->instr >= t->quantum_instr) tile_sync_quantum(t);
            return;
        }
    } else if (c->instr < t->budget_instr && c->instr < t->next_sample) {
        /* the quantum's threshold */
        tile_sync_quantum(t);
        return;
    } else if (c->instr < t->budget_instr) {
        /* a profile sample: charge the period to the running function */
        function_charge(t, pc, period);
        if (period)
            while (t->next_sample <= c->instr) t->next_sample += period;
        if (c->instr >= t->quantum_instr)
            tile_sync_quantum(t); /* re-arms the limit */
        else
            tile_sync_set_limit(t);
        return;
    }
    c->instr_limit = UINT64_MAX;
    char what[128];
    snprintf(what, sizeof what, "handler ran past chip.tile.handler_budget_cycles = %llu",
             (unsigned long long)t->chip->cfg.tile.handler_budget_cycles);
    tile_fault_record(t, TILE_FAULT_BUDGET, 0, NULL, 0, pc, what);
    tile_fault_cut_short(t);
}

void tile_access_tile_init(struct tile *t) {
    struct chip *c = t->chip;
    unsigned i = t->id;
    cov_ctx_init(&t->cov, t, mem_slow, budget_hit);
    t->cov.on_stall = stall_hit;
    t->cov.port = &c->caches.port[i];
    t->cov.now = tile_time_now_of;
    t->cov.now_ctx = t;
    t->cov.line_shift = c->caches.line_shift;
    t->cov.dep_on = c->cfg.tile.load_use_stall;
    t->cov.l1 = c->caches.l1[i];
    assert(t->cov.l1.ways != 2 || t->cov.l1.shift == cache_set_shift_w(2));
}

/* ---- copies ---- */

void tile_copy(struct tile *t, void *dst, const void *src, size_t n) {
    if (!n || !dst || !src) return;
    uint64_t line = t->chip->cfg.line_bytes;
    if (t->in_handler) {
        uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst;
        uintptr_t pc = (uintptr_t)__builtin_return_address(0);
        for (uintptr_t o = 0; o < n; o += line) {
            tile_access_one(t, s + o, COV_READ, pc, false);
            tile_access_one(t, d + o, COV_WRITE, pc, false);
        }
        tile_access_one(t, s + n - 1, COV_READ, pc, false);
        tile_access_one(t, d + n - 1, COV_WRITE, pc, false);
        t->extra += ((n + line - 1) / line) * t->chip->cfg.tile.copy_line_cycles;
    }
    memmove(dst, src, n);
}

/* ---- arenas ---- */

static void *arena_alloc_fresh(struct tile *t, struct mem_region *r, size_t size, bool *fresh) {
    *fresh = false;
    if (!r) return NULL;
    if (t->in_handler) t->extra += t->chip->cfg.tile.alloc_cycles;
    return mem_alloc_fresh(r, size, fresh);
}

static void *arena_alloc(struct tile *t, struct mem_region *r, size_t size) {
    bool fresh;
    return arena_alloc_fresh(t, r, size, &fresh);
}

static void arena_free(struct tile *t, struct mem_region *r, void *p) {
    if (!p || !r) return;
    if (!mem_free(r, p)) {
        char what[128];
        snprintf(what, sizeof what, "free of a pointer that is not a block of region '%s'",
                 r->name);
        if (t->in_handler && tile_fault_record(t, TILE_FAULT_OUTSIDE, 0, r->name, COV_WRITE,
                                               (uintptr_t)__builtin_return_address(0), what))
            tile_fault_cut_short(t);
        return;
    }
    if (t->in_handler) t->extra += t->chip->cfg.tile.alloc_cycles;
}

/* The arenas of tile_api.h: the tile's private region, its process's heap,
 * the shared region. */
struct mem_region *chip_proc_heap(struct chip *c, unsigned process) {
    if (process >= 4096) return NULL;
    if (process >= c->nheaps) {
        size_t n = process + 1;
        struct mem_region **h = realloc(c->heaps, n * sizeof *h);
        if (!h) return NULL;
        for (size_t i = c->nheaps; i < n; i++) h[i] = NULL;
        c->heaps = h;
        c->nheaps = n;
    }
    if (!c->heaps[process]) {
        char name[40];
        snprintf(name, sizeof name, "heap.%u", process);
        c->heaps[process] = mem_region_create(&c->mem, MEM_APP_HEAP, name, c->cfg.tile.heap_bytes,
                                              (int)process, -1, true);
    }
    return c->heaps[process];
}

void *tile_alloc(struct tile *t, size_t size) { return arena_alloc(t, t->priv, size); }
void tile_free(struct tile *t, void *p) { arena_free(t, t->priv, p); }
void *tile_proc_alloc(struct tile *t, size_t size) {
    return arena_alloc(t, chip_proc_heap(t->chip, t->process), size);
}
void *tile_alloc_fresh(struct tile *t, size_t size, bool *fresh) {
    return arena_alloc_fresh(t, t->priv, size, fresh);
}
void *tile_proc_alloc_fresh(struct tile *t, size_t size, bool *fresh) {
    return arena_alloc_fresh(t, chip_proc_heap(t->chip, t->process), size, fresh);
}
void tile_proc_free(struct tile *t, void *p) {
    arena_free(t, chip_proc_heap(t->chip, t->process), p);
}
void *tile_shared_alloc(struct tile *t, size_t size) {
    return arena_alloc(t, t->chip->shared, size);
}
void tile_shared_free(struct tile *t, void *p) { arena_free(t, t->chip->shared, p); }

int chip_dma_write(struct chip *c, const void *host, size_t len) {
    uintptr_t a = (uintptr_t)host;
    struct mem_region *r = mem_lookup(&c->mem, a);
    if (!r || len == 0 || a + len - 1 - (uintptr_t)r->host >= r->size) return -1;
    uint64_t line = c->cfg.line_bytes;
    uint64_t pa0 = r->pa + (a - (uintptr_t)r->host);
    for (uint64_t pa = pa0 & ~(line - 1); pa < pa0 + len; pa += line)
        cache_dma_write(&c->caches, pa, r->home);
    return 0;
}
