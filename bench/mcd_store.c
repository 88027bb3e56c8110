/* bench/mcd_store.c: the memcached store alone (workloads/mcd_store.h),
 * native, one core: mutilate's USR mix (GETs of uniformly chosen preloaded
 * keys, a fraction of SETs of 2-byte values) straight on the store's
 * commands, no protocol, no network. Issue 16's target: at least 2 M USR
 * requests per host second with hashpower 20.
 *
 * usage: bench_mcd_store [records] [requests] [hashpower] [get_frac] [reps]
 *   defaults: 1000000 records, 5000000 requests, hashpower 20, 0.99, 3 reps
 * Prints the preload's time, then per rep the requests per host second
 * (CPU time of the request loop) and the best and median of the reps; the
 * counts (hits, stores) must be the same every rep. Locking: none (one
 * thread; the chip's tiles use spin locks, docs/chip.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/mcd_store.h"

static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    uint64_t records = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint64_t requests = argc > 2 ? strtoull(argv[2], NULL, 10) : 5000000;
    unsigned hp = argc > 3 ? (unsigned)atoi(argv[3]) : 20;
    double get_frac = argc > 4 ? atof(argv[4]) : 0.99;
    int reps = argc > 5 ? atoi(argv[5]) : 3;
    if (!records || !requests || hp < 4 || hp > 26 || get_frac < 0 || get_frac > 1 || reps < 1 ||
        reps > 99) {
        fprintf(stderr, "usage: bench_mcd_store [records] [requests] [hashpower 4..26] "
                        "[get_frac] [reps 1..99]\n");
        return 2;
    }
    const unsigned kw = 19, vs = 2;
    struct mcd_store_config cfg = {.hashpower = hp, .mem_bytes = (size_t)256 << 20};
    struct mcd_store *s = mcd_store_create(&cfg, NULL);
    if (!s) {
        fprintf(stderr, "bench_mcd_store: cannot create the store\n");
        return 1;
    }
    mcd_store_set_time(s, 1765000000u);
    double t0 = cpu_s();
    uint64_t n = mcd_store_preload(s, records, kw, vs);
    double preload = cpu_s() - t0;
    if (n < records) {
        fprintf(stderr, "bench_mcd_store: only %llu records fit\n", (unsigned long long)n);
        return 1;
    }
    printf("records %llu\nhashpower %u\npreload_s %.3f\n", (unsigned long long)records, hp,
           preload);
    double rate[99];
    uint64_t hits0 = 0, stored0 = 0;
    for (int r = 0; r < reps; r++) {
        uint64_t rng = 42, hits = 0, stored = 0;
        char key[32];
        t0 = cpu_s();
        for (uint64_t i = 0; i < requests; i++) {
            uint64_t x = splitmix(&rng);
            uint64_t index = x % records;
            mcd_record_key(key, index, kw);
            bool set = (double)(x >> 11) / 9007199254740992.0 >= get_frac;
            if (!set) {
                struct mcd_item *it = mcd_item_get(s, key, kw, false, 0);
                if (it) {
                    hits++;
                    mcd_item_release(s, it);
                }
            } else {
                enum mcd_alloc_err err;
                struct mcd_item *it = mcd_item_alloc(s, key, kw, 0, 0, vs, &err);
                if (!it) continue;
                memcpy(mcd_item_value(it), "42\r\n", vs + 2);
                stored += mcd_item_store(s, it, MCD_SET, 0) == MCD_STORED;
                mcd_item_release(s, it);
            }
        }
        double t = cpu_s() - t0;
        rate[r] = (double)requests / t;
        printf("rep %d: %.0f requests per host second (%llu hits, %llu stored)\n", r, rate[r],
               (unsigned long long)hits, (unsigned long long)stored);
        if (r && (hits != hits0 || stored != stored0)) {
            fprintf(stderr, "bench_mcd_store: rep %d's counts differ from rep 0's\n", r);
            return 1;
        }
        hits0 = hits;
        stored0 = stored;
    }
    qsort(rate, (size_t)reps, sizeof rate[0], cmp_double);
    printf("requests_per_host_s %.0f\nrequests_per_host_s_median %.0f\n", rate[reps - 1],
           rate[reps / 2]);
    mcd_store_destroy(s);
    return 0;
}
