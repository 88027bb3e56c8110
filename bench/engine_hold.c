/* bench/engine_hold.c: the classic hold-model benchmark of the event engine.
 *
 * For N in 10^2 .. 10^6: keep N events pending; each event run schedules one
 * more at now + an exponential delay (mean 1 us). Reports events per host
 * second (median of 3 repetitions) for each N.
 *
 *   build/release/bench_engine_hold [EVENTS_PER_POINT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/kernel/engine.h"
#include "sim/kernel/rng.h"

struct hold {
    struct sim_engine *e;
    struct sim_rng rng;
    uint64_t left;
};

static void hold_event(void *ctx, void *arg) {
    struct hold *h = ctx;
    (void)arg;
    if (--h->left == 0) {
        sim_engine_stop(h->e);
        return;
    }
    sim_time_t d = (sim_time_t)sim_rng_exponential(&h->rng, 1e6);
    sim_engine_schedule_in(h->e, d, hold_event, h, NULL);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
    printf("# hold model: events per host second (median of 3), %llu events per run\n",
           (unsigned long long)events);
    printf("%10s %14s\n", "pending", "Mevents/s");
    for (uint64_t n = 100; n <= 1000000; n *= 10) {
        double rate[3];
        for (int rep = 0; rep < 3; rep++) {
            struct hold h = {.e = sim_engine_create(), .left = events};
            sim_rng_init(&h.rng, 1, 42);
            for (uint64_t i = 0; i < n; i++)
                sim_engine_schedule_in(h.e, (sim_time_t)sim_rng_exponential(&h.rng, 1e6),
                                       hold_event, &h, NULL);
            double t0 = now_s();
            uint64_t ran = sim_engine_run_until(h.e, SIM_TIME_MAX);
            double t1 = now_s();
            rate[rep] = (double)ran / (t1 - t0) / 1e6;
            sim_engine_destroy(h.e);
        }
        qsort(rate, 3, sizeof rate[0], cmp_double);
        printf("%10llu %14.2f\n", (unsigned long long)n, rate[1]);
    }
    return 0;
}
