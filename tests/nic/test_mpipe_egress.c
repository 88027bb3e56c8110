/* tests/nic/test_mpipe_egress.c: eDMA rings, gather, IO-TLB refusal,
 * checksum offload, completions, the echo at line rate. */
#include <criterion/criterion.h>
#include <string.h>

#include "nic/eth_gen.h"
#include "nic/eth_pkt.h"
#include "nic_test_util.h"

TestSuite(egress, .init = nic_fixture_setup, .fini = nic_fixture_teardown);

struct capture {
    uint64_t n;
    uint8_t last[2048];
    size_t last_len;
};
static bool cap_rx(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)p;
    struct capture *c = ctx;
    c->n++;
    memcpy(c->last, f->data, f->len);
    c->last_len = f->len;
    eth_frame_free(f);
    return true;
}
static const struct eth_client_ops cap_ops = {cap_rx, NULL};

struct completions {
    uint64_t calls, refused, last_completed;
    unsigned last_ring;
};
static void on_complete(void *ctx, unsigned ring, uint64_t completed, bool refused, sim_time_t t) {
    (void)t;
    struct completions *c = ctx;
    c->calls++;
    c->refused += refused;
    c->last_completed = completed;
    c->last_ring = ring;
}

struct egress_rig {
    struct nic_test_dev dev;
    struct eth_port sink;
    struct capture cap;
    struct completions comp;
};

static void egress_up(struct egress_rig *r) {
    memset(r, 0, sizeof *r);
    cr_assert(nic_test_dev_create(&r->dev, nic_eng, &nic_cfg, "chip"));
    eth_port_init(&r->sink, nic_eng, &nic_cfg.eth, "sink");
    eth_port_attach(&r->sink, &cap_ops, &r->cap);
    eth_cable_connect(mpipe_port(r->dev.m, 0), &r->sink);
    mpipe_set_complete(r->dev.m, on_complete, &r->comp);
}

static void egress_down(struct egress_rig *r) {
    eth_port_fini(&r->sink);
    nic_test_dev_destroy(&r->dev);
}

/* A TCP frame split as header (54 B) + two payload pieces. */
static const char piece1[] = "The quick brown fox jumps ";
static const char piece2[] = "over the lazy dog, twice over.";

static size_t reference_frame(uint8_t *buf, size_t cap, struct eth_flow *fl) {
    *fl = (struct eth_flow){.src_mac = {2, 0, 0, 0, 0, 9},
                            .dst_mac = {2, 0, 0, 0, 0, 8},
                            .src_ip = 0x0a000009u,
                            .dst_ip = 0x0a000008u,
                            .src_port = 80,
                            .dst_port = 5555,
                            .proto = IP_PROTO_TCP};
    char payload[128];
    size_t n1 = strlen(piece1), n2 = strlen(piece2);
    memcpy(payload, piece1, n1);
    memcpy(payload + n1, piece2, n2);
    return eth_build(buf, cap, fl, NULL, payload, n1 + n2, 1);
}

/* Post header (from the Tx header stack) + 2 payload pieces on eDMA ring 0. */
static void post_gather(struct egress_rig *r, uint64_t piece2_addr, uint64_t *hdr_out, uint8_t *ref,
                        size_t *ref_len) {
    struct mpipe *m = r->dev.m;
    struct eth_flow fl;
    *ref_len = reference_frame(ref, 256, &fl);
    uint64_t hdr, cyc = 0;
    cr_assert_eq(mpipe_drv_buffer_alloc(m, MPIPE_STACK_TX_HDR, &hdr, 0, &cyc), 0);
    cr_assert_eq(cyc, nic_cfg.driver.mmio_read_cycles);
    /* The header with its TCP checksum cleared: the NIC fills it. */
    uint8_t *h = flat_host(&r->dev.mem, hdr, 54);
    memcpy(h, ref, 54);
    eth_put16(h + 34 + 16, 0);
    size_t n1 = strlen(piece1), n2 = strlen(piece2);
    memcpy(flat_host(&r->dev.mem, TEST_APP_BASE + 4096, n1), piece1, n1);
    uint8_t *p2 = flat_host(&r->dev.mem, piece2_addr, n2);
    if (p2) memcpy(p2, piece2, n2);
    uint16_t l4_len = (uint16_t)(20 + n1 + n2);
    uint32_t seed = eth_csum_pseudo(fl.src_ip, fl.dst_ip, IP_PROTO_TCP, l4_len);
    while (seed >> 16) seed = (seed & 0xffff) + (seed >> 16);
    struct mpipe_edesc d[3] = {
        {.addr = hdr,
         .size = 54,
         .csum = true,
         .csum_start = 34,
         .csum_dest = 34 + 16,
         .csum_seed = (uint16_t)seed,
         .hwb = true,
         .stack = MPIPE_STACK_TX_HDR},
        {.addr = TEST_APP_BASE + 4096, .size = (uint16_t)n1},
        {.addr = piece2_addr, .size = (uint16_t)n2, .eop = true},
    };
    cyc = 0;
    cr_assert_eq(mpipe_drv_edma_post(m, 0, d, 3, 0, &cyc), 3);
    cr_assert_eq(mpipe_drv_edma_doorbell(m, 0, 0, &cyc), 0);
    cr_assert_eq(cyc, 3 * nic_cfg.driver.edesc_write_cycles + nic_cfg.driver.mmio_write_cycles);
    *hdr_out = hdr;
}

Test(egress, gather_of_three_pieces_reassembles_with_checksum_offload) {
    struct egress_rig r;
    egress_up(&r);
    struct mpipe *m = r.dev.m;
    uint64_t free_before = m->stack[MPIPE_STACK_TX_HDR].top, hdr;
    uint8_t ref[256];
    size_t ref_len;
    post_gather(&r, TEST_APP_BASE + 8192, &hdr, ref, &ref_len);
    cr_assert_eq(m->stack[MPIPE_STACK_TX_HDR].top, free_before - 1);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 1);
    cr_assert_eq(r.cap.last_len, ref_len);
    cr_assert_eq(memcmp(r.cap.last, ref, ref_len), 0, "gathered frame differs");
    struct eth_parsed p;
    cr_assert_eq(eth_parse(r.cap.last, r.cap.last_len, &p), ETH_PARSE_OK);
    cr_assert(eth_l4_csum_ok(r.cap.last, &p, NULL));
    /* Completion: 3 descriptors, header buffer back on its stack. */
    cr_assert_eq(r.comp.calls, 1);
    cr_assert_eq(r.comp.refused, 0);
    cr_assert_eq(r.comp.last_completed, 3);
    cr_assert_eq(mpipe_drv_edma_completed(m, 0, 0, NULL), 3);
    cr_assert_eq(m->stack[MPIPE_STACK_TX_HDR].top, free_before);
    cr_assert_eq(m->st.tx_frames, 1);
    cr_assert_eq(mpipe_port(m, 0)->st.tx_frames, 1);
    egress_down(&r);
}

Test(egress, gather_from_unregistered_memory_is_refused_and_reported) {
    struct egress_rig r;
    egress_up(&r);
    struct mpipe *m = r.dev.m;
    uint64_t free_before = m->stack[MPIPE_STACK_TX_HDR].top, hdr;
    uint8_t ref[256];
    size_t ref_len;
    post_gather(&r, TEST_UNREG_BASE + 64, &hdr, ref, &ref_len);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 0);
    cr_assert_eq(m->st.refused_unregistered, 1);
    cr_assert_eq(m->ering[0].refused, 1);
    cr_assert_eq(m->nrefusals, 1);
    cr_assert_eq(m->refusal[0].addr, TEST_UNREG_BASE + 64);
    cr_assert_eq(m->refusal[0].slot, 2);
    cr_assert_str_eq(m->refusal[0].reason, "unregistered memory (IO-TLB)");
    /* Completed with an error; the header buffer still comes back. */
    cr_assert_eq(r.comp.refused, 1);
    cr_assert_eq(r.comp.last_completed, 3);
    cr_assert_eq(m->stack[MPIPE_STACK_TX_HDR].top, free_before);
    cr_assert_eq(m->st.tx_frames, 0);
    /* The next packet on the ring is unaffected. */
    post_gather(&r, TEST_APP_BASE + 8192, &hdr, ref, &ref_len);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 1);
    cr_assert_eq(r.comp.last_completed, 6);
    egress_down(&r);
}

Test(egress, descriptors_wait_for_the_doorbell_and_eop) {
    struct egress_rig r;
    egress_up(&r);
    struct mpipe *m = r.dev.m;
    struct mpipe_edesc d = {.addr = TEST_APP_BASE, .size = 60, .eop = false};
    cr_assert_eq(mpipe_drv_edma_post(m, 0, &d, 1, 0, NULL), 1);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 0); /* no doorbell */
    mpipe_drv_edma_doorbell(m, 0, sim_engine_now(nic_eng), NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 0); /* no end of packet yet */
    d.addr += 60, d.eop = true;
    mpipe_drv_edma_post(m, 0, &d, 1, 0, NULL);
    mpipe_drv_edma_doorbell(m, 0, sim_engine_now(nic_eng), NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 1);
    cr_assert_eq(r.cap.last_len, 120);
    egress_down(&r);
}

Test(egress, full_ring_bad_arguments_and_long_chains_are_counted) {
    nic_cfg.mpipe.edma_ring_entries = 4;
    nic_cfg.mpipe.edma_max_gather = 2;
    struct egress_rig r;
    egress_up(&r);
    struct mpipe *m = r.dev.m;
    struct mpipe_edesc d[5] = {
        {.addr = TEST_APP_BASE, .size = 30},
        {.addr = TEST_APP_BASE, .size = 30},
        {.addr = TEST_APP_BASE, .size = 30, .eop = true},
    };
    cr_assert_eq(mpipe_drv_edma_post(m, 0, d, 5, 0, NULL), 0);
    cr_assert_eq(m->ering[0].post_full, 1);
    cr_assert_eq(mpipe_drv_edma_post(m, 99, d, 1, 0, NULL), 0);
    cr_assert_eq(mpipe_drv_edma_doorbell(m, 99, 0, NULL), -1);
    cr_assert_eq(m->st.drv_errors, 2);
    /* 3 descriptors with max_gather 2: refused as too long. */
    cr_assert_eq(mpipe_drv_edma_post(m, 0, d, 3, 0, NULL), 3);
    mpipe_drv_edma_doorbell(m, 0, 0, NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(r.cap.n, 0);
    cr_assert_eq(m->st.refused_too_long, 1);
    cr_assert_eq(mpipe_drv_edma_space(m, 0), 4);
    /* A 4-descriptor chain: the first 3 are refused, the 4th (its eop) is
     * discarded with them, and the packet after it goes out. */
    struct mpipe_edesc chain[4] = {
        {.addr = TEST_APP_BASE, .size = 30},
        {.addr = TEST_APP_BASE, .size = 30},
        {.addr = TEST_APP_BASE, .size = 30},
        {.addr = TEST_APP_BASE, .size = 30, .eop = true},
    };
    cr_assert_eq(mpipe_drv_edma_post(m, 0, chain, 4, 0, NULL), 4);
    mpipe_drv_edma_doorbell(m, 0, sim_engine_now(nic_eng), NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    struct mpipe_edesc ok = {.addr = TEST_APP_BASE, .size = 70, .eop = true};
    cr_assert_eq(mpipe_drv_edma_post(m, 0, &ok, 1, 0, NULL), 1);
    mpipe_drv_edma_doorbell(m, 0, sim_engine_now(nic_eng), NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(m->st.refused_too_long, 2);
    cr_assert_eq(r.cap.n, 1);
    cr_assert_eq(r.cap.last_len, 70);
    cr_assert_eq(r.comp.refused, 3);
    cr_assert_eq(mpipe_drv_edma_completed(m, 0, 0, NULL), 8);
    /* A packet longer than the maximum frame is refused too. */
    struct mpipe_edesc big = {.addr = TEST_APP_BASE, .size = 1515, .eop = true};
    mpipe_drv_edma_post(m, 0, &big, 1, 0, NULL);
    mpipe_drv_edma_doorbell(m, 0, sim_engine_now(nic_eng), NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(m->st.refused_oversize, 1);
    egress_down(&r);
}

Test(egress, echo_returns_a_64B_flood_at_line_rate) {
    char err[256];
    nic_cfg.mpipe.rings = 4;
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, nic_eng, &nic_cfg, "chip"));
    struct nic_echo echo = {0};
    nic_echo_attach(&echo, dev.m);
    struct eth_gen_params p = {
        .count = 20000, .frame_bytes = 60, .flows = 1000, .proto = IP_PROTO_UDP, .seed = 11};
    struct eth_gen *g = eth_gen_create(nic_eng, &nic_cfg.eth, &p, "gen", err, sizeof err);
    cr_assert(g, "%s", err);
    eth_cable_connect(&g->port, mpipe_port(dev.m, 0));
    eth_gen_start(g, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(echo.dropped, 0);
    cr_assert_eq(g->rx_frames, 20000, "echoed back %llu", (unsigned long long)g->rx_frames);
    double rate = (double)(g->rx_frames - 1) * 1e12 / (double)(g->rx_last - g->rx_first);
    cr_assert(rate > 14.87e6 && rate < 14.89e6, "rate %.0f", rate);
    /* Every buffer came back. */
    cr_assert_eq(dev.m->stack[MPIPE_STACK_SMALL].top, dev.m->stack[MPIPE_STACK_SMALL].count);
    eth_gen_destroy(g);
    nic_test_dev_destroy(&dev);
}
