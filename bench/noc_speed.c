/* bench/noc_speed.c: speed of the mesh model (synthetic uniform traffic,
 * default config: 1 cycle per hop, 5-flit packets).
 *
 *   bench_noc_speed [--reps N] [--cycles C]
 *
 * Points: 6x6 at 0.02, 0.1 and saturation (offered 0.6), and 16x16 and
 * 32x32 at 0.02 (issue 3). Each point simulates C cycles (default 200 000
 * on 6x6, scaled down by the tile count on larger meshes so a point takes a
 * few seconds) after a 2 000-cycle warm-up and reports the median of N
 * repetitions (default 3): simulated cycles per host second, flit-hops
 * (flit-router crossings) per host second, ns per flit-hop, and the peak RSS
 * of the point (each point runs in its own child process). Host seconds are CPU seconds of the process
 * (CLOCK_PROCESS_CPUTIME_ID), steadier than the wall clock on a shared host.
 * Host time is read here only; it never reaches a result file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "noc/noc_synthetic.h"
#include "sim/kernel/config.h"

/* CPU time of this process: on a shared host it depends far less on the
 * other jobs than the wall clock does. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long peak_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv) {
    unsigned reps = 3;
    uint64_t base_cycles = 200000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
            base_cycles = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_noc_speed [--reps N] [--cycles C]\n");
            return 1;
        }
    }
    if (reps < 1 || reps > 99 || base_cycles < 1000) {
        fprintf(stderr, "bench_noc_speed: --reps 1..99, --cycles >= 1000\n");
        return 1;
    }
    const struct {
        unsigned w;
        double rate;
    } pts[] = {{6, 0.02}, {6, 0.1}, {6, 0.6}, {16, 0.02}, {32, 0.02}};
    printf("# mesh   load  cycles      Mcycles/s  Mflit-hops/s  ns/flit-hop  ns/router-cycle  "
           "accepted  peak_rss_MiB\n");
    fflush(stdout);
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench_noc_speed: fork");
            return 1;
        }
        if (pid > 0) {
            int st;
            if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
            continue;
        }
        struct noc_config c;
        memset(&c, 0, sizeof c);
        cfg_defaults(&noc_config_section, &c);
        c.width = c.height = pts[k].w;
        c.traffic.injection_rate = pts[k].rate;
        c.traffic.warmup_cycles = 2000;
        uint64_t cyc = base_cycles * 36 / (pts[k].w * pts[k].w);
        if (cyc < 2000) cyc = 2000;
        c.traffic.measure_cycles = cyc;
        c.traffic.drain_max_cycles = 0; /* time the window, not the drain */
        double cps[99], hps[99], acc = 0;
        for (unsigned r = 0; r < reps; r++) {
            struct sim_engine *e = sim_engine_create();
            char err[256];
            struct noc_synth *s = noc_synth_create(e, &c, r + 1, err, sizeof err);
            if (!s) {
                fprintf(stderr, "bench_noc_speed: %s\n", err);
                return 1;
            }
            double t0 = now_s();
            noc_synth_run(s);
            double dt = now_s() - t0;
            const struct noc_synth_result *res = noc_synth_result(s);
            const struct noc_mesh_counters *ct = noc_mesh_counters(noc_synth_mesh(s));
            /* counters were reset at the window start; the warm-up is also timed, so
             * scale to the whole run: hops over the run ~ window hops x run/window */
            double run_cycles = (double)res->end_cycle;
            double hops = (double)ct->flit_hops * run_cycles / (double)cyc;
            cps[r] = run_cycles / dt;
            hps[r] = hops / dt;
            acc = res->accepted;
            noc_synth_destroy(s);
            sim_engine_destroy(e);
        }
        qsort(cps, reps, sizeof cps[0], cmp_double);
        qsort(hps, reps, sizeof hps[0], cmp_double);
        double c_med = cps[reps / 2], h_med = hps[reps / 2];
        double routers = (double)pts[k].w * pts[k].w;
        printf("%2ux%-2u  %5.2f  %-10lu  %9.3f  %12.2f  %11.1f  %15.2f  %8.4f  %12.1f\n", pts[k].w,
               pts[k].w, pts[k].rate, (unsigned long)cyc, c_med / 1e6, h_med / 1e6, 1e9 / h_med,
               1e9 / (c_med * routers), acc, (double)peak_rss_kib() / 1024.0);
        fflush(stdout);
        cfg_release(&noc_config_section, &c);
        _exit(0);
    }
    return 0;
}
