/* tests/nic/test_mpipe_ingress.c: classifier, RSS, buckets and rings,
 * buffer stacks, iDMA, drops by cause. */
#include <criterion/criterion.h>
#include <string.h>

#include "nic/eth_gen.h"
#include "nic/mpipe_rss.h"
#include "nic_test_util.h"
#include "sim/kernel/rng.h"
#include "stack/rss.h"

/* A time after every DMA write of a test has landed. */
#define LATER SIM_MS(100000)

TestSuite(ingress, .init = nic_fixture_setup, .fini = nic_fixture_teardown);

static uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) {
    return (uint32_t)a << 24 | b << 16 | c << 8 | d;
}

/* Microsoft's RSS verification vectors; the first is in
 * ../shared/facts/workloads.md, the others are the rest of that table. */
/* A driver choosing a port for an active open (stack/rss.h) must hash a
 * 4-tuple exactly as the device hashes the frame. */
Test(ingress, stack_rss_hash4_equals_the_devices_hash) {
    uint8_t key[40];
    cr_assert(nic_config_parse_rss_key(nic_cfg.mpipe.rss_key, key));
    uint64_t x = 12345;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        struct eth_parsed p = {.is_ipv4 = true, .is_tcp = true};
        p.src_ip = (uint32_t)(x >> 32);
        p.dst_ip = i % 3 ? (uint32_t)x : p.src_ip; /* equal ips too */
        p.src_port = (uint16_t)(x >> 16);
        p.dst_port = (uint16_t)(x >> 48);
        for (int sym = 0; sym < 2; sym++)
            cr_assert_eq(stk_rss_hash4(key, p.src_ip, p.dst_ip, p.src_port, p.dst_port, sym),
                         mpipe_rss_hash(key, &p, sym), "tuple %d sym %d", i, sym);
    }
}

Test(ingress, toeplitz_matches_the_rss_test_vectors) {
    static const struct {
        uint32_t sip, dip;
        uint16_t sp, dp;
        uint32_t h_ip, h_tcp;
    } v[] = {
        {0x420995bbu, 0xa18e6450u, 2794, 1766, 0x323e8fc2u, 0x51ccc178u},
        {0xc75c6f02u, 0x41458c53u, 14230, 4739, 0xd718262au, 0xc626b0eau},
        {0x1813c65fu, 0x0c16cfb8u, 12898, 38024, 0xd2d0a5deu, 0x5c2b394au},
        {0x261bcd1eu, 0xd18ea306u, 48228, 2217, 0x82989176u, 0xafc7327fu},
        {0x9927a3bfu, 0xcabc7f02u, 44251, 1303, 0x5d1809c5u, 0x10e828a2u},
    };
    uint8_t key[40];
    cr_assert(nic_config_parse_rss_key(nic_cfg.mpipe.rss_key, key));
    cr_assert_eq(v[0].sip, ip(66, 9, 149, 187));
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct eth_parsed p = {.is_ipv4 = true, .src_ip = v[i].sip, .dst_ip = v[i].dip};
        cr_assert_eq(mpipe_rss_hash(key, &p, false), v[i].h_ip, "vector %zu ip: %08x", i,
                     mpipe_rss_hash(key, &p, false));
        p.is_tcp = true, p.src_port = v[i].sp, p.dst_port = v[i].dp;
        cr_assert_eq(mpipe_rss_hash(key, &p, false), v[i].h_tcp, "vector %zu tcp: %08x", i,
                     mpipe_rss_hash(key, &p, false));
    }
}

Test(ingress, table_hash_equals_the_bitwise_hash) {
    uint8_t key[40];
    nic_config_parse_rss_key(nic_cfg.mpipe.rss_key, key);
    static struct mpipe_rss_table t;
    mpipe_rss_table_init(&t, key);
    struct sim_rng rng;
    sim_rng_init(&rng, 1, 2);
    for (int i = 0; i < 1000; i++) {
        struct eth_parsed p = {.is_ipv4 = true,
                               .is_udp = i % 3 != 0,
                               .src_ip = (uint32_t)sim_rng_u64(&rng),
                               .dst_ip = (uint32_t)sim_rng_u64(&rng),
                               .src_port = (uint16_t)sim_rng_u64(&rng),
                               .dst_port = (uint16_t)sim_rng_u64(&rng)};
        bool sym = i % 2;
        cr_assert_eq(mpipe_rss_hash_table(&t, &p, sym), mpipe_rss_hash(key, &p, sym));
    }
}

Test(ingress, symmetric_hash_is_the_same_both_ways) {
    uint8_t key[40];
    nic_config_parse_rss_key(nic_cfg.mpipe.rss_key, key);
    struct eth_parsed ab = {.is_ipv4 = true,
                            .is_tcp = true,
                            .src_ip = ip(10, 0, 0, 1),
                            .dst_ip = ip(10, 0, 0, 2),
                            .src_port = 1234,
                            .dst_port = 80};
    struct eth_parsed ba = ab;
    ba.src_ip = ab.dst_ip, ba.dst_ip = ab.src_ip, ba.src_port = ab.dst_port,
    ba.dst_port = ab.src_port;
    cr_assert_neq(mpipe_rss_hash(key, &ab, false), mpipe_rss_hash(key, &ba, false));
    cr_assert_eq(mpipe_rss_hash(key, &ab, true), mpipe_rss_hash(key, &ba, true));
}

/* A device with port 0 cabled to a generator. */
struct rig {
    struct nic_test_dev dev;
    struct eth_gen *gen;
};

static void rig_up(struct rig *r, const struct eth_gen_params *p) {
    char err[256];
    cr_assert(nic_test_dev_create(&r->dev, nic_eng, &nic_cfg, "chip"));
    r->gen = eth_gen_create(nic_eng, &nic_cfg.eth, p, "gen", err, sizeof err);
    cr_assert(r->gen, "%s", err);
    eth_cable_connect(&r->gen->port, mpipe_port(r->dev.m, 0));
    eth_gen_start(r->gen, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
}

static void rig_down(struct rig *r) {
    eth_gen_destroy(r->gen);
    nic_test_dev_destroy(&r->dev);
}

Test(ingress, rss_spreads_10000_flows_over_12_rings_within_10_percent) {
    nic_cfg.mpipe.rings = 12;
    nic_cfg.mpipe.ring_entries = 4096;
    nic_cfg.mpipe.small_buffers = 12000;
    struct rig r;
    struct eth_gen_params p = {.count = 10000,
                               .frame_bytes = 60,
                               .flows = 10000,
                               .proto = IP_PROTO_UDP,
                               .seed = 7,
                               .rate_pps = 1000000};
    rig_up(&r, &p);
    struct mpipe *m = r.dev.m;
    cr_assert_eq(m->st.delivered, 10000);
    for (unsigned i = 0; i < 12; i++) {
        double share = (double)m->ring[i].posted / (10000.0 / 12.0);
        cr_assert(share > 0.9 && share < 1.1, "ring %u got %llu flows", i,
                  (unsigned long long)m->ring[i].posted);
    }
    rig_down(&r);
}

/* Ring of every descriptor, per flow of the generator (flow = seq % flows). */
static void check_flow_rings(struct mpipe *m, uint64_t flows, uint8_t proto, bool expect_same) {
    size_t off = eth_build_header_bytes(proto);
    int ring_of[64];
    for (int i = 0; i < 64; i++) ring_of[i] = -1;
    bool all_same = true;
    for (unsigned r = 0; r < m->nrings; r++) {
        struct mpipe_idesc d[4096];
        uint64_t n = mpipe_drv_poll(m, r, LATER, d, 4096, NULL);
        for (uint64_t i = 0; i < n; i++) {
            struct flat_mem *mem = m->mem_ctx;
            const uint8_t *f = flat_host(mem, d[i].buf_addr, d[i].size);
            uint64_t seq = 0;
            for (int b = 0; b < 8; b++) seq = seq << 8 | f[off + b];
            int flow = (int)(seq % flows);
            if (ring_of[flow] < 0) ring_of[flow] = (int)r;
            if (ring_of[flow] != (int)r) all_same = false;
        }
    }
    cr_assert_eq(all_same, expect_same, "mode %d", m->cfg->mpipe.bucket_mode);
}

Test(ingress, sticky_keeps_a_flow_on_its_ring_while_round_robin_does_not) {
    nic_cfg.mpipe.rings = 4;
    nic_cfg.mpipe.ring_entries = 4096;
    nic_cfg.mpipe.bucket_mode = MPIPE_BUCKET_STICKY;
    /* 63 flows: round-robin's rotation over 4 rings does not line up with the flows. */
    struct rig r;
    struct eth_gen_params p = {
        .count = 63 * 20, .frame_bytes = 60, .flows = 63, .proto = IP_PROTO_UDP, .seed = 3};
    rig_up(&r, &p);
    cr_assert_eq(r.dev.m->st.delivered, 63 * 20);
    check_flow_rings(r.dev.m, 63, IP_PROTO_UDP, true);
    rig_down(&r);

    sim_engine_destroy(nic_eng);
    nic_eng = sim_engine_create();
    nic_cfg.mpipe.bucket_mode = MPIPE_BUCKET_ROUND_ROBIN;
    rig_up(&r, &p);
    check_flow_rings(r.dev.m, 63, IP_PROTO_UDP, false);
    rig_down(&r);
}

Test(ingress, static_mode_keeps_flows_even_when_drained) {
    nic_cfg.mpipe.rings = 4;
    struct rig r;
    struct eth_gen_params p = {
        .count = 64 * 8, .frame_bytes = 60, .flows = 64, .proto = IP_PROTO_UDP, .seed = 5};
    rig_up(&r, &p);
    check_flow_rings(r.dev.m, 64, IP_PROTO_UDP, true);
    rig_down(&r);
}

Test(ingress, ring_full_drops_are_counted) {
    nic_cfg.mpipe.rings = 1;
    nic_cfg.mpipe.ring_entries = 8;
    struct rig r;
    struct eth_gen_params p = {
        .count = 20, .frame_bytes = 60, .flows = 3, .proto = IP_PROTO_UDP, .seed = 5};
    rig_up(&r, &p);
    struct mpipe *m = r.dev.m;
    cr_assert_eq(m->st.delivered, 8);
    cr_assert_eq(m->st.drop_ring_full, 12);
    cr_assert_eq(m->ring[0].full_drops, 12);
    /* Buffers of dropped frames were never taken. */
    cr_assert_eq(m->stack[MPIPE_STACK_SMALL].top, m->stack[MPIPE_STACK_SMALL].count - 8);
    /* Software takes and credits: room again. */
    struct mpipe_idesc d[8];
    uint64_t cyc = 0;
    cr_assert_eq(mpipe_drv_poll(m, 0, LATER, d, 8, &cyc), 8);
    cr_assert_eq(cyc, 8 * nic_cfg.driver.idesc_read_cycles);
    cr_assert_eq(mpipe_ring_occupancy(m, 0), 8);
    cr_assert_eq(mpipe_drv_credit(m, 0, 9, sim_engine_now(nic_eng), &cyc), -1); /* too many */
    cr_assert_eq(mpipe_drv_credit(m, 0, 8, sim_engine_now(nic_eng), &cyc), 0);
    cr_assert_eq(mpipe_ring_occupancy(m, 0), 0);
    cr_assert_eq(m->st.drv_errors, 1);
    rig_down(&r);
}

Test(ingress, no_buffer_drops_are_counted_and_buffers_come_back) {
    nic_cfg.mpipe.rings = 1;
    nic_cfg.mpipe.small_buffers = 5;
    nic_cfg.mpipe.large_buffers = 0;
    struct rig r;
    struct eth_gen_params p = {
        .count = 10, .frame_bytes = 60, .flows = 1, .proto = IP_PROTO_UDP, .seed = 5};
    rig_up(&r, &p);
    struct mpipe *m = r.dev.m;
    cr_assert_eq(m->st.delivered, 5);
    cr_assert_eq(m->st.drop_no_buffer, 5);
    cr_assert_eq(m->stack[MPIPE_STACK_SMALL].empty, 5);
    struct mpipe_idesc d[5];
    cr_assert_eq(mpipe_drv_poll(m, 0, LATER, d, 5, NULL), 5);
    uint64_t cyc = 0;
    cr_assert_eq(mpipe_drv_buffer_return(m, d[0].stack, d[0].buf_addr, 0, &cyc), 0);
    cr_assert_eq(cyc, nic_cfg.driver.mmio_write_cycles);
    /* Returning it twice, or an address that is no buffer, is refused and counted. */
    cr_assert_eq(mpipe_drv_buffer_return(m, d[0].stack, d[0].buf_addr, 0, NULL), -1);
    cr_assert_eq(mpipe_drv_buffer_return(m, d[1].stack, d[1].buf_addr + 1, 0, NULL), -1);
    cr_assert_eq(m->stack[MPIPE_STACK_SMALL].double_push, 1);
    cr_assert_eq(m->stack[MPIPE_STACK_SMALL].bad_push, 1);
    cr_assert_eq(m->stack[MPIPE_STACK_SMALL].top, 1);
    rig_down(&r);
}

Test(ingress, stack_is_picked_by_size_and_too_big_is_counted) {
    nic_cfg.mpipe.rings = 1;
    nic_cfg.mpipe.large_buffer_bytes = 1024; /* frames of 1025..1514 fit no stack */
    struct rig r;
    struct eth_gen_params p = {
        .count = 1, .frame_bytes = 1200, .flows = 1, .proto = IP_PROTO_UDP, .seed = 5};
    rig_up(&r, &p);
    cr_assert_eq(r.dev.m->st.drop_too_big, 1);
    rig_down(&r);

    sim_engine_destroy(nic_eng);
    nic_eng = sim_engine_create();
    nic_cfg.mpipe.large_buffer_bytes = 1664;
    p.frame_bytes = 500;
    rig_up(&r, &p);
    struct mpipe_idesc d;
    cr_assert_eq(mpipe_drv_poll(r.dev.m, 0, LATER, &d, 1, NULL), 1);
    cr_assert_eq(d.stack, MPIPE_STACK_LARGE);
    cr_assert_eq(d.size, 500);
    rig_down(&r);
}

/* Send one hand-made frame into port 0 of a device. */
static struct mpipe *one_frame(struct nic_test_dev *dev, const uint8_t *f, size_t len) {
    cr_assert(nic_test_dev_create(dev, nic_eng, &nic_cfg, "chip"));
    struct eth_port src;
    eth_port_init(&src, nic_eng, &nic_cfg.eth, "src");
    eth_cable_connect(&src, mpipe_port(dev->m, 0));
    eth_port_send(&src, eth_frame_copy(f, len));
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    eth_port_fini(&src);
    return dev->m;
}

static size_t tcp_frame(uint8_t *buf, size_t cap) {
    struct eth_flow fl = {.src_mac = {2, 0, 0, 0, 0, 1},
                          .dst_mac = {2, 0, 0, 0, 0, 2},
                          .src_ip = ip(10, 0, 0, 1),
                          .dst_ip = ip(10, 0, 0, 2),
                          .src_port = 4321,
                          .dst_port = 80,
                          .proto = IP_PROTO_TCP};
    return eth_build(buf, cap, &fl, NULL, "hello, mpipe", 12, 7);
}

Test(ingress, descriptor_carries_checksum_hash_and_the_frame_is_in_memory) {
    uint8_t f[128];
    size_t len = tcp_frame(f, sizeof f);
    struct nic_test_dev dev;
    struct mpipe *m = one_frame(&dev, f, len);
    struct mpipe_idesc d;
    /* Find the ring the hash chose. */
    uint8_t key[40];
    nic_config_parse_rss_key(nic_cfg.mpipe.rss_key, key);
    struct eth_parsed p;
    cr_assert_eq(eth_parse(f, len, &p), ETH_PARSE_OK);
    uint32_t h = mpipe_rss_hash(key, &p, false);
    unsigned ring = (unsigned)((h % nic_cfg.mpipe.buckets) % nic_cfg.mpipe.rings);
    cr_assert_eq(m->ring[ring].posted, 1);
    cr_assert_eq(mpipe_drv_poll(m, ring, LATER, &d, 1, NULL), 1);
    cr_assert_eq(d.ring, ring);
    cr_assert_eq(d.flow_hash, h);
    cr_assert_eq(d.bucket, h % nic_cfg.mpipe.buckets);
    cr_assert_eq(d.size, len);
    cr_assert(d.flags & MPIPE_IDESC_TCP);
    cr_assert(d.flags & MPIPE_IDESC_L4_CSUM_OK);
    cr_assert_eq(d.l4_csum, 0xffff);
    cr_assert_eq(d.l3_off, 14);
    cr_assert_eq(d.l4_off, 34);
    cr_assert_eq(memcmp(flat_host(&dev.mem, d.buf_addr, len), f, len), 0);
    nic_test_dev_destroy(&dev);
}

Test(ingress, bad_ip_checksum_is_dropped_and_counted) {
    uint8_t f[128];
    size_t len = tcp_frame(f, sizeof f);
    f[14 + 10] ^= 0x55;
    struct nic_test_dev dev;
    struct mpipe *m = one_frame(&dev, f, len);
    cr_assert_eq(m->st.drop_bad_ip_csum, 1);
    cr_assert_eq(m->st.delivered, 0);
    nic_test_dev_destroy(&dev);

    /* With the drop turned off it is delivered, flagged. */
    sim_engine_destroy(nic_eng);
    nic_eng = sim_engine_create();
    nic_cfg.mpipe.drop_bad_ip_csum = false;
    nic_cfg.mpipe.rings = 1;
    m = one_frame(&dev, f, len);
    struct mpipe_idesc d;
    cr_assert_eq(mpipe_drv_poll(m, 0, LATER, &d, 1, NULL), 1);
    cr_assert(d.flags & MPIPE_IDESC_IP_CSUM_BAD);
    nic_test_dev_destroy(&dev);
}

Test(ingress, bad_tcp_checksum_is_flagged_malformed_ip_dropped) {
    uint8_t f[128];
    size_t len = tcp_frame(f, sizeof f);
    f[len - 1] ^= 0xff; /* payload byte */
    nic_cfg.mpipe.rings = 1;
    struct nic_test_dev dev;
    struct mpipe *m = one_frame(&dev, f, len);
    struct mpipe_idesc d;
    cr_assert_eq(mpipe_drv_poll(m, 0, LATER, &d, 1, NULL), 1);
    cr_assert(!(d.flags & MPIPE_IDESC_L4_CSUM_OK));
    cr_assert_neq(d.l4_csum, 0xffff);
    cr_assert_eq(m->st.l4_csum_bad, 1);
    nic_test_dev_destroy(&dev);

    sim_engine_destroy(nic_eng);
    nic_eng = sim_engine_create();
    len = tcp_frame(f, sizeof f);
    eth_put16(f + 14 + 2, 400); /* IP total length beyond the frame */
    m = one_frame(&dev, f, len);
    cr_assert_eq(m->st.drop_bad_ip, 1);
    cr_assert_eq(m->st.delivered, 0);
    nic_test_dev_destroy(&dev);
}

Test(ingress, classifiers_bound_the_packet_rate) {
    nic_cfg.mpipe.classifiers = 1;
    nic_cfg.mpipe.classifier_cycles = 1200; /* 1 us at 1.2 GHz: 1 Mpps */
    nic_cfg.mpipe.classifier_queue_frames = 16;
    nic_cfg.mpipe.ring_entries = 4096;
    struct rig r;
    struct eth_gen_params p = {
        .count = 2000, .frame_bytes = 60, .flows = 16, .proto = IP_PROTO_UDP, .seed = 5};
    rig_up(&r, &p);
    struct mpipe *m = r.dev.m;
    /* 2000 frames arrive in 134 us; one classifier finishes ~135 of them. */
    cr_assert(m->st.delivered >= 130 && m->st.delivered <= 152, "delivered %llu",
              (unsigned long long)m->st.delivered);
    cr_assert_eq(m->st.delivered + m->st.drop_classifier_full, 2000);
    rig_down(&r);

    /* The default 10 classifiers at 200 cycles keep up with a 64 B flood. */
    sim_engine_destroy(nic_eng);
    nic_eng = sim_engine_create();
    nic_cfg.mpipe.classifiers = 10;
    nic_cfg.mpipe.classifier_cycles = 200;
    nic_cfg.mpipe.classifier_queue_frames = 128;
    rig_up(&r, &p);
    cr_assert_eq(r.dev.m->st.delivered, 2000);
    rig_down(&r);
}

Test(ingress, descriptor_is_visible_only_when_the_dma_write_lands) {
    nic_cfg.mpipe.rings = 1;
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, nic_eng, &nic_cfg, "chip"));
    dev.mem.latency = SIM_NS(500);
    struct eth_port src;
    eth_port_init(&src, nic_eng, &nic_cfg.eth, "src");
    eth_cable_connect(&src, mpipe_port(dev.m, 0));
    uint8_t f[128];
    size_t len = tcp_frame(f, sizeof f);
    eth_port_send(&src, eth_frame_copy(f, len));
    /* Arrival at 67.6 ns, classification 200 cycles (166.7 ns), iDMA 16 cycles + 500 ns. */
    sim_engine_run_until(nic_eng, SIM_NS(600));
    struct mpipe_idesc d;
    cr_assert_eq(mpipe_drv_poll(dev.m, 0, SIM_NS(600), &d, 1, NULL), 0);
    cr_assert_eq(mpipe_drv_poll(dev.m, 0, SIM_NS(760), &d, 1, NULL), 1);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    eth_port_fini(&src);
    nic_test_dev_destroy(&dev);
}

Test(ingress, random_and_mutated_frames_are_counted_never_crash) {
    nic_cfg.mpipe.ring_entries = 8192;
    nic_cfg.mpipe.small_buffers = 8192;
    nic_cfg.mpipe.large_buffers = 8192;
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, nic_eng, &nic_cfg, "chip"));
    struct eth_port src;
    eth_port_init(&src, nic_eng, &nic_cfg.eth, "src");
    eth_cable_connect(&src, mpipe_port(dev.m, 0));
    struct sim_rng rng;
    sim_rng_init(&rng, 99, 1);
    uint8_t good[128];
    size_t glen = tcp_frame(good, sizeof good);
    uint64_t sent = 0;
    for (int i = 0; i < 4000; i++) {
        uint8_t buf[1514];
        size_t len;
        if (i % 2) {
            /* A valid frame with a few random bytes changed, cut at random. */
            memcpy(buf, good, glen);
            for (int k = 0; k < 3; k++) buf[sim_rng_below(&rng, glen)] = (uint8_t)sim_rng_u64(&rng);
            len = 14 + sim_rng_below(&rng, glen - 13);
            if (i % 4 == 1) eth_put16(buf + 12, 0x0800);
        } else {
            len = 14 + sim_rng_below(&rng, 1500);
            for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)sim_rng_u64(&rng);
            if (i % 4 == 0) buf[12] = 0x08, buf[13] = 0x00, buf[14] = 0x45;
        }
        struct eth_frame *f = eth_frame_copy(buf, len);
        if (!eth_port_send(&src, f)) {
            eth_frame_free(f);
            sim_engine_run_until(nic_eng, sim_engine_next_time(nic_eng));
            i--;
            continue;
        }
        sent++;
    }
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    const struct mpipe_stats *s = &dev.m->st;
    cr_assert_eq(s->rx_frames, sent);
    uint64_t drops = s->drop_classifier_full + s->drop_runt + s->drop_bad_ip + s->drop_bad_ip_csum +
                     s->drop_too_big + s->drop_no_buffer + s->drop_ring_full + s->drop_dma_error;
    cr_assert_eq(s->delivered + drops, sent);
    cr_assert_gt(s->drop_bad_ip + s->drop_bad_ip_csum, 0);
    cr_assert_gt(s->delivered, 0);
    eth_port_fini(&src);
    nic_test_dev_destroy(&dev);
}
