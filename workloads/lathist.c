#include "workloads/lathist.h"

#include "stack/stk_alloc.h"

#include <string.h>

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

bool lathist_init(struct lathist *h, unsigned sub_bits, const struct stk_alloc *alloc) {
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
    if (sub_bits < 2 || sub_bits > 16) return false;
    h->alloc = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&h->alloc)) return false;
    h->sub_bits = sub_bits;
    h->nbuckets = bucket_count(sub_bits);
    h->bucket = stk_mem_array(&h->alloc, h->nbuckets, sizeof *h->bucket);
    return h->bucket != NULL;
}

void lathist_fini(struct lathist *h) {
    if (h->bucket) stk_mem_free(&h->alloc, h->bucket);
    h->bucket = NULL;
}

void lathist_reset(struct lathist *h) {
    if (h->bucket) memset(h->bucket, 0, h->nbuckets * sizeof *h->bucket);
    h->count = 0;
    h->sum = 0;
    h->min = UINT64_MAX;
    h->max = 0;
}

void lathist_record(struct lathist *h, uint64_t v) {
    if (!h->bucket) return;
    h->bucket[bucket_of(h->sub_bits, v)]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min) h->min = v;
    if (v > h->max) h->max = v;
}

bool lathist_merge(struct lathist *dst, const struct lathist *src) {
    if (!dst->bucket || !src->bucket || dst->sub_bits != src->sub_bits) return false;
    for (uint32_t i = 0; i < dst->nbuckets; i++) dst->bucket[i] += src->bucket[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
    return true;
}

double lathist_mean(const struct lathist *h) { return h->count ? h->sum / (double)h->count : 0.0; }

uint64_t lathist_quantile(const struct lathist *h, double q) {
    if (h->count == 0) return 0;
    if (q <= 0) return h->min;
    if (q >= 1) return h->max;
    double x = q * (double)h->count;
    uint64_t rank = (uint64_t)x;
    if ((double)rank < x) rank++; /* the ceiling, without libm */
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
