/* tests/tile/test_sync.c: handlers in global time order (sim/tile/tile_sync.h):
 * locks, waits across suspended critical sections, waiters left at the end. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/tile/mem.h"
#include "tile_test_util.h"

#define US_CYCLES(us) ((uint64_t)(us)*1200) /* the 1.2 GHz core clock */

struct lockjob {
    struct tile_lock *lock;
    uint64_t compute_before, hold; /* cycles */
    bool sync_inside;              /* a synchronisation point inside the critical section */
    sim_time_t acquired_at, released_at;
    int rc;
};

static void lock_main(struct tile *t, void *arg) {
    struct lockjob *j = arg;
    tile_charge(t, j->compute_before);
    j->rc = tile_lock_acquire(t, j->lock);
    j->acquired_at = tile_now(t);
    if (j->sync_inside) {
        tile_charge(t, j->hold / 2);
        (void)tile_udn_avail(t, 0); /* suspends until global time catches up */
        tile_charge(t, j->hold - j->hold / 2);
    } else {
        tile_charge(t, j->hold);
    }
    j->released_at = tile_now(t);
    tile_lock_release(t, j->lock);
}

struct fixture {
    struct chip_config cfg;
    struct sim_engine *e;
    struct chip *c;
    struct tile_lock *lock;
};

static void setup_with(struct fixture *f, int on_fault) {
    tt_defaults(&f->cfg);
    f->cfg.protection.on_fault = on_fault;
    f->e = sim_engine_create();
    f->c = tt_chip(&f->cfg, f->e);
    f->lock = mem_alloc(chip_shared_region(f->c), sizeof *f->lock);
    cr_assert_not_null(f->lock);
    tile_lock_init(NULL, f->lock);
}

static void setup(struct fixture *f) { setup_with(f, CHIP_FAULT_STOP); }

static void start(struct fixture *f, unsigned tile, struct lockjob *j) {
    char err[200];
    cr_assert_eq(chip_tile_start(f->c, tile, TILE_ROLE_APP, 0, lock_main, j, err, sizeof err), 0,
                 "%s", err);
}

/* The probe: tile 0 computes 117 us and then takes the lock briefly;
 * tile 1 takes it at once and holds it 29 us. On the chip tile 1 gets it at
 * once and releases it at 29 us, long before tile 0 asks: nobody waits.
 * (Handlers run natively in start order: before synchronisation points, tile
 * 0's handler took the lock first and tile 1 waited until 117.4 us.) */
Test(tile_sync, lock_probe_gives_the_real_chip_answer) {
    struct fixture f;
    setup(&f);
    struct lockjob j0 = {.lock = f.lock, .compute_before = US_CYCLES(117), .hold = 100};
    struct lockjob j1 = {.lock = f.lock, .compute_before = 0, .hold = US_CYCLES(29)};
    start(&f, 0, &j0);
    start(&f, 1, &j1);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    cr_assert_eq(j0.rc, 0);
    cr_assert_eq(j1.rc, 0);
    cr_assert_lt(j1.acquired_at, SIM_US(1), "tile 1 got the lock at %llu ps",
                 (unsigned long long)j1.acquired_at);
    cr_assert_geq(j0.acquired_at, SIM_US(117));
    cr_assert_lt(j0.acquired_at, SIM_US(118), "tile 0 got the lock at %llu ps",
                 (unsigned long long)j0.acquired_at);
    cr_assert_eq(f.lock->contended, 0, "nobody had to wait");
    cr_assert_eq(f.lock->wait_cycles, 0);
    cr_assert_eq(chip_tile_prof(f.c, 1)->cycles[TILE_LABEL_LOCK] > US_CYCLES(1), 0);
    chip_destroy(f.c);
    sim_engine_destroy(f.e);
}

/* Tile 1 holds the lock from 0 to 20 us, with a synchronisation point in the
 * middle of its critical section (its handler is suspended there while
 * others run); tile 0 asks at 5 us and must wait until tile 1 lets go. */
Test(tile_sync, waiting_for_a_holder_suspended_in_its_critical_section) {
    struct fixture f;
    setup(&f);
    struct lockjob j1 = {.lock = f.lock, .hold = US_CYCLES(20), .sync_inside = true};
    struct lockjob j0 = {.lock = f.lock, .compute_before = US_CYCLES(5), .hold = 100};
    start(&f, 1, &j1);
    start(&f, 0, &j0);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    cr_assert_eq(j0.rc, 0);
    cr_assert_geq(j0.acquired_at, j1.released_at, "tile 0 got it at %llu, tile 1 let go at %llu",
                  (unsigned long long)j0.acquired_at, (unsigned long long)j1.released_at);
    cr_assert_lt(j0.acquired_at, j1.released_at + SIM_US(1));
    cr_assert_eq(f.lock->contended, 1);
    uint64_t waited = f.lock->wait_cycles;
    cr_assert(waited >= US_CYCLES(14) && waited <= US_CYCLES(16), "waited %llu cycles",
              (unsigned long long)waited);
    cr_assert_geq(chip_tile_prof(f.c, 0)->cycles[TILE_LABEL_LOCK], waited);
    cr_assert_geq(chip_tile_prof(f.c, 1)->syncs, 1);
    chip_destroy(f.c);
    sim_engine_destroy(f.e);
}

/* A lock kept past its handler's end is a fault, and whoever waits for it is
 * reported when the run ends instead of hanging the simulator. */
static void take_and_keep(struct tile *t, void *arg) { tile_lock_acquire(t, arg); }
static void take_later(struct tile *t, void *arg) {
    tile_charge(t, 1000);
    tile_lock_acquire(t, arg);
}

/* A run that ends while the holder is still inside the handler that took
 * the lock (a fixed duration cuts it) leaves a waiter that is no fault. */
static void take_and_compute(struct tile *t, void *arg) {
    tile_lock_acquire(t, arg);
    tile_charge(t, 100000);
    tile_lock_release(t, arg);
}

Test(tile_sync, a_wait_cut_by_the_end_is_not_a_fault) {
    struct fixture f;
    setup_with(&f, CHIP_FAULT_LOG);
    char err[200];
    cr_assert_eq(
        chip_tile_start(f.c, 2, TILE_ROLE_APP, 0, take_and_compute, f.lock, err, sizeof err), 0);
    cr_assert_eq(chip_tile_start(f.c, 3, TILE_ROLE_APP, 0, take_later, f.lock, err, sizeof err), 0);
    sim_engine_run_until(f.e, SIM_US(10)); /* tile 2 holds the lock, tile 3 waits */
    cr_assert_eq(f.lock->word, 3, "tile 2 holds the lock at the cut");
    chip_finish(f.c, sim_engine_now(f.e));
    const struct tile_fault *fl;
    size_t n = chip_faults(f.c, &fl);
    cr_assert_eq(n, 0, "first: %s", n ? fl[0].what : "-");
    chip_destroy(f.c);
    sim_engine_destroy(f.e);
}

Test(tile_sync, a_waiter_left_at_the_end_is_reported) {
    struct fixture f;
    setup_with(&f, CHIP_FAULT_LOG);
    char err[200];
    cr_assert_eq(chip_tile_start(f.c, 2, TILE_ROLE_APP, 0, take_and_keep, f.lock, err, sizeof err),
                 0);
    cr_assert_eq(chip_tile_start(f.c, 3, TILE_ROLE_APP, 0, take_later, f.lock, err, sizeof err), 0);
    sim_engine_run_until(f.e, SIM_TIME_MAX);
    chip_finish(f.c, sim_engine_now(f.e));
    const struct tile_fault *fl;
    size_t n = chip_faults(f.c, &fl);
    bool kept = false, waiting = false;
    for (size_t i = 0; i < n; i++) {
        kept |= fl[i].tile == 2 && strstr(fl[i].what, "still held at the end of a handler");
        waiting |= fl[i].tile == 3 && strstr(fl[i].what, "still waiting at the end of the run") &&
                   strstr(fl[i].what, "held by tile 2");
    }
    cr_assert(kept && waiting, "%zu faults; first: %s", n, n ? fl[0].what : "-");
    chip_destroy(f.c);
    sim_engine_destroy(f.e);
}
