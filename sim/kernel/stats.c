#include "sim/kernel/stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/json.h"

void stat_tavg_init(struct stat_tavg *a, sim_time_t now, double value) {
    a->start = a->last = now;
    a->value = value;
    a->area = 0;
}

void stat_tavg_set(struct stat_tavg *a, sim_time_t now, double value) {
    assert(now >= a->last);
    a->area += a->value * (double)(now - a->last);
    a->last = now;
    a->value = value;
}

double stat_tavg_mean(const struct stat_tavg *a, sim_time_t now) {
    assert(now >= a->last);
    sim_time_t span = now - a->start;
    if (span == 0) return a->value;
    return (a->area + a->value * (double)(now - a->last)) / (double)span;
}

void stat_tavg_reset(struct stat_tavg *a, sim_time_t now) { stat_tavg_init(a, now, a->value); }

static uint32_t bucket_count(unsigned s) { return (1u << s) + (64u - s) * (1u << (s - 1)); }

static uint32_t bucket_of(unsigned s, uint64_t v) {
    if (v < (UINT64_C(1) << s)) return (uint32_t)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = e - s + 1;
    uint32_t sub = (uint32_t)(v >> shift) - (1u << (s - 1));
    return (1u << s) + (e - s) * (1u << (s - 1)) + sub;
}

/* Lowest value and width of bucket b. */
static void bucket_range(unsigned s, uint32_t b, uint64_t *lo, uint64_t *width) {
    if (b < (1u << s)) {
        *lo = b;
        *width = 1;
        return;
    }
    uint32_t r = b - (1u << s);
    unsigned e = s + r / (1u << (s - 1));
    uint64_t sub = r % (1u << (s - 1)) + (1u << (s - 1));
    unsigned shift = e - s + 1;
    *lo = sub << shift;
    *width = UINT64_C(1) << shift;
}

bool stat_hist_init(struct stat_hist *h, unsigned sub_bits) {
    assert(sub_bits >= 2 && sub_bits <= 16);
    memset(h, 0, sizeof *h);
    h->sub_bits = sub_bits;
    h->nbuckets = bucket_count(sub_bits);
    h->bucket = calloc(h->nbuckets, sizeof *h->bucket);
    h->min = UINT64_MAX;
    return h->bucket != NULL;
}

void stat_hist_fini(struct stat_hist *h) {
    free(h->bucket);
    h->bucket = NULL;
}

void stat_hist_reset(struct stat_hist *h) {
    memset(h->bucket, 0, h->nbuckets * sizeof *h->bucket);
    h->count = 0;
    h->sum = 0;
    h->min = UINT64_MAX;
    h->max = 0;
}

void stat_hist_record_n(struct stat_hist *h, uint64_t v, uint64_t n) {
    if (n == 0) return;
    h->bucket[bucket_of(h->sub_bits, v)] += n;
    h->count += n;
    h->sum += (long double)v * n;
    if (v < h->min) h->min = v;
    if (v > h->max) h->max = v;
}

void stat_hist_record(struct stat_hist *h, uint64_t v) { stat_hist_record_n(h, v, 1); }

void stat_hist_merge(struct stat_hist *dst, const struct stat_hist *src) {
    assert(dst->sub_bits == src->sub_bits);
    for (uint32_t i = 0; i < dst->nbuckets; i++) dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

double stat_hist_mean(const struct stat_hist *h) {
    return h->count ? (double)(h->sum / h->count) : 0.0;
}

uint64_t stat_hist_quantile(const struct stat_hist *h, double q) {
    if (h->count == 0) return 0;
    if (q <= 0) return h->min;
    if (q >= 1) return h->max;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1) rank = 1;
    uint64_t cum = 0;
    for (uint32_t b = 0; b < h->nbuckets; b++) {
        cum += h->bucket[b];
        if (cum >= rank) {
            uint64_t lo, width;
            bucket_range(h->sub_bits, b, &lo, &width);
            uint64_t mid = lo + width / 2;
            if (mid < h->min) mid = h->min;
            if (mid > h->max) mid = h->max;
            return mid;
        }
    }
    return h->max;
}

double stat_hist_rel_error(const struct stat_hist *h) { return ldexp(1.0, -(int)h->sub_bits); }

void stat_hist_write_json(const struct stat_hist *h, struct json_writer *w, double divisor,
                          const char *unit) {
    if (divisor <= 0) divisor = 1;
    json_object_begin(w);
    json_kv_string(w, "unit", unit);
    json_kv_uint(w, "count", h->count);
    /* No sample: every statistic is null (NAN is written as null), not 0. */
    double none = h->count ? 1.0 : NAN;
    json_kv_double(w, "min", none * (double)h->min / divisor);
    json_kv_double(w, "max", none * (double)h->max / divisor);
    json_kv_double(w, "mean", none * stat_hist_mean(h) / divisor);
    json_kv_double(w, "p50", none * (double)stat_hist_quantile(h, 0.50) / divisor);
    json_kv_double(w, "p90", none * (double)stat_hist_quantile(h, 0.90) / divisor);
    json_kv_double(w, "p99", none * (double)stat_hist_quantile(h, 0.99) / divisor);
    json_kv_double(w, "p999", none * (double)stat_hist_quantile(h, 0.999) / divisor);
    json_kv_double(w, "rel_error", stat_hist_rel_error(h));
    json_object_end(w);
}
