/* sim/kernel/stats.h: statistics that components keep and dump into results.
 *
 * - Counters are plain uint64_t fields in the component's struct.
 * - struct stat_tavg: a time-weighted average of a piecewise-constant value
 *   (queue occupancy, busy fraction): area under the curve / elapsed time.
 * - struct stat_hist: a log-linear histogram in the manner of HdrHistogram.
 *   Values are unsigned 64-bit integers (picoseconds, cycles, bytes). Values
 *   below 2^sub_bits are counted exactly; above, each power-of-two range is
 *   split into 2^(sub_bits-1) equal buckets, so a bucket's width is at most
 *   2^-(sub_bits-1) of its lower bound. A percentile is reported as the
 *   midpoint of the bucket holding it, hence within a relative error of
 *   2^-sub_bits of the true order statistic (stat_hist_rel_error()); min, max,
 *   count and mean are exact. With the default 8 sub-bits: 0.39%.
 *
 * Memory: a histogram owns 2^sub_bits + (64 - sub_bits) * 2^(sub_bits-1)
 * counters (8 sub-bits: 7424 buckets, 58 KiB), allocated by _init and freed
 * by _fini.
 * Cost: recording is O(1) (a count-leading-zeros and an add); a percentile
 * query is O(buckets).
 */
#ifndef TESSERA_SIM_KERNEL_STATS_H
#define TESSERA_SIM_KERNEL_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/kernel/engine.h"

struct json_writer;

struct stat_tavg {
    sim_time_t start, last;
    double value; /* current value */
    double area;  /* integral of value over [start, last] */
};

void stat_tavg_init(struct stat_tavg *a, sim_time_t now, double value);
/* The value changes to `value` at time `now` (now >= last). */
void stat_tavg_set(struct stat_tavg *a, sim_time_t now, double value);
/* Average over [start, now]; the current value if no time has passed. */
double stat_tavg_mean(const struct stat_tavg *a, sim_time_t now);
/* Forget the past (end of warm-up): the average restarts at now. */
void stat_tavg_reset(struct stat_tavg *a, sim_time_t now);

#define STAT_HIST_DEFAULT_SUB_BITS 8

struct stat_hist {
    unsigned sub_bits;
    uint64_t *bucket;
    uint32_t nbuckets;
    uint64_t count;
    uint64_t min, max;
    long double sum;
};

/* sub_bits in 2..16. Returns false on allocation failure. */
bool stat_hist_init(struct stat_hist *h, unsigned sub_bits);
void stat_hist_fini(struct stat_hist *h);
void stat_hist_reset(struct stat_hist *h);
void stat_hist_record(struct stat_hist *h, uint64_t v);
void stat_hist_record_n(struct stat_hist *h, uint64_t v, uint64_t n);
/* Adds src into dst (same sub_bits; asserted). */
void stat_hist_merge(struct stat_hist *dst, const struct stat_hist *src);
double stat_hist_mean(const struct stat_hist *h);
/* The value at quantile q in [0, 1] (q = 0.99 for p99); 0 if empty. The
 * nearest-rank order statistic, within stat_hist_rel_error() of it. */
uint64_t stat_hist_quantile(const struct stat_hist *h, double q);
double stat_hist_rel_error(const struct stat_hist *h);

/* Writes {"count","min","max","mean","p50","p90","p99","p999","rel_error"}
 * scaled by 1/divisor (e.g. 1000 to turn ps into ns; 1 for none), with `unit`
 * recorded as "unit". With no sample (count 0) min..p999 are null: nothing
 * was measured, which is not a value of 0. */
void stat_hist_write_json(const struct stat_hist *h, struct json_writer *w, double divisor,
                          const char *unit);

#endif
