/* workloads/sla and workloads/lathist: the SLA bisection over a synthetic
 * latency curve, and the histogram's quantiles. */
#include "workloads/lathist.h"
#include "workloads/sla.h"

#include <criterion/criterion.h>
#include <math.h>

/* An M/M/1-like curve: p99 = base / (1 - q / cap) (us); achieved: q up to
 * the capacity. */
struct curve {
    double base, cap;
    unsigned calls;
};

static int run(void *ctx, double q, double *p99, double *achieved) {
    struct curve *c = ctx;
    c->calls++;
    *p99 = q < c->cap ? c->base / (1 - q / c->cap) : 1e9;
    *achieved = q < c->cap ? q : c->cap;
    return 0;
}

Test(sla, bisection_finds_the_knee) {
    struct curve c = {50, 1e6, 0};
    struct sla_config cfg = {
        .lo = 1e4, .hi = 2e6, .p99_max = 500, .min_achieved = 0.95, .rel_tol = 0.001};
    struct sla_result r;
    cr_assert_eq(sla_search(&cfg, run, &c, &r), 0);
    /* p99 = 500 at q = 0.9 cap */
    cr_assert(r.found);
    cr_assert(r.qps <= 9e5 && r.qps > 9e5 * 0.998, "found %f", r.qps);
    cr_assert_leq(r.p99, 500);
    cr_assert_eq(r.runs, c.calls);
    cr_assert_lt(r.runs, 30);
    for (unsigned i = 0; i < r.runs; i++)
        cr_assert_eq(r.trace[i].ok,
                     r.trace[i].p99 <= 500 && r.trace[i].achieved >= 0.95 * r.trace[i].qps);
}

Test(sla, edges) {
    struct curve c = {50, 1e6, 0};
    struct sla_result r;
    /* the whole bracket passes: hi */
    struct sla_config cfg = {.lo = 1e3, .hi = 1e5, .p99_max = 500, .rel_tol = 0.01};
    cr_assert_eq(sla_search(&cfg, run, &c, &r), 0);
    cr_assert(r.found);
    cr_assert_eq(r.qps, 1e5);
    cr_assert_eq(r.runs, 2);
    /* nothing passes */
    cfg.p99_max = 10;
    cr_assert_eq(sla_search(&cfg, run, &c, &r), 0);
    cr_assert(!r.found);
    cr_assert_eq(r.runs, 1);
    /* the run limit */
    cfg = (struct sla_config){.lo = 1e3, .hi = 2e6, .p99_max = 500, .max_runs = 5};
    cr_assert_eq(sla_search(&cfg, run, &c, &r), 0);
    cr_assert_eq(r.runs, 5);
    cr_assert(r.found && r.qps < 9e5);
    /* an achieved-rate failure: the capacity caps the answer even with a
     * loose latency SLA (at cap / 0.95, where 95% of the offer is met) */
    cfg = (struct sla_config){
        .lo = 1e3, .hi = 4e6, .p99_max = 1e12, .min_achieved = 0.95, .rel_tol = 0.001};
    c.base = 1;
    cr_assert_eq(sla_search(&cfg, run, &c, &r), 0);
    cr_assert(r.qps <= 1e6 / 0.95 && r.qps > 0.999e6 / 0.95, "found %f", r.qps);
    /* bad configurations */
    cfg.hi = cfg.lo;
    cr_assert_eq(sla_search(&cfg, run, &c, &r), -1);
}

static int aborting(void *ctx, double q, double *p99, double *achieved) {
    (void)ctx;
    *p99 = 1;
    *achieved = q;
    return q > 1e3 ? 7 : 0;
}

Test(sla, callback_aborts) {
    struct sla_config cfg = {.lo = 1e3, .hi = 1e5, .p99_max = 500};
    struct sla_result r;
    cr_assert_eq(sla_search(&cfg, aborting, NULL, &r), 7);
    cr_assert_eq(r.runs, 1);
}

Test(lathist, quantiles_within_error) {
    struct lathist h;
    cr_assert(lathist_init(&h, LATHIST_SUB_BITS, NULL));
    for (uint64_t v = 1; v <= 100000; v++) lathist_record(&h, v * 1000);
    cr_assert_eq(h.count, 100000);
    double err = ldexp(1.0, -LATHIST_SUB_BITS);
    const double q[] = {0.5, 0.9, 0.99, 0.999};
    for (int i = 0; i < 4; i++) {
        double want = q[i] * 100000 * 1000;
        double got = (double)lathist_quantile(&h, q[i]);
        cr_assert(fabs(got - want) <= want * err + 1000, "q %f: %f want %f", q[i], got, want);
    }
    cr_assert_eq(lathist_quantile(&h, 0), 1000);
    cr_assert_eq(lathist_quantile(&h, 1), 100000000);
    cr_assert(fabs(lathist_mean(&h) - 50000.5 * 1000) < 1);
    struct lathist g;
    cr_assert(lathist_init(&g, LATHIST_SUB_BITS, NULL));
    lathist_record(&g, 5);
    cr_assert(lathist_merge(&h, &g));
    cr_assert_eq(h.min, 5);
    lathist_reset(&h);
    cr_assert_eq(lathist_quantile(&h, 0.5), 0);
    lathist_fini(&g);
    lathist_fini(&h);
    cr_assert(!lathist_init(&h, 1, NULL));
    lathist_fini(&h);
}
