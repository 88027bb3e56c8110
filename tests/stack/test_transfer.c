/* Transfers over the in-process wire: clean, under 5% loss/reordering/
 * duplication, and 36 instances interleaved in one process. */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

struct sizes {
    struct h_rng r;
    uint64_t fixed;
};

/* Log-uniform in [1, 4 MiB] (deterministic per index). */
static uint64_t size_logu(void *ctx, uint64_t idx) {
    struct sizes *sz = ctx;
    if (sz->fixed) return sz->fixed;
    struct h_rng r = {sz->r.s ^ (idx * 0x9e3779b97f4a7c15ull)};
    double u = (double)(h_rng_next(&r) >> 11) / 9007199254740992.0;
    uint64_t v = (uint64_t)__builtin_exp(u * __builtin_log(4.0 * 1024 * 1024));
    return v < 1 ? 1 : v > 4u * 1024 * 1024 ? 4u * 1024 * 1024 : v;
}

struct pair {
    struct h_net net;
    struct sock_rtc *src_rtc, *dst_rtc;
    struct h_xfer_app *src, *dst;
    struct sizes sz;
};

static void pair_init_tweak(struct pair *p, const struct wire_config *wc, uint64_t seed,
                            unsigned conc, uint64_t limit,
                            void (*tweak)(struct stk_config *c, unsigned i)) {
    memset(p, 0, sizeof *p);
    h_net_init(&p->net, 2, wc, seed, tweak);
    p->src = calloc(1, sizeof *p->src);
    p->dst = calloc(1, sizeof *p->dst);
    struct sock_events ev = h_xfer_events();
    p->src_rtc = sock_rtc_create(&p->net.s[0], 1, &ev, p->src, NULL);
    p->dst_rtc = sock_rtc_create(&p->net.s[1], 1, &ev, p->dst, NULL);
    p->src->sock = sock_rtc_sock(p->src_rtc);
    p->dst->sock = sock_rtc_sock(p->dst_rtc);
    p->src->pattern = p->dst->pattern = h_pattern();
    p->sz.r.s = seed;
    p->src->size_of = size_logu;
    p->src->size_ctx = &p->sz;
    p->src->dst_ip = h_ip(1);
    p->src->dst_port = 80;
    p->src->concurrency = conc;
    p->src->limit = limit;
    cr_assert_eq(sock_listen(p->dst->sock, 7, 80, 128), 0);
}

static void pair_init(struct pair *p, const struct wire_config *wc, uint64_t seed, unsigned conc,
                      uint64_t limit) {
    pair_init_tweak(p, wc, seed, conc, limit, NULL);
}

static void pair_fini(struct pair *p) {
    sock_rtc_destroy(p->src_rtc);
    sock_rtc_destroy(p->dst_rtc);
    free(p->src);
    free(p->dst);
    h_net_fini(&p->net);
}

static void run_until_done(struct pair *p, stk_time_t limit) {
    h_xfer_fill(p->src);
    while (p->dst->completed < p->src->limit || p->src->active) {
        if (!wire_step(p->net.w, limit)) break;
    }
}

Test(transfer, clean_sizes) {
    static const uint64_t sizes[] = {
        1, 2, 1459, 1460, 1461, 65535, 65536, 300000, 4u * 1024 * 1024};
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        struct pair p;
        struct wire_config wc = {.delay = 20 * STK_US};
        pair_init(&p, &wc, 1 + k, 1, 1);
        p.sz.fixed = sizes[k];
        run_until_done(&p, 600 * STK_SEC);
        cr_assert_eq(p.dst->completed, 1, "size %llu", (unsigned long long)sizes[k]);
        cr_assert_eq(p.dst->bytes_verified, sizes[k]);
        cr_assert_eq(p.dst->errors, 0);
        const struct stk_counters *c = stk_counters(p.net.s[0]);
        cr_assert_eq(c->tcp_retransmits, 0, "no loss, no retransmission");
        /* Both sides reach CLOSED/TIME-WAIT and free everything. */
        wire_run(p.net.w, wire_now(p.net.w) + 10 * STK_SEC);
        cr_assert_eq(stk_tcp_conns(p.net.s[0]) + stk_tcp_conns(p.net.s[1]), 0);
        pair_fini(&p);
    }
}

/* The 1,000 transfers (log-uniform sizes, 1 B to 4 MiB). */
#define ROBUST_TRANSFERS 1000

Test(transfer, lossy_reorder_dup, .timeout = 300) {
    struct pair p;
    struct wire_config wc = {.delay = 50 * STK_US,
                             .loss = 0.05,
                             .dup = 0.05,
                             .reorder = 0.05,
                             .reorder_jitter = 200 * STK_US};
    pair_init(&p, &wc, 42, 16, ROBUST_TRANSFERS);
    run_until_done(&p, 100000 * STK_SEC);
    cr_assert_eq(p.dst->errors + p.src->errors, 0);
    cr_assert_eq(p.dst->completed, ROBUST_TRANSFERS, "completed %llu",
                 (unsigned long long)p.dst->completed);
    const struct stk_counters *c = stk_counters(p.net.s[0]);
    const struct stk_counters *d = stk_counters(p.net.s[1]);
    const struct wire_counters *wcn = wire_counters(p.net.w);
    cr_assert_gt(wcn->lost, 0);
    cr_assert_gt(wcn->duplicated, 0);
    cr_assert_gt(wcn->reordered, 0);
    cr_assert_gt(c->tcp_fast_retransmits, 0);
    cr_assert_gt(c->tcp_rto_fired, 0);
    cr_assert_gt(d->tcp_ooo_segs, 0);
    cr_log_info("lossy: %llu bytes, %llu frames lost, %llu fast rexmits, %llu RTOs",
                (unsigned long long)p.dst->bytes_verified, (unsigned long long)wcn->lost,
                (unsigned long long)c->tcp_fast_retransmits, (unsigned long long)c->tcp_rto_fired);
    wire_run(p.net.w, wire_now(p.net.w) + 100 * STK_SEC);
    cr_assert_eq(stk_tcp_conns(p.net.s[0]) + stk_tcp_conns(p.net.s[1]), 0);
    pair_fini(&p);
}

/* Issue 18 item 4: 4 MiB transfers over a 5 ms wire under loss and under
 * heavy reordering, with SACK and timestamps and without, SEEDS seeds each
 * (the same seeds for both settings: the same fault decisions per frame
 * sent). */
static void realistic_rto(struct stk_config *c, unsigned i) {
    (void)i;
    c->rto_min = 200 * STK_MS; /* the defaults (the harness shortens them) */
    c->rto_initial = 1 * STK_SEC;
}
static void opts_off(struct stk_config *c, unsigned i) {
    realistic_rto(c, i);
    c->sack = c->timestamps = false;
}

#define SEEDS 8 /* transfers per case and setting; times and counts are their sums */

struct recovery_run {
    stk_time_t took;
    uint64_t retransmits, rtos, undos, probes;
};

static struct recovery_run recovery_run(const struct wire_config *wc, bool opts, uint64_t seed) {
    struct pair p;
    pair_init_tweak(&p, wc, seed, 1, 1, opts ? realistic_rto : opts_off);
    p.sz.fixed = 4u * 1024 * 1024;
    stk_time_t t0 = wire_now(p.net.w);
    run_until_done(&p, 3600 * STK_SEC);
    cr_assert_eq(p.dst->completed, 1);
    cr_assert_eq(p.dst->errors + p.src->errors, 0);
    const struct stk_counters *c = stk_counters(p.net.s[0]);
    struct recovery_run r = {wire_now(p.net.w) - t0, c->tcp_retransmits, c->tcp_rto_fired,
                             c->tcp_spurious_undo, c->tcp_tlp_probes};
    if (opts) cr_assert_gt(c->tcp_sack_blocks_rx, 0);
    pair_fini(&p);
    return r;
}

Test(transfer, sack_and_timestamps_recover_faster) {
    struct wire_config loss = {.delay = 5 * STK_MS, .loss = 0.03};
    struct wire_config reorder = {
        .delay = 5 * STK_MS, .reorder = 0.25, .reorder_jitter = 2 * STK_MS};
    struct wire_config loss10 = {.delay = 5 * STK_MS, .loss = 0.10};
    const struct wire_config *cases[] = {&loss, &reorder, &loss10};
    const char *names[] = {"3% loss", "25% reordering", "10% loss"};
    struct recovery_run on[3] = {{0}}, off[3] = {{0}};
    for (unsigned k = 0; k < 3; k++) {
        for (uint64_t seed = 1; seed <= SEEDS; seed++) {
            struct recovery_run a = recovery_run(cases[k], true, seed);
            struct recovery_run b = recovery_run(cases[k], false, seed);
            on[k].took += a.took, on[k].retransmits += a.retransmits, on[k].rtos += a.rtos;
            on[k].undos += a.undos, on[k].probes += a.probes;
            off[k].took += b.took, off[k].retransmits += b.retransmits, off[k].rtos += b.rtos;
        }
        cr_log_info("%s: SACK+TS %.3f s (%llu rexmits, %llu RTOs, %llu undos, %llu probes), "
                    "without %.3f s (%llu rexmits, %llu RTOs)",
                    names[k], (double)on[k].took / STK_SEC, (unsigned long long)on[k].retransmits,
                    (unsigned long long)on[k].rtos, (unsigned long long)on[k].undos,
                    (unsigned long long)on[k].probes, (double)off[k].took / STK_SEC,
                    (unsigned long long)off[k].retransmits, (unsigned long long)off[k].rtos);
    }
    for (unsigned k = 0; k < 3; k++)
        cr_expect_lt(on[k].took, off[k].took, "%s: faster with SACK and timestamps", names[k]);
    /* Reordering: retransmits are spurious, and undone (the window is
     * restored) instead of halving it each time. */
    cr_expect_gt(on[1].undos, 0, "reordering: spurious retransmits undone");
}
