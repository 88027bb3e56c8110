/* tests/nic/test_switch.c: learning, flooding, output drops, L3+L4 bonding
 * over 4 chip ports, a direct cable between two chips. */
#include <criterion/criterion.h>
#include <string.h>

#include "nic/eth_gen.h"
#include "nic/switch.h"
#include "nic/switch_topology.h"
#include "nic_test_util.h"

#define LATER SIM_MS(100000)

TestSuite(sw, .init = nic_fixture_setup, .fini = nic_fixture_teardown);

static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 0xa}, mac_b[6] = {2, 0, 0, 0, 0, 0xb},
                     mac_c[6] = {2, 0, 0, 0, 0, 0xc}, mac_chip[6] = {2, 0, 0, 0, 0, 0x36};

static struct eth_gen *host(const char *name, uint64_t count, uint64_t flows, const uint8_t *src,
                            const uint8_t *dst) {
    char err[256];
    struct eth_gen_params p = {
        .count = count, .frame_bytes = 60, .flows = flows, .proto = IP_PROTO_UDP, .seed = 21};
    struct eth_gen *g = eth_gen_create(nic_eng, &nic_cfg.eth, &p, name, err, sizeof err);
    cr_assert(g, "%s", err);
    eth_gen_set_macs(g, src, dst);
    return g;
}

Test(sw, learns_floods_unknown_and_forwards_known) {
    struct nic_switch *s = switch_create(nic_eng, &nic_cfg, 3, "sw");
    struct eth_gen *a = host("a", 10, 1, mac_a, mac_b);
    struct eth_gen *b = host("b", 1, 1, mac_b, mac_a);
    struct eth_gen *c = host("c", 0, 1, mac_c, mac_a);
    eth_cable_connect(&a->port, switch_port(s, 0));
    eth_cable_connect(&b->port, switch_port(s, 1));
    eth_cable_connect(&c->port, switch_port(s, 2));
    eth_gen_start(a, 0);          /* B unknown: flooded to b and c */
    eth_gen_start(b, SIM_US(10)); /* A known: only to a */
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(b->rx_frames, 10);
    cr_assert_eq(c->rx_frames, 10);
    cr_assert_eq(a->rx_frames, 1);
    /* Now B is known: a's next frames go to b only. */
    a->prm.count = 20;
    eth_gen_start(a, sim_engine_now(nic_eng));
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(b->rx_frames, 20);
    cr_assert_eq(c->rx_frames, 10);
    cr_assert_eq(s->pst[1].forwarded, 10);
    cr_assert_eq(s->pst[2].flooded, 10);
    eth_gen_destroy(a);
    eth_gen_destroy(b);
    eth_gen_destroy(c);
    switch_destroy(s);
}

Test(sw, two_senders_into_one_port_overflow_its_queue) {
    nic_cfg.sw.port_queue_frames = 16;
    struct nic_switch *s = switch_create(nic_eng, &nic_cfg, 3, "sw");
    struct eth_gen *a = host("a", 2000, 1, mac_a, mac_c);
    struct eth_gen *b = host("b", 2000, 1, mac_b, mac_c);
    struct eth_gen *c = host("c", 1, 1, mac_c, mac_a);
    eth_cable_connect(&a->port, switch_port(s, 0));
    eth_cable_connect(&b->port, switch_port(s, 1));
    eth_cable_connect(&c->port, switch_port(s, 2));
    eth_gen_start(c, 0);
    eth_gen_start(a, SIM_US(10));
    eth_gen_start(b, SIM_US(10));
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    uint64_t drops = s->pst[2].drop_queue_full;
    /* Twice the line rate offered for 134 us: about half is dropped. */
    cr_assert(drops > 1900 && drops < 2000, "drops %llu", (unsigned long long)drops);
    cr_assert_eq(c->rx_frames + drops, 4000);
    eth_gen_destroy(a);
    eth_gen_destroy(b);
    eth_gen_destroy(c);
    switch_destroy(s);
}

Test(sw, bond_of_4_chip_ports_spreads_flows_and_keeps_each_on_one_port) {
    nic_cfg.mpipe.rings = 1;
    nic_cfg.mpipe.ring_entries = 8192;
    nic_cfg.mpipe.small_buffers = 8192;
    struct nic_test_dev dev;
    cr_assert(nic_test_dev_create(&dev, nic_eng, &nic_cfg, "chip"));
    struct nic_switch *s = switch_create(nic_eng, &nic_cfg, 5, "sw");
    char err[256];
    unsigned members[4] = {0, 1, 2, 3};
    cr_assert_eq(switch_bond(s, members, 4, err, sizeof err), 0, "%s", err);
    unsigned again[2] = {3, 4};
    cr_assert_eq(switch_bond(s, again, 2, err, sizeof err), -1);
    for (unsigned i = 0; i < 4; i++) eth_cable_connect(mpipe_port(dev.m, i), switch_port(s, i));
    const uint64_t flows = 1000, frames = 4000;
    struct eth_gen *cl = host("client", frames, flows, mac_a, mac_chip);
    eth_cable_connect(&cl->port, switch_port(s, 4));
    eth_gen_start(cl, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    cr_assert_eq(dev.m->st.delivered, frames);
    static struct mpipe_idesc d[4000];
    cr_assert_eq(mpipe_drv_poll(dev.m, 0, LATER, d, frames, NULL), frames);
    int port_of[1000];
    uint64_t per_port[4] = {0};
    for (uint64_t f = 0; f < flows; f++) port_of[f] = -1;
    for (uint64_t i = 0; i < frames; i++) {
        const uint8_t *fr = flat_host(&dev.mem, d[i].buf_addr, d[i].size);
        uint64_t seq = 0;
        for (int b = 0; b < 8; b++) seq = seq << 8 | fr[42 + b];
        uint64_t flow = seq % flows;
        if (port_of[flow] < 0) port_of[flow] = d[i].port;
        cr_assert_eq(port_of[flow], d[i].port, "flow %llu changed port", (unsigned long long)flow);
        cr_assert_eq(d[i].port, switch_bond_hash(fr, d[i].size, 4));
        per_port[d[i].port]++;
    }
    for (int p = 0; p < 4; p++)
        cr_assert(per_port[p] > 700 && per_port[p] < 1300, "port %d got %llu", p,
                  (unsigned long long)per_port[p]);
    eth_gen_destroy(cl);
    switch_destroy(s);
    nic_test_dev_destroy(&dev);
}

Test(sw, direct_cable_between_two_chips) {
    nic_cfg.mpipe.rings = 1;
    struct nic_test_dev a, b;
    cr_assert(nic_test_dev_create(&a, nic_eng, &nic_cfg, "chipA"));
    cr_assert(nic_test_dev_create(&b, nic_eng, &nic_cfg, "chipB"));
    eth_cable_connect(mpipe_port(a.m, 0), mpipe_port(b.m, 0));
    uint8_t frame[256];
    struct eth_flow fl = {.src_mac = {2, 0, 0, 0, 0, 1},
                          .dst_mac = {2, 0, 0, 0, 0, 2},
                          .src_ip = 0x0a000001u,
                          .dst_ip = 0x0a000002u,
                          .src_port = 7000,
                          .dst_port = 7001,
                          .proto = IP_PROTO_TCP};
    size_t len = eth_build(frame, sizeof frame, &fl, NULL, "ping-pong", 9, 3);
    memcpy(flat_host(&a.mem, TEST_APP_BASE, len), frame, len);
    struct mpipe_edesc e = {.addr = TEST_APP_BASE, .size = (uint16_t)len, .eop = true};
    cr_assert_eq(mpipe_drv_edma_post(a.m, 0, &e, 1, 0, NULL), 1);
    mpipe_drv_edma_doorbell(a.m, 0, 0, NULL);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    struct mpipe_idesc d;
    cr_assert_eq(mpipe_drv_poll(b.m, 0, LATER, &d, 1, NULL), 1);
    cr_assert_eq(d.size, len);
    cr_assert_eq(memcmp(flat_host(&b.mem, d.buf_addr, len), frame, len), 0);
    cr_assert(d.flags & MPIPE_IDESC_L4_CSUM_OK);
    nic_test_dev_destroy(&a);
    nic_test_dev_destroy(&b);
}

Test(sw, topology_switch_bonds_each_chip_and_direct_needs_two_chips) {
    nic_cfg.mpipe.rings = 1;
    struct nic_test_dev c0, c1, c2;
    cr_assert(nic_test_dev_create(&c0, nic_eng, &nic_cfg, "chip0"));
    cr_assert(nic_test_dev_create(&c1, nic_eng, &nic_cfg, "chip1"));
    cr_assert(nic_test_dev_create(&c2, nic_eng, &nic_cfg, "chip2"));
    struct mpipe *chips[3] = {c0.m, c1.m, c2.m};
    char err[256];
    nic_cfg.topology = NIC_TOPO_DIRECT;
    cr_assert_null(switch_topology_build(nic_eng, &nic_cfg, chips, 3, 0, err, sizeof err));
    cr_assert(strstr(err, "nic.topology"), "%s", err);
    cr_assert_null(switch_topology_build(nic_eng, &nic_cfg, chips, 2, 1, err, sizeof err));

    nic_cfg.topology = NIC_TOPO_SWITCH;
    struct switch_topology *t =
        switch_topology_build(nic_eng, &nic_cfg, chips, 1, 2, err, sizeof err);
    cr_assert(t, "%s", err);
    cr_assert_eq(t->sw->nports, 6);
    cr_assert_eq(t->sw->nbonds, 1);
    cr_assert_null(switch_topology_client_port(t, 2));
    struct eth_gen *h0 = host("h0", 100, 50, mac_a, mac_chip);
    struct eth_gen *h1 = host("h1", 100, 50, mac_b, mac_chip);
    eth_cable_connect(&h0->port, switch_topology_client_port(t, 0));
    eth_cable_connect(&h1->port, switch_topology_client_port(t, 1));
    eth_gen_start(h0, 0);
    eth_gen_start(h1, 0);
    sim_engine_run_until(nic_eng, SIM_TIME_MAX);
    /* The chip's MAC is never learned (it sends nothing): every frame is
     * flooded, reaching the chip once (one bond member) and the other client. */
    cr_assert_eq(c0.m->st.delivered, 200);
    cr_assert_eq(h0->rx_frames, 100);
    cr_assert_eq(h1->rx_frames, 100);
    eth_gen_destroy(h0);
    eth_gen_destroy(h1);
    switch_topology_destroy(t);
    nic_test_dev_destroy(&c0);
    nic_test_dev_destroy(&c1);
    nic_test_dev_destroy(&c2);
}
