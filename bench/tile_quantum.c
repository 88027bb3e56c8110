/* bench/tile_quantum.c [ROUNDS ITERATIONS]: what the synchronisation
 * quantum (chip.tile.sync_quantum_cycles, docs/tiles.md) does to results and
 * to host time, on two microbenchmarks of tile code (sim/calib/contend.c):
 *   spin:  tiles 0 and 5 (5 hops apart) pass a turn ROUNDS times (default
 *          2000) through one shared word, spinning on it with plain loads;
 *   lock:  8 tiles each take a spin lock ITERATIONS times (default 2000),
 *          add to a shared counter, and compute 50 multiply-adds outside it.
 * For each quantum (1 to 10,000 cycles, and none) it prints the
 * simulated cycles per spin round, the lock benchmark's simulated time (the
 * last tile's cycles), its mean wait per acquisition, the suspensions
 * (syncs) and the host seconds. "none" lets a spinning handler run until its
 * budget: a spin on a word that only another tile writes needs a quantum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/calib/calib.h"
#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/mem.h"
#include "sim/tile/tile.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct chip *make(uint64_t quantum, struct sim_engine **e) {
    struct chip_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg_defaults(&chip_config_section, &cfg);
    cfg.tile.sync_quantum_cycles = quantum;
    cfg.tile.handler_budget_cycles = 50000000; /* the spin without a quantum stops here */
    cfg.protection.on_fault = CHIP_FAULT_STOP;
    *e = sim_engine_create();
    char err[256];
    struct chip_geom g = {6, 6};
    struct chip *c = chip_create(&cfg, &g, *e, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_tile_quantum: %s\n", err);
        exit(1);
    }
    return c;
}

static uint64_t syncs(struct chip *c) {
    uint64_t n = 0;
    for (unsigned i = 0; i < chip_tile_count(c); i++) n += chip_tile_prof(c, i)->syncs;
    return n;
}

static void start(struct chip *c, unsigned tile, tile_main_fn fn, void *arg) {
    char err[256];
    if (chip_tile_start(c, tile, TILE_ROLE_APP, 0, fn, arg, err, sizeof err)) {
        fprintf(stderr, "bench_tile_quantum: %s\n", err);
        exit(1);
    }
}

int main(int argc, char **argv) {
    uint64_t rounds = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000;
    uint64_t iters = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000;
    const uint64_t quanta[] = {1, 3, 10, 30, 100, 300, 1000, 10000, 0};
    printf("quantum,spin_cycles_per_round,spin_done,spin_syncs,spin_host_s,"
           "lock_cycles,lock_wait_per_acq,lock_counter_ok,lock_syncs,lock_host_s\n");
    for (size_t qi = 0; qi < sizeof quanta / sizeof quanta[0]; qi++) {
        uint64_t q = quanta[qi];
        /* spin ping-pong between tiles 0 and 5 */
        struct sim_engine *e;
        struct chip *c = make(q, &e);
        uint64_t *turn = mem_alloc(chip_shared_region(c), 64);
        *turn = 0;
        struct calib_spin *a = mem_alloc(chip_private_region(c, 0), sizeof *a);
        struct calib_spin *b = mem_alloc(chip_private_region(c, 5), sizeof *b);
        *a = (struct calib_spin){.turn = turn, .rounds = rounds, .second = 0};
        *b = (struct calib_spin){.turn = turn, .rounds = rounds, .second = 1};
        double t0 = cpu_s();
        start(c, 0, calib_spin_pingpong_main, a);
        start(c, 5, calib_spin_pingpong_main, b);
        sim_engine_run_until(e, SIM_TIME_MAX);
        double spin_s = cpu_s() - t0;
        int spin_done = a->done && b->done;
        double per_round = spin_done ? (double)b->cycles / (double)rounds : 0;
        uint64_t spin_syncs = syncs(c);
        chip_destroy(c);
        sim_engine_destroy(e);

        /* lock contention on 8 tiles */
        c = make(q, &e);
        struct tile_lock *lock = mem_alloc(chip_shared_region(c), sizeof *lock);
        uint64_t *counter = mem_alloc(chip_shared_region(c), 64);
        tile_lock_init(NULL, lock);
        *counter = 0;
        struct calib_contend *job[8];
        t0 = cpu_s();
        for (unsigned k = 0; k < 8; k++) {
            unsigned tile = k * 4 + 1;
            job[k] = mem_alloc(chip_private_region(c, tile), sizeof *job[k]);
            *job[k] = (struct calib_contend){
                .lock = lock, .counter = counter, .iterations = iters, .work = 50};
            start(c, tile, calib_lock_contend_main, job[k]);
        }
        sim_engine_run_until(e, SIM_TIME_MAX);
        double lock_s = cpu_s() - t0;
        uint64_t makespan = 0;
        for (unsigned k = 0; k < 8; k++)
            if (job[k]->cycles > makespan) makespan = job[k]->cycles;
        double wait =
            lock->acquisitions ? (double)lock->wait_cycles / (double)lock->acquisitions : 0;
        char qs[32];
        snprintf(qs, sizeof qs, "%llu", (unsigned long long)q);
        printf("%s,%.2f,%s,%llu,%.3f,%llu,%.2f,%s,%llu,%.3f\n", q ? qs : "none", per_round,
               spin_done ? "yes" : "no (budget)", (unsigned long long)spin_syncs, spin_s,
               (unsigned long long)makespan, wait, *counter == 8 * iters ? "yes" : "NO",
               (unsigned long long)syncs(c), lock_s);
        chip_destroy(c);
        sim_engine_destroy(e);
    }
    return 0;
}
