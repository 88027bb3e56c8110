/* 36 stack instances in one process (one per tile of the chip): 18 pairs
 * run lossy transfers interleaved on one wire; then each pair is rebuilt
 * alone with the same identities and seeds. Every instance must emit exactly
 * the same frames (hash over time and bytes) and end with exactly the same
 * counters: no instance can disturb another, which also shows there is no
 * hidden shared state in stack/. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define NI 36
#define NP (NI / 2)

struct sizes {
    uint64_t seed;
};
static uint64_t size_of(void *ctx, uint64_t idx) {
    struct sizes *z = ctx;
    struct h_rng r = {z->seed * 31 + idx};
    return 1 + h_rng_next(&r) % 200000;
}

struct run {
    struct h_net net;
    uint64_t hash[NI];
    uint64_t frames[NI];
};

static void tap(void *ctx, unsigned port, stk_time_t now, const uint8_t *f, size_t len) {
    struct run *r = ctx;
    unsigned id = r->net.id[port];
    uint64_t h = r->hash[id] ^ now;
    for (size_t i = 0; i < len; i++) h = (h ^ f[i]) * 0x100000001b3ull;
    r->hash[id] = h;
    r->frames[id]++;
}

struct side {
    struct sock_rtc *rtc;
    struct h_xfer_app *app;
    struct sizes sz;
};

static void side_init(struct side *s, struct stk *st, bool source, unsigned pair) {
    s->app = calloc(1, sizeof *s->app);
    struct sock_events ev = h_xfer_events();
    s->rtc = sock_rtc_create(&st, 1, &ev, s->app, NULL);
    s->app->sock = sock_rtc_sock(s->rtc);
    s->app->pattern = h_pattern();
    if (source) {
        s->sz.seed = pair + 1;
        s->app->size_of = size_of;
        s->app->size_ctx = &s->sz;
        s->app->dst_ip = h_ip(pair + NP);
        s->app->dst_port = 80;
        s->app->concurrency = 2;
        s->app->limit = 4;
    } else {
        cr_assert_eq(sock_listen(s->app->sock, 1, 80, 16), 0);
    }
}

static void side_fini(struct side *s) {
    sock_rtc_destroy(s->rtc);
    free(s->app);
}

/* Runs pairs [first, first+count) on one wire; records per-identity results. */
static void run_pairs(struct run *r, unsigned first, unsigned count, uint64_t counters[NI][128],
                      uint64_t done[NI]) {
    unsigned ids[NI], n = 0;
    for (unsigned p = first; p < first + count; p++) {
        ids[n++] = p;
        ids[n++] = p + NP;
    }
    struct wire_config wc = {.delay = 30 * STK_US,
                             .loss = 0.03,
                             .dup = 0.02,
                             .reorder = 0.03,
                             .reorder_jitter = 100 * STK_US,
                             .tap = tap,
                             .tap_ctx = r};
    h_net_init_ids(&r->net, n, ids, &wc, 7, NULL);
    struct side sides[NI];
    for (unsigned i = 0; i < n; i++)
        side_init(&sides[i], r->net.s[i], ids[i] < NP, ids[i] < NP ? ids[i] : ids[i] - NP);
    for (unsigned i = 0; i < n; i++)
        if (ids[i] < NP) h_xfer_fill(sides[i].app);
    wire_run(r->net.w, 120 * STK_SEC);
    for (unsigned i = 0; i < n; i++) {
        unsigned id = ids[i];
        for (unsigned k = 0; stk_counter_name(k); k++)
            counters[id][k] = stk_counter_value(r->net.s[i], k);
        done[id] = id < NP ? sides[i].app->cleanups : sides[i].app->completed;
        cr_assert_eq(sides[i].app->errors, 0);
        side_fini(&sides[i]);
    }
    h_net_fini(&r->net);
}

Test(isolation, thirty_six_instances, .timeout = 120) {
    static uint64_t c_all[NI][128], c_solo[NI][128], d_all[NI], d_solo[NI];
    struct run *all = calloc(1, sizeof *all), *solo = calloc(1, sizeof *solo);
    run_pairs(all, 0, NP, c_all, d_all);
    for (unsigned p = 0; p < NP; p++) run_pairs(solo, p, 1, c_solo, d_solo);
    for (unsigned id = 0; id < NI; id++) {
        cr_assert_gt(all->frames[id], 10, "instance %u idle", id);
        cr_assert_eq(d_all[id], 4, "instance %u finished %llu transfers", id,
                     (unsigned long long)d_all[id]);
        cr_assert_eq(all->frames[id], solo->frames[id], "instance %u: frame count differs", id);
        cr_assert_eq(all->hash[id], solo->hash[id], "instance %u: emitted frames differ", id);
        for (unsigned k = 0; stk_counter_name(k); k++)
            cr_assert_eq(c_all[id][k], c_solo[id][k], "instance %u counter %s differs", id,
                         stk_counter_name(k));
    }
    free(all);
    free(solo);
}
