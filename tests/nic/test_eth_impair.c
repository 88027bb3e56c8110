/* tests/nic/test_eth_impair.c: loss and reordering on the wire
 * (eth_cable_impair, nic.impair): a perfect wire when off, every frame lost
 * at loss 1, a binomial count at 1%, held-back frames overtaken without loss
 * or duplication, seeded patterns, independent directions, the counters in
 * the port stats and the check of the keys. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/eth.h"
#include "nic/eth_gen.h"
#include "nic/eth_pkt.h"
#include "nic_test_util.h"
#include "sim/kernel/json.h"

TestSuite(eth_impair, .init = nic_fixture_setup, .fini = nic_fixture_teardown);

/* Arrivals at a generator used as a sink: sequence number and time of each. */
struct trace {
    uint64_t n, cap;
    uint64_t *seq;
    sim_time_t *t;
};

static void trace_rx(void *ctx, const struct eth_frame *f, sim_time_t t) {
    struct trace *tr = ctx;
    size_t hdr = eth_build_header_bytes(IP_PROTO_UDP);
    cr_assert(f->len >= hdr + 8);
    uint64_t seq = 0;
    for (size_t b = 0; b < 8; b++) seq = seq << 8 | f->data[hdr + b];
    cr_assert(tr->n < tr->cap, "more arrivals than frames sent");
    tr->seq[tr->n] = seq;
    tr->t[tr->n] = t;
    tr->n++;
}

/* One cable a -> b (and b -> a when both send), each on its own engine. */
struct wire {
    struct sim_engine *eng;
    struct eth_gen *a, *b;
    struct trace at_a, at_b; /* what a and b received */
};

static void trace_init(struct trace *tr, uint64_t cap) {
    *tr = (struct trace){.cap = cap ? cap : 1};
    tr->seq = calloc(tr->cap, sizeof *tr->seq);
    tr->t = calloc(tr->cap, sizeof *tr->t);
    cr_assert(tr->seq && tr->t);
}

/* a sends a_frames and b b_frames of 60 B (64 B with the FCS) at line rate;
 * ia / ib (NULL: none) impair what a / b send. */
static void wire_run(struct wire *w, uint64_t a_frames, uint64_t b_frames,
                     const struct nic_impair_config *ia, const struct nic_impair_config *ib,
                     uint64_t seed) {
    char err[256];
    memset(w, 0, sizeof *w);
    w->eng = sim_engine_create();
    struct eth_gen_params p = {
        .count = a_frames, .frame_bytes = 60, .flows = 4, .proto = IP_PROTO_UDP, .seed = 1};
    w->a = eth_gen_create(w->eng, &nic_cfg.eth, &p, "a", err, sizeof err);
    p.count = b_frames;
    w->b = eth_gen_create(w->eng, &nic_cfg.eth, &p, "b", err, sizeof err);
    cr_assert(w->a && w->b, "%s", err);
    trace_init(&w->at_a, b_frames);
    trace_init(&w->at_b, a_frames);
    eth_gen_on_rx(w->a, trace_rx, &w->at_a);
    eth_gen_on_rx(w->b, trace_rx, &w->at_b);
    eth_cable_connect(&w->a->port, &w->b->port);
    if (ia) eth_cable_impair(&w->a->port, ia, seed);
    if (ib) eth_cable_impair(&w->b->port, ib, seed);
    eth_gen_start(w->a, 0);
    eth_gen_start(w->b, 0);
    sim_engine_run_until(w->eng, SIM_TIME_MAX);
}

static void wire_free(struct wire *w) {
    eth_gen_destroy(w->a);
    eth_gen_destroy(w->b);
    sim_engine_destroy(w->eng);
    free(w->at_a.seq);
    free(w->at_a.t);
    free(w->at_b.seq);
    free(w->at_b.t);
}

/* received[i]: how many times frame i arrived (n frames sent). */
static unsigned char *received(const struct trace *tr, uint64_t n) {
    unsigned char *got = calloc(n ? n : 1, 1);
    cr_assert_not_null(got);
    for (uint64_t i = 0; i < tr->n; i++) {
        cr_assert(tr->seq[i] < n, "unknown frame %llu", (unsigned long long)tr->seq[i]);
        got[tr->seq[i]]++;
    }
    return got;
}

static struct nic_impair_config impair(double loss, double reorder, uint64_t delay_ns) {
    return (struct nic_impair_config){
        .loss = loss, .reorder = reorder, .reorder_delay_ns = delay_ns, .cables = NIC_IMPAIR_ALL};
}

/* The port's stats JSON as text (freed by the caller). */
static char *port_json(const struct eth_port *p) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    struct json_writer w;
    json_init(&w, f);
    eth_port_write_stats(p, &w);
    fclose(f);
    return text;
}

/* The unsigned value of "key" in the text after `after` (NULL: anywhere). */
static uint64_t stat_uint(const char *json, const char *after, const char *key) {
    const char *p = after ? strstr(json, after) : json;
    cr_assert_not_null(p, "no %s in %s", after, json);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(p, pat);
    cr_assert_not_null(p, "no %s in %s", key, json);
    p += strlen(pat);
    while (*p == ' ') p++;
    return strtoull(p, NULL, 10);
}

Test(eth_impair, zero_loss_and_reorder_leave_every_arrival_as_it_was) {
    enum { N = 20000 };
    struct wire base, zero, dflt;
    struct nic_impair_config z = impair(0, 0, 0);
    struct nic_impair_config d = impair(0, 0, nic_cfg.impair.reorder_delay_ns); /* the defaults */
    cr_assert_eq(nic_cfg.impair.loss, 0.0);
    cr_assert_eq(nic_cfg.impair.reorder, 0.0);
    wire_run(&base, N, N, NULL, NULL, 1);
    wire_run(&zero, N, N, &z, &z, 1);
    wire_run(&dflt, N, N, &d, &d, 1);
    cr_assert_eq(base.at_b.n, N);
    cr_assert_eq(base.at_a.n, N);
    const struct wire *same[] = {&zero, &dflt};
    for (int k = 0; k < 2; k++) {
        const struct wire *w = same[k];
        cr_assert_eq(w->at_b.n, N);
        cr_assert_eq(w->at_a.n, N);
        cr_assert_arr_eq(w->at_b.seq, base.at_b.seq, N * sizeof(uint64_t));
        cr_assert_arr_eq(w->at_b.t, base.at_b.t, N * sizeof(sim_time_t));
        cr_assert_arr_eq(w->at_a.seq, base.at_a.seq, N * sizeof(uint64_t));
        cr_assert_arr_eq(w->at_a.t, base.at_a.t, N * sizeof(sim_time_t));
        cr_assert_eq(w->a->port.st.wire_loss + w->a->port.st.wire_reordered, 0);
        cr_assert_eq(w->b->port.st.wire_loss + w->b->port.st.wire_reordered, 0);
        cr_assert_eq(sim_engine_now(w->eng), sim_engine_now(base.eng));
    }
    wire_free(&base);
    wire_free(&zero);
    wire_free(&dflt);
}

Test(eth_impair, loss_1_drops_every_frame_and_counts_it_at_the_sender) {
    enum { N = 1000 };
    struct wire base, w;
    struct nic_impair_config all = impair(1, 0, 0);
    wire_run(&base, N, 0, NULL, NULL, 1);
    wire_run(&w, N, 0, &all, NULL, 1);
    cr_assert_eq(w.at_b.n, 0);
    cr_assert_eq(w.b->port.st.rx_frames, 0);
    cr_assert_eq(w.a->port.st.wire_loss, N);
    cr_assert_eq(w.a->port.st.wire_reordered, 0);
    /* the sender's wire is used as before: every frame was sent */
    cr_assert_eq(w.a->port.st.tx_frames, N);
    cr_assert_eq(w.a->port.st.tx_busy_ps, base.a->port.st.tx_busy_ps);
    cr_assert_eq(w.a->port.idle_at, base.a->port.idle_at);
    /* in the stats JSON, under a key every port has */
    char *ja = port_json(&w.a->port), *jb = port_json(&w.b->port);
    cr_assert_eq(stat_uint(ja, "\"drops\"", "wire_loss"), N, "%s", ja);
    cr_assert_eq(stat_uint(ja, NULL, "wire_reordered"), 0, "%s", ja);
    cr_assert_eq(stat_uint(jb, "\"drops\"", "wire_loss"), 0, "%s", jb);
    cr_assert_eq(stat_uint(jb, NULL, "wire_reordered"), 0, "%s", jb);
    free(ja);
    free(jb);
    wire_free(&base);
    wire_free(&w);
}

Test(eth_impair, loss_of_1_percent_over_100k_frames_is_binomial) {
    enum { N = 100000 };
    struct wire w;
    struct nic_impair_config one = impair(0.01, 0, 0);
    wire_run(&w, N, 0, &one, NULL, 42);
    uint64_t lost = w.a->port.st.wire_loss;
    /* mean 1000, standard deviation sqrt(N p (1 - p)) = 31.5: 5 of them */
    double sd = sqrt(N * 0.01 * 0.99);
    cr_assert(fabs((double)lost - 1000.0) < 5 * sd, "lost %llu of %d", (unsigned long long)lost, N);
    cr_assert_eq(w.at_b.n + lost, N);
    cr_assert_eq(w.b->port.st.rx_frames + lost, w.a->port.st.tx_frames);
    /* the rest arrive once each, in order */
    unsigned char *got = received(&w.at_b, N);
    uint64_t missing = 0;
    for (uint64_t i = 0; i < N; i++) {
        cr_assert(got[i] <= 1);
        missing += got[i] == 0;
    }
    cr_assert_eq(missing, lost);
    for (uint64_t i = 1; i < w.at_b.n; i++) cr_assert(w.at_b.seq[i] > w.at_b.seq[i - 1]);
    free(got);
    wire_free(&w);
}

Test(eth_impair, reordered_frames_are_overtaken_and_none_is_lost_or_duplicated) {
    enum { N = 10000 };
    struct wire base, w;
    struct nic_impair_config r = impair(0, 0.05, 1000);
    wire_run(&base, N, 0, NULL, NULL, 3);
    wire_run(&w, N, 0, &r, NULL, 3);
    uint64_t held = w.a->port.st.wire_reordered;
    double sd = sqrt(N * 0.05 * 0.95);
    cr_assert(fabs((double)held - 500.0) < 5 * sd, "held %llu", (unsigned long long)held);
    cr_assert_eq(w.a->port.st.wire_loss, 0);
    /* every frame arrives exactly once */
    cr_assert_eq(w.at_b.n, N);
    unsigned char *got = received(&w.at_b, N);
    for (uint64_t i = 0; i < N; i++) cr_assert_eq(got[i], 1, "frame %llu", (unsigned long long)i);
    free(got);
    /* each arrives when it did on a perfect wire, or 1 us later if held back;
     * the sender's timing is unchanged */
    sim_time_t when[N];
    for (uint64_t i = 0; i < N; i++) when[base.at_b.seq[i]] = base.at_b.t[i];
    uint64_t late = 0;
    for (uint64_t i = 0; i < N; i++) {
        sim_time_t t0 = when[w.at_b.seq[i]];
        cr_assert(w.at_b.t[i] == t0 || w.at_b.t[i] == t0 + SIM_NS(1000), "frame %llu",
                  (unsigned long long)w.at_b.seq[i]);
        late += w.at_b.t[i] != t0;
    }
    cr_assert_eq(late, held);
    cr_assert_eq(w.a->port.idle_at, base.a->port.idle_at);
    /* later frames overtook the held ones: a held frame at line rate (67.2 ns
     * a frame) arrives after the ~14 sent behind it */
    uint64_t overtaken = 0, max_seq = 0;
    for (uint64_t i = 0; i < N; i++) {
        if (i > 0 && w.at_b.seq[i] < max_seq) overtaken++;
        if (w.at_b.seq[i] > max_seq) max_seq = w.at_b.seq[i];
    }
    cr_assert(overtaken > 0 && overtaken <= held, "overtaken %llu, held %llu",
              (unsigned long long)overtaken, (unsigned long long)held);
    cr_assert(overtaken > held * 9 / 10, "overtaken %llu, held %llu", (unsigned long long)overtaken,
              (unsigned long long)held);
    wire_free(&base);
    wire_free(&w);
}

Test(eth_impair, same_seed_same_frames_lost_other_seed_others) {
    enum { N = 10000 };
    struct wire x, y, z, r;
    struct nic_impair_config l = impair(0.1, 0, 0), lr = impair(0.1, 0.2, 500);
    wire_run(&x, N, 0, &l, NULL, 5);
    wire_run(&y, N, 0, &l, NULL, 5);
    wire_run(&z, N, 0, &l, NULL, 6);
    wire_run(&r, N, 0, &lr, NULL, 5); /* reordering too: the same frames lost */
    unsigned char *gx = received(&x.at_b, N), *gy = received(&y.at_b, N),
                  *gz = received(&z.at_b, N), *gr = received(&r.at_b, N);
    cr_assert(x.at_b.n > 0 && x.at_b.n < N);
    cr_assert_arr_eq(gx, gy, N);
    cr_assert_arr_eq(x.at_b.t, y.at_b.t, x.at_b.n * sizeof(sim_time_t));
    cr_assert_arr_neq(gx, gz, N);
    cr_assert_arr_eq(gx, gr, N);
    cr_assert(r.a->port.st.wire_reordered > 0);
    free(gx);
    free(gy);
    free(gz);
    free(gr);
    wire_free(&x);
    wire_free(&y);
    wire_free(&z);
    wire_free(&r);
}

Test(eth_impair, the_two_directions_are_independent) {
    enum { N = 10000 };
    struct wire both, one;
    struct nic_impair_config l = impair(0.1, 0, 0);
    wire_run(&both, N, N, &l, &l, 9); /* the same config and seed both ways */
    wire_run(&one, N, N, &l, NULL, 9);
    unsigned char *ab = received(&both.at_b, N), *ba = received(&both.at_a, N);
    uint64_t lost_ab = 0, lost_ba = 0, lost_both = 0;
    for (uint64_t i = 0; i < N; i++) {
        lost_ab += !ab[i];
        lost_ba += !ba[i];
        lost_both += !ab[i] && !ba[i];
    }
    cr_assert_eq(lost_ab, both.a->port.st.wire_loss);
    cr_assert_eq(lost_ba, both.b->port.st.wire_loss);
    /* frame i is lost both ways as often as independence says: N p^2 = 100
     * (standard deviation 9.9), not 1000 as if one stream decided both */
    cr_assert(lost_both > 50 && lost_both < 150, "lost both ways %llu (a->b %llu, b->a %llu)",
              (unsigned long long)lost_both, (unsigned long long)lost_ab,
              (unsigned long long)lost_ba);
    /* and impairing b -> a changes nothing of a -> b */
    cr_assert_eq(one.at_b.n, both.at_b.n);
    cr_assert_arr_eq(one.at_b.seq, both.at_b.seq, one.at_b.n * sizeof(uint64_t));
    cr_assert_arr_eq(one.at_b.t, both.at_b.t, one.at_b.n * sizeof(sim_time_t));
    cr_assert_eq(one.at_a.n, N);
    free(ab);
    free(ba);
    wire_free(&both);
    wire_free(&one);
}

Test(eth_impair, check_refuses_reordering_without_delay_and_cables_choose) {
    char err[256] = "";
    struct nic_impair_config c = impair(0, 0.1, 0);
    cr_assert_not(eth_impair_check(&c, err, sizeof err));
    cr_assert(strstr(err, "nic.impair.reorder_delay_ns") && strstr(err, "above 0"), "%s", err);
    c.reorder_delay_ns = 1;
    cr_assert(eth_impair_check(&c, err, sizeof err));
    c = impair(0, 0, 0);
    cr_assert(eth_impair_check(&c, err, sizeof err));
    c.cables = NIC_IMPAIR_CLIENTS;
    cr_assert(eth_impair_applies(&c, true));
    cr_assert_not(eth_impair_applies(&c, false));
    c.cables = NIC_IMPAIR_ALL;
    cr_assert(eth_impair_applies(&c, true));
    cr_assert(eth_impair_applies(&c, false));
    /* the defaults: a perfect wire on the clients' cables */
    cr_assert_eq(nic_cfg.impair.loss, 0.0);
    cr_assert_eq(nic_cfg.impair.reorder, 0.0);
    cr_assert_eq(nic_cfg.impair.cables, NIC_IMPAIR_CLIENTS);
}
