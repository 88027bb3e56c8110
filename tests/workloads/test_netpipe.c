/* workloads/netpipe_client against workloads/netpipe in each of its three
 * echo modes, on the in-process wire: the whole NPtcp exchange completes,
 * every size of the schedule is measured once, every echoed byte matches,
 * the one-way times are those of the wire, and the copy modes copy what
 * they should and free their buffers. */
#include "wire_pair.h"
#include "workloads/netpipe.h"
#include "workloads/netpipe_client.h"

#include <criterion/criterion.h>
#include <string.h>

struct seen {
    struct wire_pair *p;
    uint64_t n, bytes[256], ps[256];
};

static uint64_t wire_clock(void *ctx) {
    struct seen *s = ctx;
    return wire_now(s->p->w);
}
static void record(void *ctx, uint64_t bytes, uint64_t one_way_ps) {
    struct seen *s = ctx;
    if (s->n < 256) {
        s->bytes[s->n] = bytes;
        s->ps[s->n] = one_way_ps;
    }
    s->n++;
}

/* The sizes NPtcp sends for start, perturbation and -u max. */
static unsigned expected_sizes(unsigned start, unsigned pert, uint64_t max, uint64_t *out) {
    struct netpipe_sizes z;
    netpipe_sizes_init(&z, start, pert);
    unsigned n = 0;
    for (;;) {
        uint64_t v = netpipe_sizes_next(&z);
        if (!v || z.len > max) return n;
        out[n++] = v;
    }
}

struct run {
    struct wire_pair p;
    struct seen seen;
    struct netpipe_srv *srv;
    struct netpipe_client *cl;
};

static void run_netpipe(struct run *r, enum netpipe_mode mode, bool integrity, uint64_t max,
                        unsigned repeats) {
    memset(r, 0, sizeof *r);
    struct netpipe_config sc = {.mode = mode};
    r->srv = netpipe_create(&sc, NULL);
    cr_assert_not_null(r->srv);
    r->seen.p = &r->p;
    struct netpipe_client_config cc = {.server_ip = WIRE_PAIR_SERVER_IP,
                                       .port = 5002,
                                       .start = 1,
                                       .perturbation = 3,
                                       .max_bytes = max,
                                       .repeats = repeats,
                                       .trials = 3,
                                       .integrity = integrity,
                                       .now = wire_clock,
                                       .record = record,
                                       .ctx = &r->seen};
    r->cl = netpipe_client_create(&cc, NULL);
    cr_assert_not_null(r->cl);
    struct sock_events cev = netpipe_client_events(), sev = netpipe_events();
    struct wire_side sides[2] = {{.ev = &cev, .ctx = r->cl}, {.ev = &sev, .ctx = r->srv}};
    wire_pair_init(&r->p, 5 * STK_US, sides);
    cr_assert_eq(netpipe_start(r->srv, wire_pair_sock(&r->p, 1), 1, 5002, 4), 0);
    cr_assert_eq(netpipe_client_start(r->cl, wire_pair_sock(&r->p, 0)), 0);
    for (unsigned i = 0; i < 6000 && !netpipe_client_done(r->cl); i++)
        wire_pair_run(&r->p, 10 * STK_MS);
    wire_pair_run(&r->p, 100 * STK_MS); /* the close and the last ACKs */
}

static void run_free(struct run *r) {
    wire_pair_fini(&r->p);
    netpipe_client_destroy(r->cl);
    netpipe_destroy(r->srv);
}

static void check_mode(enum netpipe_mode mode) {
    struct run r;
    const uint64_t max = 70000;
    run_netpipe(&r, mode, false, max, 4);
    const struct netpipe_client_stats *cs = netpipe_client_stats(r.cl);
    const struct netpipe_stats *ss = netpipe_stats(r.srv);
    cr_assert(cs->completed, "the quit was echoed (mode %s)", netpipe_mode_names[mode]);
    cr_assert_eq(cs->mismatched_bytes, 0);
    cr_assert_eq(cs->protocol_errors + cs->send_failed + cs->closed_early + cs->connect_failed, 0);
    cr_assert_eq(ss->protocol_errors, 0);
    cr_assert_eq(ss->completed, 1);
    uint64_t want[256];
    unsigned n = expected_sizes(1, 3, max, want);
    cr_assert_gt(n, 40);
    cr_assert_eq(cs->sizes_done, n);
    cr_assert_eq(r.seen.n, n);
    cr_assert_eq(ss->sizes_done, n);
    uint64_t echoed = 100; /* the pings */
    for (unsigned i = 0; i < n; i++) {
        cr_assert_eq(r.seen.bytes[i], want[i], "size %u", i);
        /* one way: at least the wire's 5 us, and a 70 KB message at most
         * a few ms on this wire (the stacks run in no time) */
        cr_assert_geq(r.seen.ps[i], 5 * STK_US, "size %llu", (unsigned long long)want[i]);
        cr_assert_lt(r.seen.ps[i], 20 * STK_MS, "size %llu", (unsigned long long)want[i]);
        echoed += want[i] * 4 * 3;
    }
    cr_assert_eq(ss->bytes_echoed, echoed);
    /* a message that fits one segment crosses the wire once each way: the
     * one-way time is the wire's delay exactly (the stacks take no time) */
    for (unsigned i = 0; i < n && want[i] <= 1460; i++)
        cr_assert_eq(r.seen.ps[i], 5 * STK_US, "size %llu", (unsigned long long)want[i]);
    if (mode == NETPIPE_COPY) cr_assert_eq(ss->bytes_copied, echoed, "every byte copied");
    if (mode == NETPIPE_NOCOPY) {
        /* the pings' own buffer (1 byte), then each size's */
        uint64_t once = 1;
        for (unsigned i = 0; i < n; i++) once += want[i];
        cr_assert_eq(ss->bytes_copied, once, "the first message of each size copied");
    }
    if (mode == NETPIPE_ZEROCOPY) cr_assert_eq(ss->bytes_copied, 0);
    cr_assert_eq(ss->no_memory, 0);
    run_free(&r);
}

Test(netpipe_client, against_zerocopy_server) { check_mode(NETPIPE_ZEROCOPY); }
Test(netpipe_client, against_copy_server) { check_mode(NETPIPE_COPY); }
Test(netpipe_client, against_nocopy_server) { check_mode(NETPIPE_NOCOPY); }

/* NPtcp -i: start 5, no perturbation, one trial, the server learns the mode
 * from the first ping. */
Test(netpipe_client, integrity_mode) {
    struct run r;
    run_netpipe(&r, NETPIPE_NOCOPY, true, 5000, 2);
    const struct netpipe_client_stats *cs = netpipe_client_stats(r.cl);
    cr_assert(cs->completed);
    cr_assert_eq(cs->mismatched_bytes, 0);
    uint64_t want[256];
    unsigned n = expected_sizes(5, 0, 5000, want);
    cr_assert_eq(cs->sizes_done, n);
    cr_assert_eq(r.seen.bytes[0], 5);
    cr_assert_eq(r.seen.bytes[1], 7);
    cr_assert_eq(netpipe_stats(r.srv)->sizes_done, n);
    run_free(&r);
}

/* A server that is not there is a failed connect; unusable configurations
 * are refused. */
Test(netpipe_client, errors_are_counted) {
    struct netpipe_client_config cc = {.server_ip = WIRE_PAIR_SERVER_IP,
                                       .port = 5003,
                                       .max_bytes = 100,
                                       .repeats = 1,
                                       .trials = 1,
                                       .now = wire_clock};
    struct netpipe_client_config bad = cc;
    bad.repeats = 0;
    cr_assert_null(netpipe_client_create(&bad, NULL));
    bad = cc;
    bad.now = NULL;
    cr_assert_null(netpipe_client_create(&bad, NULL));
    bad = cc;
    bad.max_bytes = (uint64_t)1 << 32;
    cr_assert_null(netpipe_client_create(&bad, NULL));

    struct run r;
    memset(&r, 0, sizeof r);
    r.seen.p = &r.p;
    cc.ctx = &r.seen;
    r.cl = netpipe_client_create(&cc, NULL);
    struct sock_events cev = netpipe_client_events();
    struct wire_side sides[2] = {{.ev = &cev, .ctx = r.cl}, {0}};
    wire_pair_init(&r.p, 5 * STK_US, sides);
    cr_assert_eq(netpipe_client_start(r.cl, wire_pair_sock(&r.p, 0)), 0);
    wire_pair_run(&r.p, 100 * STK_MS);
    cr_assert(netpipe_client_done(r.cl));
    cr_assert_eq(netpipe_client_stats(r.cl)->connect_failed, 1, "nobody listens: refused");
    wire_pair_fini(&r.p);
    netpipe_client_destroy(r.cl);
}
