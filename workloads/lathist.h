/* workloads/lathist.h: a latency histogram for the load generators, the
 * log-linear layout of sim/kernel/stats.h's stat_hist (HdrHistogram-like)
 * with its memory from a struct stk_alloc, so that workload code (which may
 * run as tile code, and may include nothing from sim/kernel) can keep one.
 *
 * Values are unsigned 64-bit integers (picoseconds here). Values below
 * 2^sub_bits are counted exactly; above, each power-of-two range is split
 * into 2^(sub_bits-1) equal buckets. A quantile is the midpoint of the
 * bucket holding the nearest-rank order statistic (clamped to min and max),
 * within a relative error of 2^-sub_bits of it; count, min, max and mean
 * are exact (the mean up to a double's rounding of the sum).
 *
 * Memory: 2^sub_bits + (64 - sub_bits) * 2^(sub_bits-1) counters of 8 bytes
 * from the allocator given at init (8 sub-bits: 58 KiB), freed by fini.
 * Cost: record O(1) (a count-leading-zeros and an add); quantile O(buckets).
 */
#ifndef TESSERA_WORKLOADS_LATHIST_H
#define TESSERA_WORKLOADS_LATHIST_H

#include "stack/stk_defs.h"

#define LATHIST_SUB_BITS 8

struct lathist {
    uint64_t *bucket;
    uint32_t nbuckets;
    unsigned sub_bits;
    uint64_t count, min, max;
    double sum;
    struct stk_alloc alloc;
};

/* sub_bits in 2..16 (else false); alloc NULL: the default. False when out
 * of memory (h is then safe to fini). */
bool lathist_init(struct lathist *h, unsigned sub_bits, const struct stk_alloc *alloc);
void lathist_fini(struct lathist *h);
void lathist_reset(struct lathist *h);
void lathist_record(struct lathist *h, uint64_t v);
/* Adds src into dst (same sub_bits, else nothing and false). */
bool lathist_merge(struct lathist *dst, const struct lathist *src);
double lathist_mean(const struct lathist *h);
/* The value at quantile q in [0, 1] (0.99: p99); 0 when empty. */
uint64_t lathist_quantile(const struct lathist *h, double q);

#endif
