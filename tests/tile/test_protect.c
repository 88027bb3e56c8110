/* tests/tile/test_protect.c: regions, rights per role, faults, RTC mode. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/calib/calib.h"
#include "sim/tile/cov.h"
#include "tile_test_util.h"

struct run {
    struct chip_config cfg;
    struct sim_engine *e;
    struct chip *c;
};

static void run_init(struct run *r, int mode, int on_fault) {
    tt_defaults(&r->cfg);
    r->cfg.protection.mode = mode;
    r->cfg.protection.on_fault = on_fault;
    r->e = sim_engine_create();
    r->c = tt_chip(&r->cfg, r->e);
}

static void run_fini(struct run *r) {
    chip_destroy(r->c);
    sim_engine_destroy(r->e);
}

/* Starts calib_protect on an app tile (tile 1, process 0) and runs. */
static struct calib_protect *protect(struct run *r, int op, void *target, enum tile_role role) {
    struct calib_protect *p = mem_alloc(chip_private_region(r->c, 1), sizeof *p);
    cr_assert_not_null(p);
    *p = (struct calib_protect){.op = op, .target = target, .value = 0xabcdef};
    char err[200];
    cr_assert_eq(chip_tile_start(r->c, 1, role, 0, calib_protect_main, p, err, sizeof err), 0, "%s",
                 err);
    sim_engine_run_until(r->e, SIM_TIME_MAX);
    return p;
}

Test(tile_protect, app_writing_rx_memory_is_caught) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    struct calib_protect *p = protect(&r, CALIB_WRITE_RX, rx->host + 128, TILE_ROLE_APP);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 1);
    cr_assert_eq(p->done, 0, "the tile was stopped at the fault");
    uint64_t v;
    memcpy(&v, rx->host + 128, 8);
    cr_assert_eq(v, 0, "the write did not happen");
    const struct tile_fault *f;
    cr_assert_eq(chip_faults(r.c, &f), 1);
    cr_assert_eq(f[0].tile, 1);
    cr_assert_str_eq(f[0].region, "rx");
    cr_assert_eq(f[0].access, COV_WRITE);
    cr_assert_eq(f[0].pa, rx->pa + 128);
    size_t fi;
    uintptr_t fpc;
    cr_assert(cov_function_of((uintptr_t)calib_protect_main, &fi, &fpc));
    char want[64];
    snprintf(want, sizeof want, "(instrumented function #%zu)", fi);
    cr_assert(strstr(f[0].where, want) != NULL, "where: %s", f[0].where);
    cr_assert(strstr(f[0].where, "calib_protect_main+0x") != NULL, "where: %s", f[0].where);
    run_fini(&r);
}

Test(tile_protect, app_reading_another_apps_heap_is_caught) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct mem_region *other = chip_proc_heap(r.c, 1);
    struct calib_protect *p = protect(&r, CALIB_READ_OTHER_HEAP, other->host + 64, TILE_ROLE_APP);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 1);
    cr_assert_eq(p->done, 0);
    const struct tile_fault *f;
    chip_faults(r.c, &f);
    cr_assert_str_eq(f[0].region, "heap.1");
    cr_assert_eq(f[0].access, COV_READ);
    run_fini(&r);
}

Test(tile_protect, own_heap_and_net_tile_rx_are_allowed) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct mem_region *own = chip_proc_heap(r.c, 0);
    struct calib_protect *p = protect(&r, CALIB_WRITE_OWN_HEAP, own->host + 64, TILE_ROLE_APP);
    cr_assert_eq(p->done, 1);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 0);
    run_fini(&r);
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    p = protect(&r, CALIB_WRITE_RX, rx->host, TILE_ROLE_NET);
    cr_assert_eq(p->done, 1, "a network tile writes Rx memory");
    run_fini(&r);
}

Test(tile_protect, rtc_mode_lets_both_pass) {
    struct run r;
    run_init(&r, CHIP_PROT_RTC, CHIP_FAULT_STOP);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    struct calib_protect *p = protect(&r, CALIB_WRITE_RX, rx->host, TILE_ROLE_APP);
    cr_assert_eq(p->done, 1);
    uint64_t v;
    memcpy(&v, rx->host, 8);
    cr_assert_eq(v, 0xabcdef);
    run_fini(&r);
    run_init(&r, CHIP_PROT_RTC, CHIP_FAULT_STOP);
    struct mem_region *other = chip_proc_heap(r.c, 1);
    memcpy(other->host + 64, &(uint64_t){42}, 8);
    p = protect(&r, CALIB_READ_OTHER_HEAP, other->host + 64, TILE_ROLE_APP);
    cr_assert_eq(p->done, 1);
    cr_assert_eq(p->value, 42);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 0);
    run_fini(&r);
}

Test(tile_protect, log_mode_counts_and_lets_it_happen) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_LOG);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    struct calib_protect *p = protect(&r, CALIB_WRITE_RX, rx->host, TILE_ROLE_APP);
    cr_assert_eq(p->done, 1);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 1);
    run_fini(&r);
}

Test(tile_protect, outside_every_region_is_a_fault) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    uint64_t *host = calloc(8, sizeof *host);
    struct calib_protect *p = protect(&r, CALIB_WRITE_OWN_HEAP, host, TILE_ROLE_APP);
    cr_assert_eq(p->done, 0);
    cr_assert_eq(host[0], 0);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_OUTSIDE), 1);
    const struct tile_fault *f;
    chip_faults(r.c, &f);
    cr_assert(strstr(f[0].what, "outside every region") != NULL, "%s", f[0].what);
    free(host);
    run_fini(&r);
}

/* Static data of tile code maps onto the image region (any tile may read it);
 * static data of the simulator (here: of this test) is outside every region,
 * so that no simulated address follows the simulator's own layout. */
Test(tile_protect, tile_static_data_is_in_the_image_simulator_data_is_not) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct calib_protect *p =
        protect(&r, CALIB_READ_OTHER_HEAP, (void *)&calib_protect_image_word, TILE_ROLE_APP);
    cr_assert_eq(p->done, 1);
    cr_assert_eq(p->value, 0x5eedf00d);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_OUTSIDE), 0);
    run_fini(&r);

    static const uint64_t simulator_word = 42;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    p = protect(&r, CALIB_READ_OTHER_HEAP, (void *)&simulator_word, TILE_ROLE_APP);
    cr_assert_eq(p->done, 0);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_OUTSIDE), 1);
    run_fini(&r);
}

Test(tile_protect, abort_mode_stops_the_run) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_ABORT);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    protect(&r, CALIB_WRITE_RX, rx->host, TILE_ROLE_APP);
    cr_assert(chip_aborted(r.c));
    run_fini(&r);
}

/* ---- bad input: lock released by a non-holder, a handler over budget ---- */

static struct tile_lock *shared_lock;

static void take_and_keep(struct tile *t, void *arg) {
    (void)arg;
    tile_lock_acquire(t, shared_lock);
    tile_lock_release(t, shared_lock);
    tile_lock_acquire(t, shared_lock); /* held at handler end */
}
static void release_foreign(struct tile *t, void *arg) {
    int *rc = arg;
    *rc = tile_lock_release(t, shared_lock);
}

Test(tile_protect, release_by_non_holder_is_a_fault) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_LOG);
    shared_lock = mem_alloc(chip_shared_region(r.c), sizeof *shared_lock);
    tile_lock_init(NULL, shared_lock);
    static int rc = 7;
    char err[200];
    cr_assert_eq(chip_tile_start(r.c, 2, TILE_ROLE_APP, 0, take_and_keep, NULL, err, sizeof err),
                 0);
    cr_assert_eq(chip_tile_start(r.c, 3, TILE_ROLE_APP, 0, release_foreign, &rc, err, sizeof err),
                 0);
    sim_engine_run_until(r.e, SIM_TIME_MAX);
    cr_assert_eq(rc, -1);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_LOCK), 2);
    const struct tile_fault *f;
    cr_assert_eq(chip_faults(r.c, &f), 2);
    /* In global time order: tile 3's release comes at time 0, while tile 2
     * holds the lock it took at time 0 (tile 2's release waits for the atomic's
     * cycles); tile 2's handler then ends holding it again. */
    cr_assert_eq(f[0].tile, 3);
    cr_assert(strstr(f[0].what, "held by tile 2") != NULL, "%s", f[0].what);
    cr_assert_eq(f[1].tile, 2);
    cr_assert(strstr(f[1].what, "still held at the end of a handler") != NULL, "%s", f[1].what);
    run_fini(&r);
}

static void spin_forever(struct tile *t, void *arg) {
    (void)t;
    uint64_t *out = arg;
    *out = calib_loop(UINT64_MAX, 3); /* would run for centuries */
}

Test(tile_protect, handler_over_budget_is_stopped) {
    struct run r;
    tt_defaults(&r.cfg);
    r.cfg.tile.handler_budget_cycles = 200000;
    r.cfg.protection.on_fault = CHIP_FAULT_LOG; /* budget faults stop the handler anyway */
    r.e = sim_engine_create();
    r.c = tt_chip(&r.cfg, r.e);
    uint64_t *out = mem_alloc(chip_private_region(r.c, 4), 8);
    char err[200];
    cr_assert_eq(chip_tile_start(r.c, 4, TILE_ROLE_APP, 0, spin_forever, out, err, sizeof err), 0);
    sim_engine_run_until(r.e, SIM_TIME_MAX);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_BUDGET), 1);
    const struct tile_prof *p = chip_tile_prof(r.c, 4);
    cr_assert(p->instr >= 400000 && p->instr < 401000, "stopped at the budget: %llu instructions",
              (unsigned long long)p->instr);
    run_fini(&r);
}

/* ---- stop and restart ---- */

struct restart_job {
    struct calib_protect p; /* the instrumented write into Rx memory */
    uint64_t handled, last;
    uint64_t at;
};

static void maybe_fault(struct tile *t, void *arg) {
    struct restart_job *j = arg;
    uint64_t w;
    if (tile_udn_recv(t, 0, &w, 1) != 1) return;
    if (w == 1) calib_protect_main(t, &j->p); /* app tile writing Rx: fault */
    j->handled++;
    j->last = w;
    j->at = tile_now(t);
}
static void restart_main(struct tile *t, void *arg) { tile_on_udn(t, 0, maybe_fault, arg); }

Test(tile_protect, stopped_tile_restarts_and_keeps_its_input) {
    struct run r;
    tt_defaults(&r.cfg);
    r.cfg.protection.on_fault = CHIP_FAULT_STOP;
    r.cfg.protection.restart = true;
    r.cfg.protection.restart_delay_cycles = 1200; /* 1 us */
    r.e = sim_engine_create();
    struct chip_mesh *m;
    r.c = tt_mesh_chip(&r.cfg, r.e, &m);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    struct restart_job *j = mem_alloc(chip_private_region(r.c, 6), sizeof *j);
    memset(j, 0, sizeof *j);
    j->p = (struct calib_protect){.op = CALIB_WRITE_RX, .target = rx->host, .value = 5};
    char err[200];
    cr_assert_eq(chip_tile_start(r.c, 6, TILE_ROLE_APP, 0, restart_main, j, err, sizeof err), 0);
    sim_engine_run_until(r.e, SIM_NS(10));
    tt_udn_inject(m, 7, 6, 0, 1); /* the handler faults on this one */
    sim_engine_run_until(r.e, SIM_NS(100));
    tt_udn_inject(m, 7, 6, 0, 2);
    sim_engine_run_until(r.e, SIM_TIME_MAX);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_PROTECTION), 1);
    cr_assert_eq(j->handled, 1, "only the second message completed");
    cr_assert_eq(j->last, 2);
    cr_assert_geq(j->at, SIM_US(1), "after the restart delay");
    cr_assert_eq(*(uint64_t *)rx->host, 0);
    r.c = NULL; /* (the mesh owns it) */
    chip_mesh_destroy(m);
    run_fini(&r);
}

/* ---- arenas ---- */

Test(tile_protect, arena_reuses_freed_blocks_and_refuses_bad_frees) {
    struct mem_map m;
    mem_map_init(&m);
    struct mem_region *r = mem_region_create(&m, MEM_PRIVATE, "p", 65536, 0, -1, true);
    cr_assert_not_null(r);
    void *a = mem_alloc(r, 40), *b = mem_alloc(r, 40);
    cr_assert(a && b && a != b);
    cr_assert_eq(((uintptr_t)a) % 16, 0);
    cr_assert(mem_free(r, a));
    cr_assert_eq(mem_alloc(r, 48), a, "same size class comes back");
    cr_assert_not(mem_free(r, (char *)b + 8), "not a block start");
    cr_assert_not(mem_free(r, &m), "not in the region");
    cr_assert_null(mem_alloc(r, 1 << 20), "too big");
    cr_assert_null(mem_alloc(r, 0));
    cr_assert_eq(mem_lookup(&m, (uintptr_t)a), r);
    cr_assert_null(mem_lookup(&m, (uintptr_t)&m));
    cr_assert_eq(r->pa % 65536, 0);
    mem_map_fini(&m);
}

static void bad_free(struct tile *t, void *arg) {
    (void)arg;
    static uint64_t not_arena;
    tile_free(t, &not_arena);
}

Test(tile_protect, bad_free_is_a_fault_not_a_crash) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    char err[200];
    cr_assert_eq(chip_tile_start(r.c, 1, TILE_ROLE_APP, 0, bad_free, NULL, err, sizeof err), 0);
    sim_engine_run_until(r.e, SIM_TIME_MAX);
    cr_assert_eq(chip_fault_count(r.c, TILE_FAULT_OUTSIDE), 1);
    run_fini(&r);
}

Test(tile_protect, dma_write_needs_a_region) {
    struct run r;
    run_init(&r, CHIP_PROT_PROTECTED, CHIP_FAULT_STOP);
    struct mem_region *rx = chip_region_create(r.c, MEM_RX, "rx", 65536, -1, -1);
    cr_assert_eq(chip_dma_write(r.c, rx->host + 100, 1500), 0);
    uint64_t host[4];
    cr_assert_eq(chip_dma_write(r.c, host, sizeof host), -1);
    cr_assert_eq(chip_dma_write(r.c, rx->host + rx->size - 10, 20), -1, "crosses the region's end");
    run_fini(&r);
}
