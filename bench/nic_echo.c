/* bench/nic_echo.c: host speed of the NIC model.
 *
 * A generator floods port 0 of an mPIPE-like device at line rate with UDP
 * frames of FRAME_BYTES over 1024 flows; the device classifies them onto 4
 * notification rings; a trivial echo (tests/nic/nic_test_util.c) takes each
 * descriptor and posts the buffer back out through an eDMA ring; the
 * generator's port receives the echoes. Reports simulated frames per host
 * second through ingress + egress (each echoed frame counted once; wall
 * clock, and per CPU second of this process, which a shared machine
 * disturbs less), the simulated rate, and engine events per frame. Medians
 * of 3 repetitions.
 *
 *   build/release/bench_nic_echo [FRAMES [FRAME_BYTES]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nic/eth_gen.h"
#include "nic_test_util.h"

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
    uint64_t frames = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
    uint64_t bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : 60;
    double rates[3], cpu_rates[3], sim_pps = 0, ev_per_frame = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct nic_config cfg;
        nic_test_config(&cfg);
        cfg.mpipe.rings = 4;
        struct sim_engine *eng = sim_engine_create();
        struct nic_test_dev dev;
        if (!nic_test_dev_create(&dev, eng, &cfg, "chip")) return 1;
        struct nic_echo echo = {0};
        nic_echo_attach(&echo, dev.m);
        char err[256];
        struct eth_gen_params p = {
            .count = frames, .frame_bytes = bytes, .flows = 1024, .proto = IP_PROTO_UDP, .seed = 1};
        struct eth_gen *g = eth_gen_create(eng, &cfg.eth, &p, "gen", err, sizeof err);
        if (!g) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        eth_cable_connect(&g->port, mpipe_port(dev.m, 0));
        eth_gen_start(g, 0);
        double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        sim_engine_run_until(eng, SIM_TIME_MAX);
        double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (g->rx_frames != frames) {
            fprintf(stderr, "echoed %llu of %llu frames\n", (unsigned long long)g->rx_frames,
                    (unsigned long long)frames);
            return 1;
        }
        rates[rep] = (double)frames / dt;
        cpu_rates[rep] = (double)frames / dc;
        sim_pps = (double)(g->rx_frames - 1) * 1e12 / (double)(g->rx_last - g->rx_first);
        ev_per_frame = (double)sim_engine_events_run(eng) / (double)frames;
        eth_gen_destroy(g);
        nic_test_dev_destroy(&dev);
        sim_engine_destroy(eng);
        nic_test_config_fini(&cfg);
    }
    qsort(rates, 3, sizeof rates[0], cmp_double);
    qsort(cpu_rates, 3, sizeof cpu_rates[0], cmp_double);
    printf("nic echo: %llu frames of %llu B: %.0f frames/host-s wall (median of 3; min %.0f "
           "max %.0f), %.0f frames per CPU-s; simulated %.3f Mpps; %.1f events/frame\n",
           (unsigned long long)frames, (unsigned long long)bytes, rates[1], rates[0], rates[2],
           cpu_rates[1], sim_pps / 1e6, ev_per_frame);
    return 0;
}
