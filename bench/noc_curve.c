/* bench/noc_curve.c: latency-throughput curve of the synthetic-traffic mode,
 * printed as a table (the numbers docs/noc.md compares with BookSim).
 *
 *   bench_noc_curve [--booksim] [--measure CYCLES] [--warmup CYCLES]
 *                   [--seeds N] [--size WxH] [--credit CYCLES] [RATE ...]
 *
 * --booksim configures the network of ../shared/facts/noc-reference.md as
 * configs/experiments/noc-booksim.yaml does: 3 cycles per hop (router 2 +
 * link 1), credit loop of 5 cycles, 4-flit buffers, 5-flit packets,
 * uniform traffic with self-traffic, injection 1 + ejection 2 cycles (so a
 * 1-flit packet's zero-load latency is 2 + 3 x routers crossed). Without it:
 * the default config (1 cycle per hop). Each rate is run with N seeds; the
 * table gives the mean over seeds and, with N > 1, the spread (max - min) of
 * the mean latency.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "noc/noc_synthetic.h"
#include "sim/kernel/config.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    struct noc_config c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&noc_config_section, &c);
    bool booksim = false;
    unsigned seeds = 1;
    double rates[64];
    int nrates = 0;
    uint64_t measure = 100000, warmup = 10000;
    long credit = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--credit") && i + 1 < argc)
            credit = strtol(argv[++i], NULL, 10); /* credit_delay_cycles, for exploring */
        else if (!strcmp(argv[i], "--booksim"))
            booksim = true;
        else if (!strcmp(argv[i], "--measure") && i + 1 < argc)
            measure = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
            warmup = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
            seeds = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            unsigned w, h;
            if (sscanf(argv[++i], "%ux%u", &w, &h) != 2 || !w || !h) {
                fprintf(stderr, "bench_noc_curve: --size wants WxH\n");
                return 1;
            }
            c.width = w;
            c.height = h;
        } else if (nrates < 64) {
            char *end;
            double r = strtod(argv[i], &end);
            if (*end || r <= 0 || r > 1) {
                fprintf(stderr, "bench_noc_curve: bad rate '%s' (0 < rate <= 1)\n", argv[i]);
                return 1;
            }
            rates[nrates++] = r;
        }
    }
    if (booksim) {
        c.router_delay_cycles = 2;
        c.link_delay_cycles = 1;
        c.credit_delay_cycles = 2; /* BookSim's 5-cycle credit loop, see noc-booksim.yaml */
        c.injection_delay_cycles = 1;
        c.ejection_delay_cycles = 2;
        c.buffer_depth_flits = 4;
        c.traffic.packet_flits = 5;
        c.traffic.pattern = NOC_PAT_UNIFORM;
    }
    if (credit > 0) c.credit_delay_cycles = (uint64_t)credit;
    if (!nrates) {
        const double def[] = {0.02, 0.05, 0.10, 0.15, 0.18, 0.20, 0.22, 0.24, 0.26, 0.30, 0.40};
        nrates = (int)(sizeof def / sizeof def[0]);
        memcpy(rates, def, sizeof def);
    }
    c.traffic.measure_cycles = measure;
    c.traffic.warmup_cycles = warmup;
    c.traffic.drain_max_cycles = measure;
    printf("# %ux%u %s, %u-flit packets, %u-flit buffers, %u+%u cycles/hop, %lu+%lu cycles, %u "
           "seed(s)\n",
           (unsigned)c.width, (unsigned)c.height, booksim ? "BookSim-like" : "default",
           (unsigned)c.traffic.packet_flits, (unsigned)c.buffer_depth_flits,
           (unsigned)c.router_delay_cycles, (unsigned)c.link_delay_cycles, (unsigned long)warmup,
           (unsigned long)measure, seeds);
    printf(
        "# rate  offered  accepted  latency  spread   p50   p99  zero_load  saturated  wall_s\n");
    for (int k = 0; k < nrates; k++) {
        c.traffic.injection_rate = rates[k];
        double off = 0, acc = 0, lat = 0, lo = 1e300, hi = 0, p50 = 0, p99 = 0, zl = 0;
        int sat = 0;
        double t0 = now_s();
        for (unsigned sd = 1; sd <= seeds; sd++) {
            struct sim_engine *e = sim_engine_create();
            char err[256];
            struct noc_synth *s = noc_synth_create(e, &c, sd, err, sizeof err);
            if (!s) {
                fprintf(stderr, "bench_noc_curve: %s\n", err);
                return 1;
            }
            noc_synth_run(s);
            const struct noc_synth_result *r = noc_synth_result(s);
            double m = stat_hist_mean(&r->latency);
            off += r->offered;
            acc += r->accepted;
            lat += m;
            if (m < lo) lo = m;
            if (m > hi) hi = m;
            p50 += (double)stat_hist_quantile(&r->latency, 0.5);
            p99 += (double)stat_hist_quantile(&r->latency, 0.99);
            zl = r->zero_load_cycles;
            sat += r->saturated;
            noc_synth_destroy(s);
            sim_engine_destroy(e);
        }
        printf("%6.3f  %7.4f  %8.4f  %7.2f  %6.2f  %4.0f  %4.0f  %9.2f  %9d  %6.2f\n", rates[k],
               off / seeds, acc / seeds, lat / seeds, seeds > 1 ? hi - lo : 0.0, p50 / seeds,
               p99 / seeds, zl, sat, now_s() - t0);
        fflush(stdout);
    }
    cfg_release(&noc_config_section, &c);
    return 0;
}
