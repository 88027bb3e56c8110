/* workloads/sla.h: the highest load that meets a latency SLA, found by
 * bisection over runs (the paper's "throughput at p99 <= 500 us").
 *
 * What it does: pure logic over a callback that runs the system at an
 * offered rate q and reports the p99 latency and the achieved rate. A run
 * meets the SLA when its p99 is at most cfg.p99_max and it achieved at
 * least cfg.min_achieved of what was offered (an overloaded open-loop
 * client falls behind: its rate, not only its latency, fails). First q = lo
 * is run (failing: nothing meets the SLA, found = false), then q = hi
 * (meeting it: hi is the answer, the bracket was too low); otherwise the
 * bracket [lo, hi) is halved until its width is at most cfg.rel_tol * lo or
 * cfg.max_runs runs were made. The answer is the highest rate run that met
 * the SLA; every run is kept in the trace, in order. Latency curves are
 * noisy, so the answer assumes a curve that rises with the load: a run
 * failing below one that passed is taken as it comes (the bracket follows
 * the last run).
 *
 * Memory: none (the result holds the trace). Cost: at most max_runs calls
 * of the callback (SLA_MAX_RUNS at most).
 */
#ifndef TESSERA_WORKLOADS_SLA_H
#define TESSERA_WORKLOADS_SLA_H

#include <stdbool.h>

#define SLA_MAX_RUNS 64

/* Runs at offered rate qps; fills *p99 (any unit, the same as p99_max) and
 * *achieved (the same unit as qps). Returns 0, or non-zero to abort the
 * search (sla_search then returns it). */
typedef int (*sla_run_fn)(void *ctx, double qps, double *p99, double *achieved);

struct sla_config {
    double lo, hi;       /* the bracket, 0 < lo < hi */
    double p99_max;      /* the SLA */
    double min_achieved; /* fraction of the offered rate (0.95); 0: not checked */
    double rel_tol;      /* stop when hi - lo <= rel_tol * lo (0.01) */
    unsigned max_runs;   /* 2..SLA_MAX_RUNS (0: SLA_MAX_RUNS) */
};

struct sla_point {
    double qps, p99, achieved;
    bool ok;
};

struct sla_result {
    bool found;           /* some run met the SLA */
    double qps;           /* the highest offered rate that met it */
    double p99, achieved; /* that run's */
    unsigned runs;        /* made */
    struct sla_point trace[SLA_MAX_RUNS];
};

/* Whether one run meets the SLA (as sla_search judges it). */
bool sla_ok(const struct sla_config *cfg, double qps, double p99, double achieved);
/* 0; -1 for a bad configuration; or the callback's non-zero return (the
 * result holds the runs made so far). */
int sla_search(const struct sla_config *cfg, sla_run_fn run, void *ctx, struct sla_result *out);

#endif
