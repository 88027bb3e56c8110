/* bench/coro_switch.c [N]: the cost of suspending and resuming a coroutine,
 * the tile runtime's (sim/tile/coro.h: Boost.Context's fcontext) against
 * glibc's ucontext (swapcontext, which also sets the signal mask: a system
 * call per switch). Prints ns per yield+resume pair (two switches) for each,
 * the best of 5 rounds of N pairs (default 2,000,000) of CPU time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "sim/tile/coro.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct coro *co;
static long pairs;

static void fc_body(void *a, void *b) {
    (void)a;
    (void)b;
    for (long i = 0; i < pairs; i++) coro_yield(co);
}

static ucontext_t uc_main, uc_co;
static void uc_body(void) {
    for (long i = 0; i < pairs; i++) swapcontext(&uc_co, &uc_main);
}

int main(int argc, char **argv) {
    pairs = argc > 1 ? atol(argv[1]) : 2000000;
    char err[200];
    co = coro_create(64 << 10, 64 << 10, err, sizeof err);
    if (!co) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double best_fc = 1e9, best_uc = 1e9;
    static char stack[256 << 10];
    for (int round = 0; round < 5; round++) {
        double t0 = cpu_s();
        enum coro_status st = coro_run(co, fc_body, NULL, NULL);
        while (st == CORO_SUSPENDED) st = coro_resume(co);
        double fc = (cpu_s() - t0) / (double)pairs;
        getcontext(&uc_co);
        uc_co.uc_stack.ss_sp = stack;
        uc_co.uc_stack.ss_size = sizeof stack;
        uc_co.uc_link = &uc_main;
        makecontext(&uc_co, uc_body, 0);
        t0 = cpu_s();
        for (long i = 0; i <= pairs; i++) swapcontext(&uc_main, &uc_co);
        double uc = (cpu_s() - t0) / (double)pairs;
        if (fc < best_fc) best_fc = fc;
        if (uc < best_uc) best_uc = uc;
    }
    printf("pairs=%ld fcontext_ns_per_pair=%.1f ucontext_ns_per_pair=%.1f ratio=%.1f\n", pairs,
           best_fc * 1e9, best_uc * 1e9, best_uc / best_fc);
    coro_destroy(co);
    return 0;
}
