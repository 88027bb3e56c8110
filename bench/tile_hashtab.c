/* bench/tile_hashtab.c: a hash-table lookup loop as tile code on 36 tiles,
 * run instrumented through the full cache model, and the same lookups run
 * natively. Prints simulated instructions per host second and the slowdown.
 *
 * usage: bench_tile_hashtab [batches] [lookups_per_batch] [shared|private|small] [reps]
 * Three tables: "shared" (one 1 MiB table in shared memory, homes spread over
 * the chip: L3 traffic), "private" (each tile its own 256 KiB table: L2) and
 * "small" (each tile its own 8 KiB table: L1). The whole run (a new chip,
 * the simulation, then the native lookups) is repeated `reps` times (default
 * 3) and each time is the best of its kind: the simulation's over the reps,
 * the native ones over 5 runs per rep, once tile after tile (each table hot
 * in the host's caches) and once interleaved as the simulation runs the
 * handlers (batch b of every tile, then batch b + 1). The simulated outcome
 * (cache hits per level, back-invalidations, memory cycles, simulated time) is printed too: a
 * speed change must leave it alone, and every rep must give the same one.
 * Times are the process's CPU time (host_s, native_s), so other load on the
 * machine matters less (but it still shares the host's caches). The medians
 * (of the reps' simulations, of all native runs) are printed beside the
 * best times, as the spread of a noisy host: *_median keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/calib/calib.h"
#include "sim/kernel/engine.h"
#include "sim/tile/chip_config.h"
#include "sim/tile/tile.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define NATIVE_RUNS 5 /* native runs per rep (each is short, so noise matters) */

struct result {
    double sim_s, native_s, native_il_s;
    double native_all[NATIVE_RUNS], native_il_all[NATIVE_RUNS]; /* every run's time */
    uint64_t instr, lookups, sum_sim, sum_native, mem_cycles;
    uint64_t l1, l2, l3, dram, back_inval, loads, stores;
    double sim_us;
};

/* The 5th argument: chip.tile.sync_quantum_cycles (default: the config's). */
static long long quantum_arg = -1;

static struct result run(int shared, uint64_t cap, uint64_t batches, uint64_t per_batch) {
    struct result res = {0};
    struct chip_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg_defaults(&chip_config_section, &cfg);
    if (quantum_arg >= 0) cfg.tile.sync_quantum_cycles = (uint64_t)quantum_arg;
    struct sim_engine *e = sim_engine_create();
    char err[256];
    struct chip_geom g = {6, 6};
    struct chip *c = chip_create(&cfg, &g, e, err, sizeof err);
    if (!c) {
        fprintf(stderr, "bench_tile_hashtab: %s\n", err);
        exit(1);
    }
    struct mem_region *table =
        shared ? chip_region_create(c, MEM_SHARED, "table", 2 * cap * 8, -1, -1) : NULL;
    struct calib_hashtab *h[36];
    struct calib_hashtab native[36];
    for (unsigned t = 0; t < 36; t++) {
        struct mem_region *pr = chip_private_region(c, t);
        h[t] = mem_alloc(pr, sizeof *h[t]);
        memset(h[t], 0, sizeof *h[t]);
        if (shared) {
            h[t]->keys = (uint64_t *)table->host;
            h[t]->vals = (uint64_t *)table->host + cap;
        } else {
            h[t]->keys = mem_alloc(pr, cap * 8);
            h[t]->vals = mem_alloc(pr, cap * 8);
            memset(h[t]->keys, 0, cap * 8);
        }
        h[t]->capacity = cap;
        h[t]->entries = cap / 2;
        h[t]->seed = shared ? 12345 : 1000 + t;
        if (!shared || t == 0) calib_hashtab_fill_native(h[t]);
        h[t]->lookups = per_batch;
        h[t]->batches = batches;
        native[t] = *h[t];
        native[t].found = native[t].sum = 0;
        if (chip_tile_start(c, t, TILE_ROLE_APP, 0, calib_hashtab_main, h[t], err, sizeof err)) {
            fprintf(stderr, "bench_tile_hashtab: %s\n", err);
            exit(1);
        }
    }
    double t0 = now_s();
    sim_engine_run_until(e, SIM_TIME_MAX);
    res.sim_s = now_s() - t0;
    res.sim_us = (double)sim_engine_now(e) / 1e6;
    for (unsigned t = 0; t < 36; t++) {
        res.instr += chip_tile_prof(c, t)->instr;
        res.mem_cycles += chip_tile_prof(c, t)->mem_cycles;
        res.loads += chip_tile_prof(c, t)->loads;
        res.stores += chip_tile_prof(c, t)->stores;
        res.sum_sim += h[t]->sum;
        const struct cache_tile_stats *cs = &chip_caches(c)->st[t];
        res.l1 += cs->l1_hits;
        res.l2 += cs->l2_hits;
        res.l3 += cs->l3_hits;
        res.dram += cs->dram;
        res.back_inval += cs->back_inval;
    }
    const struct tile_fault *f;
    if (chip_faults(c, &f)) {
        fprintf(stderr, "bench_tile_hashtab: fault: %s\n", f[0].what);
        exit(1);
    }
    /* native: the best of NATIVE_RUNS runs */
    res.native_s = 1e30;
    for (int rep = 0; rep < NATIVE_RUNS; rep++) {
        for (unsigned t = 0; t < 36; t++) native[t].found = native[t].sum = 0;
        t0 = now_s();
        for (unsigned t = 0; t < 36; t++)
            for (uint64_t b = 0; b < batches; b++) calib_hashtab_lookups_native(&native[t]);
        double dt = now_s() - t0;
        res.native_all[rep] = dt;
        if (dt < res.native_s) res.native_s = dt;
    }
    for (unsigned t = 0; t < 36; t++) res.sum_native += native[t].sum;
    /* native again, in the simulation's order (batch b of every tile, then
     * batch b + 1): the tables are then as cold in the host's caches as
     * they are for the simulation */
    res.native_il_s = 1e30;
    for (int rep = 0; rep < NATIVE_RUNS; rep++) {
        for (unsigned t = 0; t < 36; t++) native[t].found = native[t].sum = 0;
        t0 = now_s();
        for (uint64_t b = 0; b < batches; b++)
            for (unsigned t = 0; t < 36; t++) calib_hashtab_lookups_native(&native[t]);
        double dt = now_s() - t0;
        res.native_il_all[rep] = dt;
        if (dt < res.native_il_s) res.native_il_s = dt;
    }
    res.lookups = 36 * batches * per_batch;
    chip_destroy(c);
    sim_engine_destroy(e);
    return res;
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of n values (sorts them). */
static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    uint64_t batches = argc > 1 ? strtoull(argv[1], NULL, 10) : 40;
    uint64_t per_batch = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
    if (!batches || !per_batch) {
        fprintf(stderr, "usage: bench_tile_hashtab [batches >= 1] [lookups_per_batch >= 1] "
                        "[shared|private|small] [reps >= 1]\n");
        return 1;
    }
    const char *names[] = {"shared", "private", "small"};
    const uint64_t caps[] = {65536, 16384, 512};
    const unsigned long reps = argc > 4 ? strtoul(argv[4], NULL, 10) : 3;
    if (argc > 5) quantum_arg = strtoll(argv[5], NULL, 10);
    if (reps < 1) {
        fprintf(stderr, "bench_tile_hashtab: reps '%s': expected a count >= 1\n", argv[4]);
        return 1;
    }
    int only = -1;
    if (argc > 3 && strcmp(argv[3], "all")) {
        for (int k = 0; k < 3; k++)
            if (!strcmp(argv[3], names[k])) only = k;
        if (only < 0) {
            fprintf(stderr, "bench_tile_hashtab: table '%s': expected shared, private or small\n",
                    argv[3]);
            return 1;
        }
    }
    for (int k = 0; k < 3; k++) {
        if (only >= 0 && k != only) continue;
        int shared = k == 0;
        struct result r = run(shared, caps[k], batches, per_batch);
        /* every rep's simulation time and every native run's, for the medians */
        double *sim_all = calloc(reps, sizeof *sim_all);
        double *nat_all = calloc(reps * NATIVE_RUNS, sizeof *nat_all);
        double *nat_il_all = calloc(reps * NATIVE_RUNS, sizeof *nat_il_all);
        if (!sim_all || !nat_all || !nat_il_all) {
            fprintf(stderr, "bench_tile_hashtab: out of memory\n");
            return 1;
        }
        sim_all[0] = r.sim_s;
        memcpy(nat_all, r.native_all, sizeof r.native_all);
        memcpy(nat_il_all, r.native_il_all, sizeof r.native_il_all);
        for (unsigned long rep = 1; rep < reps; rep++) {
            struct result again = run(shared, caps[k], batches, per_batch);
            sim_all[rep] = again.sim_s;
            memcpy(nat_all + rep * NATIVE_RUNS, again.native_all, sizeof again.native_all);
            memcpy(nat_il_all + rep * NATIVE_RUNS, again.native_il_all, sizeof again.native_il_all);
            if (again.instr != r.instr || again.mem_cycles != r.mem_cycles ||
                again.sim_us != r.sim_us || again.l1 != r.l1 || again.dram != r.dram) {
                fprintf(stderr, "bench_tile_hashtab: rep %lu simulated a different outcome\n", rep);
                return 1;
            }
            if (again.sim_s < r.sim_s) r.sim_s = again.sim_s;
            if (again.native_s < r.native_s) r.native_s = again.native_s;
            if (again.native_il_s < r.native_il_s) r.native_il_s = again.native_il_s;
        }
        const double sim_med = median(sim_all, reps), nat_med = median(nat_all, reps * NATIVE_RUNS),
                     nat_il_med = median(nat_il_all, reps * NATIVE_RUNS);
        free(sim_all);
        free(nat_all);
        free(nat_il_all);
        if (r.sum_sim != r.sum_native) {
            fprintf(stderr, "bench_tile_hashtab: instrumented and native results differ\n");
            return 1;
        }
        printf("{\"table\": \"%s\", \"tiles\": 36, \"reps\": %lu, \"lookups\": %llu, "
               "\"sim_instructions\": %llu, "
               "\"host_s\": %.3f, \"native_s\": %.4f, \"sim_minstr_per_host_s\": %.1f, "
               "\"slowdown_vs_native\": %.2f, \"native_interleaved_s\": %.4f, "
               "\"slowdown_vs_native_interleaved\": %.2f, \"host_s_median\": %.3f, "
               "\"native_s_median\": %.4f, \"slowdown_vs_native_median\": %.2f, "
               "\"slowdown_vs_native_interleaved_median\": %.2f, "
               "\"simulated_us\": %.1f, \"mem_cycles\": %llu, "
               "\"loads\": %llu, \"stores\": %llu, "
               "\"l1_hits\": %llu, \"l2_hits\": %llu, \"l3_hits\": %llu, \"dram\": %llu, "
               "\"back_invalidations\": %llu}\n",
               names[k], reps, (unsigned long long)r.lookups, (unsigned long long)r.instr, r.sim_s,
               r.native_s, (double)r.instr / r.sim_s / 1e6, r.sim_s / r.native_s, r.native_il_s,
               r.sim_s / r.native_il_s, sim_med, nat_med, sim_med / nat_med, sim_med / nat_il_med,
               r.sim_us, (unsigned long long)r.mem_cycles, (unsigned long long)r.loads,
               (unsigned long long)r.stores, (unsigned long long)r.l1, (unsigned long long)r.l2,
               (unsigned long long)r.l3, (unsigned long long)r.dram,
               (unsigned long long)r.back_inval);
    }
    return 0;
}
