/* The timing wheel against a trivially correct reference (a flat array
 * scanned for the minimum): random arm/cancel/re-arm/advance sequences must
 * fire the same timers at the same ticks, and twheel_next must agree. */
#include "stack/twheel.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define N 512

struct ref {
    bool armed[N];
    uint64_t exp[N];
};

struct ctx {
    struct twheel_entry e[N];
    uint64_t fired_tick[N];
    unsigned fired[N * 64];
    unsigned nfired;
    struct twheel *w;
    struct ref *ref;
};

static uint64_t rng(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void fire(void *vc, struct twheel_entry *e) {
    struct ctx *c = vc;
    unsigned i = (unsigned)(e - c->e);
    cr_assert(!twheel_armed(e));
    c->fired[c->nfired++] = i;
    c->fired_tick[i] = c->w->now;
}

static int cmpu(const void *a, const void *b) {
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

static void run(uint64_t seed, uint64_t span) {
    struct twheel *w = malloc(sizeof *w);
    struct ctx *c = calloc(1, sizeof *c);
    struct ref *r = calloc(1, sizeof *r);
    uint64_t now = rng(&seed) % 1000000;
    twheel_init(w, now);
    c->w = w;
    c->ref = r;
    for (unsigned i = 0; i < N; i++) twheel_entry_init(&c->e[i]);
    for (unsigned step = 0; step < 20000; step++) {
        unsigned op = (unsigned)(rng(&seed) % 10);
        unsigned i = (unsigned)(rng(&seed) % N);
        if (op < 5) {
            /* Arm at a mix of near and far expiries (all levels). */
            uint64_t d = rng(&seed) % 4 == 0 ? rng(&seed) % span : rng(&seed) % 70;
            twheel_arm(w, &c->e[i], now + d);
            r->armed[i] = true;
            r->exp[i] = now + d;
        } else if (op < 7) {
            twheel_cancel(w, &c->e[i]);
            r->armed[i] = false;
        } else {
            uint64_t to = now + (rng(&seed) % 3 == 0 ? rng(&seed) % span : rng(&seed) % 100);
            /* Reference: everything due by `to`, grouped by tick. */
            unsigned expect[N], ne = 0;
            for (unsigned k = 0; k < N; k++)
                if (r->armed[k] && r->exp[k] <= to) {
                    expect[ne++] = k;
                    r->armed[k] = false;
                }
            c->nfired = 0;
            twheel_advance(w, to, fire, c);
            cr_assert_eq(c->nfired, ne, "seed %llu step %u: fired %u, expected %u",
                         (unsigned long long)seed, step, c->nfired, ne);
            for (unsigned k = 0; k < c->nfired; k++)
                cr_assert_eq(c->fired_tick[c->fired[k]], r->exp[c->fired[k]],
                             "fired at the wrong tick");
            /* Fired in nondecreasing expiry order. */
            for (unsigned k = 1; k < c->nfired; k++)
                cr_assert_leq(r->exp[c->fired[k - 1]], r->exp[c->fired[k]]);
            qsort(expect, ne, sizeof expect[0], cmpu);
            qsort(c->fired, c->nfired, sizeof c->fired[0], cmpu);
            cr_assert_arr_eq(expect, c->fired, ne * sizeof expect[0]);
            now = to;
        }
        uint64_t best = TWHEEL_NEVER;
        for (unsigned k = 0; k < N; k++)
            if (r->armed[k] && r->exp[k] < best) best = r->exp[k];
        cr_assert_eq(twheel_next(w), best, "next expiry differs at step %u", step);
        unsigned na = 0;
        for (unsigned k = 0; k < N; k++) na += r->armed[k];
        cr_assert_eq(w->armed, na);
    }
    free(w);
    free(c);
    free(r);
}

Test(twheel, matches_reference_short) { run(1, 5000); }
Test(twheel, matches_reference_all_levels) {
    run(2, 1ull << 34);
    run(5, 1ull << 40);
}
Test(twheel, matches_reference_mixed) {
    run(3, 300000);
    run(4, 1ull << 20);
}

Test(twheel, rearm_from_callback_and_horizon) {
    struct twheel w;
    twheel_init(&w, 0);
    struct twheel_entry e;
    twheel_entry_init(&e);
    /* Beyond the top level's span (2^36 ticks): exact all the same. */
    twheel_arm(&w, &e, (1ull << 40) + 5);
    cr_assert_eq(twheel_next(&w), (1ull << 40) + 5);
    twheel_advance(&w, (1ull << 40) + 4, NULL, NULL);
    cr_assert(twheel_armed(&e), "must not fire early");
    cr_assert_eq(twheel_next(&w), (1ull << 40) + 5);
    twheel_cancel(&w, &e);
    cr_assert_eq(twheel_next(&w), TWHEEL_NEVER);
    /* An expiry in the past fires at the next advance. */
    twheel_advance(&w, (1ull << 40) + 100, NULL, NULL);
    twheel_arm(&w, &e, 5);
    cr_assert_eq(twheel_next(&w), (1ull << 40) + 100);
}
