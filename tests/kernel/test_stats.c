/* Statistics: histogram percentiles against a sorted-array reference, exact
 * min/max/mean, the stated error bound; time-weighted averages. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "sim/kernel/rng.h"
#include "sim/kernel/stats.h"

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* nearest-rank order statistic of a sorted array */
static uint64_t ref_quantile(const uint64_t *v, size_t n, double q) {
    size_t rank = (size_t)ceil(q * (double)n);
    if (rank < 1) rank = 1;
    return v[rank - 1];
}

static void check_against_reference(uint64_t *v, size_t n, unsigned sub_bits) {
    struct stat_hist h;
    cr_assert(stat_hist_init(&h, sub_bits));
    long double sum = 0;
    for (size_t i = 0; i < n; i++) {
        stat_hist_record(&h, v[i]);
        sum += v[i];
    }
    qsort(v, n, sizeof *v, cmp_u64);
    cr_assert_eq(h.count, n);
    cr_assert_eq(h.min, v[0]);
    cr_assert_eq(h.max, v[n - 1]);
    cr_assert_float_eq(stat_hist_mean(&h), (double)(sum / n), 1e-6 * (double)(sum / n) + 1e-9);
    double bound = stat_hist_rel_error(&h);
    const double qs[] = {0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        uint64_t want = ref_quantile(v, n, qs[i]);
        uint64_t got = stat_hist_quantile(&h, qs[i]);
        double err = want ? fabs((double)got - (double)want) / (double)want : (double)got;
        cr_assert(err <= bound, "q=%g: got %llu want %llu (rel err %g > bound %g)", qs[i],
                  (unsigned long long)got, (unsigned long long)want, err, bound);
    }
    cr_assert_eq(stat_hist_quantile(&h, 0), v[0]);
    cr_assert_eq(stat_hist_quantile(&h, 1), v[n - 1]);
    stat_hist_fini(&h);
}

Test(stats, histogram_matches_sorted_reference_exponential) {
    enum { N = 100000 };
    uint64_t *v = malloc(N * sizeof *v);
    struct sim_rng r;
    sim_rng_init(&r, 5, 5);
    for (size_t i = 0; i < N; i++) v[i] = (uint64_t)sim_rng_exponential(&r, 1e6);
    check_against_reference(v, N, STAT_HIST_DEFAULT_SUB_BITS);
    free(v);
}

Test(stats, histogram_matches_sorted_reference_wide_range) {
    enum { N = 50000 };
    uint64_t *v = malloc(N * sizeof *v);
    struct sim_rng r;
    sim_rng_init(&r, 6, 6);
    for (size_t i = 0; i < N; i++) v[i] = sim_rng_u64(&r) >> sim_rng_below(&r, 64);
    check_against_reference(v, N, 4);
    for (size_t i = 0; i < N; i++) v[i] = sim_rng_u64(&r) >> sim_rng_below(&r, 64);
    check_against_reference(v, N, 12);
    free(v);
}

Test(stats, small_values_are_exact) {
    struct stat_hist h;
    stat_hist_init(&h, 8);
    for (uint64_t i = 1; i <= 100; i++) stat_hist_record(&h, i);
    cr_assert_eq(stat_hist_quantile(&h, 0.5), 50);
    cr_assert_eq(stat_hist_quantile(&h, 0.99), 99);
    cr_assert_float_eq(stat_hist_mean(&h), 50.5, 1e-12);
    stat_hist_fini(&h);
}

Test(stats, merge_and_reset) {
    struct stat_hist a, b;
    stat_hist_init(&a, 8);
    stat_hist_init(&b, 8);
    stat_hist_record_n(&a, 10, 3);
    stat_hist_record(&b, 1000000);
    stat_hist_merge(&a, &b);
    cr_assert_eq(a.count, 4);
    cr_assert_eq(a.max, 1000000);
    cr_assert_eq(stat_hist_quantile(&a, 0.5), 10);
    stat_hist_reset(&a);
    cr_assert_eq(a.count, 0);
    cr_assert_eq(stat_hist_quantile(&a, 0.5), 0);
    stat_hist_fini(&a);
    stat_hist_fini(&b);
}

Test(stats, time_weighted_average) {
    struct stat_tavg a;
    stat_tavg_init(&a, 100, 0);
    stat_tavg_set(&a, 200, 4); /* 0 for 100 ps */
    stat_tavg_set(&a, 300, 2); /* 4 for 100 ps */
    cr_assert_float_eq(stat_tavg_mean(&a, 400), (0 * 100 + 4 * 100 + 2 * 100) / 300.0, 1e-12);
    stat_tavg_reset(&a, 400);
    cr_assert_float_eq(stat_tavg_mean(&a, 400), 2.0, 1e-12, "no time: the current value");
    cr_assert_float_eq(stat_tavg_mean(&a, 500), 2.0, 1e-12);
}
