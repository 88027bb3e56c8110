/* bench/nic_tile_echo.c: host speed of ingress + egress with the echo tile
 * program (the issue 5 benchmark).
 *
 * A generator floods port 0 of the device on a 6x6 chip at line rate with
 * UDP frames of FRAME_BYTES over 1024 flows; the classifier spreads them
 * over RINGS notification rings, each mapped to a network tile running
 * workloads/tile/echo_tile.c (instrumented tile code: its instructions,
 * its memory accesses through the cache model, the driver calls charged);
 * the echo posts every buffer back out through its own eDMA ring on port 0;
 * the generator receives the echoes. Reports frames echoed per host second
 * (wall clock and CPU time of this process, medians of 3), the simulated
 * rate, engine events per frame, and the echo tiles' busy share.
 *
 *   build-rel/bench/bench_nic_tile_echo [FRAMES [FRAME_BYTES [RINGS]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nic/eth_gen.h"
#include "sim/chip/chip_nic.h"
#include "sim/kernel/config.h"
#include "workloads/tile/echo_tile.h"

static double now_s(clockid_t clk) {
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : 60;
    unsigned rings = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 4;
    if (frames == 0 || rings == 0 || rings > 32) {
        fprintf(stderr, "usage: %s [FRAMES>0 [FRAME_BYTES [RINGS 1..32]]]\n", argv[0]);
        return 2;
    }
    double rates[3], cpu_rates[3], sim_pps = 0, ev_per_frame = 0, busy = 0;
    uint64_t echoed = 0, drops = 0, driver = 0, total = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct chip_config ccfg = {0};
        struct nic_config ncfg = {0};
        cfg_defaults(&chip_config_section, &ccfg);
        cfg_defaults(&nic_config_section, &ncfg);
        ncfg.mpipe.rings = rings;
        ncfg.mpipe.edma_rings = rings;
        char err[256];
        struct sim_engine *eng = sim_engine_create();
        struct chip *chip = chip_create(&ccfg, &(struct chip_geom){6, 6}, eng, err, sizeof err);
        struct chip_nic *cn =
            chip ? chip_nic_create(chip, eng, &ncfg, "chip0", err, sizeof err) : NULL;
        if (!cn) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        struct mpipe *m = chip_nic_mpipe(cn);
        struct echo_tile *x[32];
        for (unsigned i = 0; i < rings; i++) {
            unsigned tile = 1 + i; /* tiles 1.. (the shim sits by tile 0) */
            mpipe_edma_bind(m, i, 0);
            x[i] = mem_alloc(chip_private_region(chip, tile), sizeof *x[i]);
            *x[i] = (struct echo_tile){.ring = 0, .ering = i, .batch = 32};
            if (chip_nic_map_ring(cn, i, tile, 0) ||
                chip_tile_start(chip, tile, TILE_ROLE_NET, 0, echo_tile_main, x[i], err,
                                sizeof err)) {
                fprintf(stderr, "tile %u: %s\n", tile, err);
                return 1;
            }
        }
        struct eth_gen_params p = {
            .count = frames, .frame_bytes = bytes, .flows = 1024, .proto = IP_PROTO_UDP, .seed = 1};
        struct eth_gen *g = eth_gen_create(eng, &ncfg.eth, &p, "gen", err, sizeof err);
        if (!g) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        eth_cable_connect(&g->port, mpipe_port(m, 0));
        eth_gen_start(g, 0);
        double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        sim_engine_run_until(eng, SIM_TIME_MAX);
        double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        sim_time_t end = sim_engine_now(eng);
        chip_finish(chip, end);
        echoed = g->rx_frames;
        const struct mpipe_stats *st = &m->st;
        drops =
            st->drop_classifier_full + st->drop_no_buffer + st->drop_ring_full + st->drop_dma_error;
        for (unsigned i = 0; i < rings; i++) drops += x[i]->dropped;
        rates[rep] = (double)echoed / dt;
        cpu_rates[rep] = (double)echoed / dc;
        sim_pps = echoed > 1 ? (double)(echoed - 1) * 1e12 / (double)(g->rx_last - g->rx_first) : 0;
        ev_per_frame = (double)sim_engine_events_run(eng) / (double)frames;
        driver = total = 0;
        uint64_t idle = 0;
        for (unsigned i = 0; i < rings; i++) {
            const struct tile_prof *pr = chip_tile_prof(chip, 1 + i);
            for (unsigned l = 0; l < TILE_LABEL_COUNT; l++) total += pr->cycles[l];
            driver += pr->cycles[TILE_LABEL_DRIVER];
            idle += pr->cycles[TILE_LABEL_IDLE];
        }
        busy = total ? 1.0 - (double)idle / (double)total : 0;
        eth_gen_destroy(g);
        chip_nic_destroy(cn);
        chip_destroy(chip);
        sim_engine_destroy(eng);
        cfg_release(&nic_config_section, &ncfg);
        cfg_release(&chip_config_section, &ccfg);
    }
    qsort(rates, 3, sizeof rates[0], cmp_double);
    qsort(cpu_rates, 3, sizeof cpu_rates[0], cmp_double);
    printf("nic tile echo: %llu frames of %llu B, %u echo tiles: %.0f frames/host-s wall (median "
           "of 3; min %.0f max %.0f), %.0f frames per CPU-s; echoed %llu, dropped %llu; simulated "
           "%.3f Mpps; %.1f events/frame; echo tiles busy %.1f%%, driver %.1f%% of their "
           "cycles\n",
           (unsigned long long)frames, (unsigned long long)bytes, rings, rates[1], rates[0],
           rates[2], cpu_rates[1], (unsigned long long)echoed, (unsigned long long)drops,
           sim_pps / 1e6, ev_per_frame, 100 * busy,
           total ? 100.0 * (double)driver / (double)total : 0.0);
    return 0;
}
