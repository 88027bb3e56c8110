/* tests/nic/test_eth.c: Ethernet ports and cables: frame timing, line rate,
 * padding, full duplex, flow control, counters. */
#include <criterion/criterion.h>
#include <string.h>

#include "nic/eth.h"
#include "nic/eth_gen.h"
#include "nic/eth_pkt.h"
#include "nic_test_util.h"

TestSuite(eth, .init = nic_fixture_setup, .fini = nic_fixture_teardown);

Test(eth, wire_time_of_min_and_max_frames) {
    /* 64 B frame: 8 + 64 + 12 = 84 B at 800 ps/B. */
    cr_assert_eq(eth_wire_time(&nic_cfg.eth, 60), SIM_PS(67200));
    cr_assert_eq(eth_wire_time(&nic_cfg.eth, 20), SIM_PS(67200)); /* padded */
    /* 1518 B frame: 8 + 1518 + 12 = 1538 B. */
    cr_assert_eq(eth_wire_time(&nic_cfg.eth, 1514), SIM_PS(1230400));
    cr_assert_eq(eth_frame_time(&nic_cfg.eth, 1514), SIM_PS((8 + 1518) * 800));
}

/* Flood `count` frames of `bytes` back to back; returns the receive rate in pps. */
static double flood_rate(uint64_t bytes, uint64_t count, struct eth_gen **src_out,
                         struct eth_gen **dst_out) {
    char err[256];
    struct eth_gen_params p = {
        .count = count, .frame_bytes = bytes, .flows = 4, .proto = IP_PROTO_UDP, .seed = 1};
    struct eth_gen *src = eth_gen_create(nic_eng, &nic_cfg.eth, &p, "src", err, sizeof err);
    p.count = 0;
    struct eth_gen *dst = eth_gen_create(nic_eng, &nic_cfg.eth, &p, "dst", err, sizeof err);
    cr_assert(src && dst, "%s", err);
    eth_cable_connect(&src->port, &dst->port);
    eth_gen_start(src, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(dst->rx_frames, count);
    double rate = (double)(dst->rx_frames - 1) * 1e12 / (double)(dst->rx_last - dst->rx_first);
    *src_out = src;
    *dst_out = dst;
    return rate;
}

Test(eth, flood_64B_tops_out_at_14_88_Mpps) {
    struct eth_gen *s, *d;
    double r = flood_rate(60, 20000, &s, &d);
    cr_assert(r > 14.88e6 && r < 14.89e6, "rate %.0f pps", r);
    cr_assert_eq(s->port.st.tx_frames, 20000);
    cr_assert_eq(d->port.st.rx_bytes, 20000u * 60u);
    cr_assert_eq(s->port.st.tx_drop_oversize + d->port.st.rx_drop_overrun, 0);
    eth_gen_destroy(s);
    eth_gen_destroy(d);
}

Test(eth, flood_1518B_tops_out_at_812_Kpps) {
    struct eth_gen *s, *d;
    double r = flood_rate(1514, 2000, &s, &d);
    cr_assert(r > 812.7e3 && r < 812.8e3, "rate %.0f pps", r);
    eth_gen_destroy(s);
    eth_gen_destroy(d);
}

Test(eth, first_frame_arrives_after_serialisation_and_propagation) {
    struct eth_gen *s, *d;
    (void)flood_rate(60, 1, &s, &d);
    /* preamble + 64 B at 800 ps/B, + 10 ns of cable. */
    cr_assert_eq(d->rx_first, SIM_PS(72 * 800) + SIM_NS(nic_cfg.eth.propagation_ns));
    eth_gen_destroy(s);
    eth_gen_destroy(d);
}

struct sink {
    uint64_t n;
    struct eth_frame *last;
};
static bool sink_rx(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)p;
    struct sink *s = ctx;
    s->n++;
    if (s->last) eth_frame_free(s->last);
    s->last = f;
    return true;
}
static bool refuse_rx(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)ctx, (void)p, (void)f;
    return false;
}
static const struct eth_client_ops sink_ops = {sink_rx, NULL};
static const struct eth_client_ops refuse_ops = {refuse_rx, NULL};

Test(eth, short_frames_are_padded_and_bad_ones_counted) {
    struct eth_port a, b;
    eth_port_init(&a, nic_eng, &nic_cfg.eth, "a");
    eth_port_init(&b, nic_eng, &nic_cfg.eth, "b");
    struct sink s = {0};
    eth_port_attach(&b, &sink_ops, &s);
    /* Not cabled yet: dropped and counted. */
    cr_assert(eth_port_send(&a, eth_frame_alloc(60)));
    cr_assert_eq(a.st.tx_drop_no_link, 1);
    eth_cable_connect(&a, &b);
    struct eth_frame *f = eth_frame_alloc(20);
    memset(f->data, 0xab, 20);
    cr_assert(eth_port_send(&a, f));
    cr_assert(eth_port_send(&a, eth_frame_alloc(10)));   /* runt */
    cr_assert(eth_port_send(&a, eth_frame_alloc(1515))); /* 1519 B with FCS */
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.last->len, 60);
    cr_assert_eq(s.last->data[19], 0xab);
    for (int i = 20; i < 60; i++) cr_assert_eq(s.last->data[i], 0);
    cr_assert_eq(a.st.tx_drop_runt, 1);
    cr_assert_eq(a.st.tx_drop_oversize, 1);
    cr_assert_eq(a.st.tx_frames, 1);
    cr_assert_eq(b.st.rx_frames, 1);
    eth_frame_free(s.last);
    eth_port_fini(&a);
    eth_port_fini(&b);
}

Test(eth, flow_control_refuses_when_fifo_full_and_overruns_are_counted) {
    struct eth_port a, b;
    eth_port_init(&a, nic_eng, &nic_cfg.eth, "a");
    eth_port_init(&b, nic_eng, &nic_cfg.eth, "b");
    eth_port_attach(&b, &refuse_ops, NULL);
    eth_cable_connect(&a, &b);
    uint64_t taken = 0, refused = 0;
    for (int i = 0; i < 10; i++) {
        struct eth_frame *f = eth_frame_alloc(60);
        memset(f->data, 0, 60);
        if (eth_port_send(&a, f))
            taken++;
        else {
            refused++;
            eth_frame_free(f);
        }
    }
    /* One frame on the wire + tx_queue_frames in the FIFO. */
    cr_assert_eq(taken, 1 + nic_cfg.eth.tx_queue_frames);
    cr_assert_eq(a.st.tx_refused_full, refused);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(b.st.rx_drop_overrun, taken);
    eth_port_fini(&a);
    eth_port_fini(&b);
}

Test(eth, full_duplex_both_directions_at_line_rate) {
    char err[256];
    struct eth_gen_params p = {
        .count = 5000, .frame_bytes = 60, .flows = 1, .proto = IP_PROTO_UDP, .seed = 1};
    struct eth_gen *x = eth_gen_create(nic_eng, &nic_cfg.eth, &p, "x", err, sizeof err);
    struct eth_gen *y = eth_gen_create(nic_eng, &nic_cfg.eth, &p, "y", err, sizeof err);
    eth_cable_connect(&x->port, &y->port);
    eth_gen_start(x, 0);
    eth_gen_start(y, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(x->rx_frames, 5000);
    cr_assert_eq(y->rx_frames, 5000);
    /* Both finish as if alone: 5000 slots of 67.2 ns. */
    cr_assert_eq(x->rx_last - x->rx_first, SIM_PS(4999ull * 67200));
    cr_assert_eq(y->rx_last - y->rx_first, SIM_PS(4999ull * 67200));
    eth_gen_destroy(x);
    eth_gen_destroy(y);
}

/* The checksum sums 8 bytes at a time in host order: against RFC 1071's
 * definition (big-endian 16-bit words, one at a time), for every length up
 * to 70 bytes at every start offset, with all-zero, all-0xff and varied
 * data and seeds, the checksum (folded and complemented) is the same. */
static uint16_t csum_reference(uint32_t seed, const uint8_t *b, size_t len) {
    uint64_t s = seed;
    size_t i = 0;
    for (; i + 1 < len; i += 2) s += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (i < len) s += (uint32_t)b[i] << 8;
    while (s >> 16) s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)~s;
}

Test(eth, checksum_matches_rfc1071_word_by_word) {
    uint8_t buf[80];
    const uint32_t seeds[] = {0, 1, 0xffff, 0x1fffe, 0xfffffffeu};
    unsigned checked = 0;
    for (unsigned fill = 0; fill < 3; fill++) {
        for (size_t k = 0; k < sizeof buf; k++)
            buf[k] = fill == 0 ? 0 : fill == 1 ? 0xff : (uint8_t)(k * 37 + 11);
        for (size_t off = 0; off < 8; off++)
            for (size_t len = 0; len + off <= 70; len++)
                for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
                    uint16_t want = csum_reference(seeds[s], buf + off, len);
                    uint16_t got = eth_csum_finish(eth_csum_add(seeds[s], buf + off, len));
                    cr_assert_eq(got, want, "fill %u offset %zu length %zu seed %#x: %#x, want %#x",
                                 fill, off, len, seeds[s], got, want);
                    checked++;
                }
    }
    cr_assert_gt(checked, 5000);
}
