/* sim/calib/hashtab.c: open-addressing hash-table lookups. */
#include "sim/calib/calib.h"

static inline uint64_t mix(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
}

static inline uint64_t next_key(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x | 1;
}

void CALIB_FN(calib_hashtab_fill)(struct calib_hashtab *h) {
    uint64_t mask = h->capacity - 1, s = h->seed;
    for (uint64_t i = 0; i < h->entries; i++) {
        uint64_t k = next_key(&s), idx = mix(k) & mask;
        while (h->keys[idx] && h->keys[idx] != k) idx = (idx + 1) & mask;
        h->keys[idx] = k;
        h->vals[idx] = i;
    }
}

void CALIB_FN(calib_hashtab_lookups)(struct calib_hashtab *h) {
    uint64_t mask = h->capacity - 1, s = h->seed, miss = h->seed ^ 0x5555;
    uint64_t found = 0, sum = 0;
    for (uint64_t i = 0; i < h->lookups; i++) {
        if (i % h->entries == 0) s = h->seed;
        uint64_t k = (i & 1) ? next_key(&s) : (next_key(&miss) & ~1ull);
        uint64_t idx = mix(k) & mask;
        while (h->keys[idx]) {
            if (h->keys[idx] == k) {
                found++;
                sum += h->vals[idx];
                break;
            }
            idx = (idx + 1) & mask;
        }
    }
    h->found += found;
    h->sum += sum;
}

#ifndef CALIB_NATIVE
static void batch(struct tile *t, void *ctx) {
    struct calib_hashtab *h = ctx;
    calib_hashtab_lookups(h);
    if (h->batches > 1) {
        h->batches--;
        tile_timer_arm(t, 1000, batch, h);
    }
}

/* Runs `batches` handlers of `lookups` lookups, one timer apart. */
void calib_hashtab_main(struct tile *t, void *arg) { batch(t, arg); }
#endif
