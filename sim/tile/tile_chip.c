/* sim/tile/tile_chip.c: the chip's lifecycle: building and freeing the
 * tiles, regions, caches and coroutines, starting tile programs, plugging in
 * the network and the doorbell, closing and reading the profiles. The top
 * of the tile runtime: see tile.h; the modules below it are tile_exec,
 * tile_udn, tile_timer, tile_nic, tile_lock, tile_access, tile_fault,
 * tile_time (their headers say what each does), tile_stats writes the
 * results. */
#include "sim/tile/tile.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/tile/coro.h"
#include "sim/tile/tile_access.h"
#include "sim/tile/tile_exec.h"
#include "sim/tile/tile_lock.h"
#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"
#include "sim/tile/tile_timer.h"
#include "sim/tile/tile_udn.h"

/* Tile code's static data. The tile-code build (sim/tile/tile_cc.sh) moves
 * every data section of a tile object into one of these four sections, and
 * the linker defines their bounds. The image region lays them out one after
 * the other (each from a 4 KB boundary), so the simulated address of a
 * static datum depends only on tile code, never on the simulator's code or
 * data around it. Static data of the simulator itself is outside every
 * region. */
extern char __start_tile_rodata[] __attribute__((weak)), __stop_tile_rodata[] __attribute__((weak));
extern char __start_tile_relro[] __attribute__((weak)), __stop_tile_relro[] __attribute__((weak));
extern char __start_tile_data[] __attribute__((weak)), __stop_tile_data[] __attribute__((weak));
extern char __start_tile_bss[] __attribute__((weak)), __stop_tile_bss[] __attribute__((weak));

/* Host stack below tile code's stack region, for the simulator's own frames
 * (runtime calls made by tile code, sanitizer reports): virtual, touched
 * pages only. */
#define TILE_CORO_SLACK (UINT64_C(8) << 20)

/* Simulated address space set aside for the program image (see chip_create). */
#define IMAGE_RESERVE (UINT64_C(256) << 20)

/* The program image (tile code's static data, see TILE_IMAGE_PARTS) is a
 * region of its real size, but the regions after it start a fixed
 * IMAGE_RESERVE later, so that their simulated addresses, and with them
 * cache sets and homes, do not move when tile code's data grows. */
static void map_image(struct chip *c) {
    char *const bounds[TILE_IMAGE_PARTS][2] = {
        {__start_tile_rodata, __stop_tile_rodata},
        {__start_tile_relro, __stop_tile_relro},
        {__start_tile_data, __stop_tile_data},
        {__start_tile_bss, __stop_tile_bss},
    };
    uint64_t off = 0;
    for (unsigned i = 0; i < TILE_IMAGE_PARTS; i++) {
        uintptr_t lo = (uintptr_t)bounds[i][0], hi = (uintptr_t)bounds[i][1];
        if (!lo || hi <= lo) continue;
        c->image_part[i].lo = lo;
        c->image_part[i].hi = hi;
        c->image_part[i].off = off;
        off = (off + (hi - lo) + 4095) & ~UINT64_C(4095);
    }
    if (off && off <= IMAGE_RESERVE) {
        c->image = mem_region_create(&c->mem, MEM_IMAGE, "image", off, -1, -1, false);
        if (c->image) c->mem.next_pa = c->image->pa + IMAGE_RESERVE;
    }
    if (!c->image) c->mem.next_pa += IMAGE_RESERVE; /* the same addresses after it */
}

/* Tile i: its hooks, private and stack regions and coroutine.
 * Returns false when something could not be allocated. */
static bool tile_init(struct chip *c, unsigned i, char *err, size_t errlen) {
    const struct chip_config *cfg = &c->cfg;
    struct tile *t = &c->tiles[i];
    t->chip = c;
    t->id = i;
    t->state = TS_OFF;
    tile_access_tile_init(t);
    char name[40];
    snprintf(name, sizeof name, "private.%u", i);
    t->priv =
        mem_region_create(&c->mem, MEM_PRIVATE, name, cfg->tile.private_bytes, (int)i, -1, true);
    snprintf(name, sizeof name, "stack.%u", i);
    t->stack =
        mem_region_create(&c->mem, MEM_STACK, name, cfg->tile.stack_bytes, (int)i, (int)i, false);
    if (t->stack) {
        /* tile code's frames: [top - stack size, top) of the coroutine */
        t->coro = coro_create(t->stack->size, TILE_CORO_SLACK, err, errlen);
        if (t->coro) {
            t->stack_hi = coro_top(t->coro);
            t->stack_lo = t->stack_hi - t->stack->size;
        }
    }
    return t->priv && t->stack && t->coro;
}

struct chip *chip_create(const struct chip_config *cfg, const struct chip_geom *g,
                         struct sim_engine *e, char *err, size_t errlen) {
    struct chip *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "chip: out of memory");
        return NULL;
    }
    c->cfg = *cfg;
    c->geom = *g;
    c->engine = e;
    c->run = tile_exec_run_ev;
    c->resume = tile_exec_resume_ev;
    if (!cache_sys_init(&c->caches, cfg, g->width, g->height, err, errlen)) {
        free(c);
        return NULL;
    }
    sim_clock_init(&c->clock, cfg->core_freq_hz);
    c->cpi_q16 = (uint64_t)(cfg->cpi * 65536.0 + 0.5);
    if (!c->cpi_q16) c->cpi_q16 = 1;
    {
        double d = (double)cfg->l1d.hit_cycles - cfg->cpi;
        c->dep_q16 = d > 0 ? (uint64_t)(d * 65536.0 + 0.5) : 0;
    }
    mem_map_init(&c->mem);
    c->ntiles = g->width * g->height;
    c->tiles = calloc(c->ntiles, sizeof *c->tiles);
    c->shared =
        mem_region_create(&c->mem, MEM_SHARED, "shared", cfg->tile.shared_bytes, -1, -1, true);
    map_image(c);
    bool ok = c->tiles && c->shared;
    for (unsigned i = 0; ok && i < c->ntiles; i++) ok = tile_init(c, i, err, errlen);
    if (!ok) {
        snprintf(err, errlen, "chip: out of memory building %u tiles", c->ntiles);
        chip_destroy(c);
        return NULL;
    }
    return c;
}

void chip_destroy(struct chip *c) {
    if (!c) return;
    for (unsigned i = 0; c->tiles && i < c->ntiles; i++) {
        struct tile *t = &c->tiles[i];
        tile_timer_fini(t);
        free(t->fn_instr);
        free(t->rights_seen);
        coro_destroy(t->coro);
    }
    if (cov_cur->owner && ((struct tile *)cov_cur->owner)->chip == c) cov_set_current(NULL);
    free(c->tiles);
    free(c->heaps);
    free(c->faults);
    free(c->lock_waits);
    mem_map_fini(&c->mem);
    cache_sys_fini(&c->caches);
    free(c);
}

unsigned chip_tile_count(const struct chip *c) { return c->ntiles; }
struct tile *chip_tile(struct chip *c, unsigned id) {
    return id < c->ntiles ? &c->tiles[id] : NULL;
}
struct cache_sys *chip_caches(struct chip *c) {
    return &c->caches;
}
const struct mem_map *chip_mem_map(const struct chip *c) { return &c->mem; }
struct mem_region *chip_shared_region(struct chip *c) {
    return c->shared;
}
struct mem_region *chip_private_region(struct chip *c, unsigned tile) {
    return tile < c->ntiles ? c->tiles[tile].priv : NULL;
}

struct mem_region *chip_region_create(struct chip *c, enum mem_kind kind, const char *name,
                                      uint64_t size, int owner, int home) {
    if (kind == MEM_STACK || kind == MEM_IMAGE || (unsigned)kind >= MEM_KIND_COUNT) return NULL;
    if (home >= (int)c->ntiles) return NULL;
    return mem_region_create(&c->mem, kind, name, size, owner, home, true);
}

int chip_tile_start(struct chip *c, unsigned id, enum tile_role role, unsigned process,
                    tile_main_fn main, void *arg, char *err, size_t errlen) {
    if (id >= c->ntiles) {
        snprintf(err, errlen, "tile %u is outside the %u-tile mesh", id, c->ntiles);
        return -1;
    }
    struct tile *t = &c->tiles[id];
    if (t->state != TS_OFF) {
        snprintf(err, errlen, "tile %u already runs a program", id);
        return -1;
    }
    if (!main || role == TILE_ROLE_NONE) {
        snprintf(err, errlen, "tile %u: a program needs a main function and a role", id);
        return -1;
    }
    t->role = role;
    t->process = process;
    t->main = main;
    t->main_arg = arg;
    t->main_pending = true;
    t->state = TS_IDLE;
    tile_wake(t, sim_engine_now(c->engine));
    return 0;
}

int tile_doorbell(struct tile *t, unsigned port, uint64_t value) {
    struct chip *c = t->chip;
    if (!c->doorbell) return -1;
    tile_sync(t);
    c->doorbell(c->doorbell_ctx, t->id, port, value, tile_now(t));
    return 0;
}

void chip_set_doorbell(struct chip *c, chip_doorbell_fn fn, void *ctx) {
    c->doorbell = fn;
    c->doorbell_ctx = ctx;
}

void chip_set_net(struct chip *c, const struct tile_net_ops *ops, void *net) {
    c->net = ops;
    c->net_ctx = net;
}

void chip_finish(struct chip *c, sim_time_t end) {
    if (!c->waiters_reported) {
        c->waiters_reported = true;
        tile_lock_report_waiters(c);
    }
    uint64_t end_cyc = sim_clock_ps_to_cycles(&c->clock, end);
    for (unsigned i = 0; i < c->ntiles; i++) {
        struct tile_prof *p = &c->tiles[i].prof;
        uint64_t busy = 0;
        for (unsigned l = 0; l < TILE_LABEL_COUNT; l++)
            if (l != TILE_LABEL_IDLE) busy += p->cycles[l];
        p->cycles[TILE_LABEL_IDLE] = end_cyc > busy ? end_cyc - busy : 0;
    }
}

const struct tile_prof *chip_tile_prof(const struct chip *c, unsigned id) {
    return id < c->ntiles ? &c->tiles[id].prof : NULL;
}

size_t chip_faults(const struct chip *c, const struct tile_fault **out) {
    *out = c->faults;
    return c->nfaults;
}

uint64_t chip_fault_count(const struct chip *c, enum tile_fault_kind k) {
    return (unsigned)k < TILE_FAULT_KIND_COUNT ? c->fault_count[k] : 0;
}

uint64_t chip_unmapped_accesses(const struct chip *c) { return c->unmapped_accesses; }

bool chip_aborted(const struct chip *c) { return c->aborted; }
