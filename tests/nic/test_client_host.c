/* tests/nic/test_client_host.c: client hosts (the stack, natively, on a host
 * core with the chip.host CPU model) exchange a TCP transfer through the
 * simulated switch: bytes verified, timing bounded by serialisation at the
 * line rate and by the per-packet host cost. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nic/host/client_host.h"
#include "nic/switch.h"
#include "nic_test_util.h"
#include "sim/kernel/config.h"
#include "sim/tile/tile_host.h"

#define XFER (1u << 20)
#define IP_A 0x0a000001u
#define IP_B 0x0a000002u

struct peer {
    struct client_host *h;
    uint8_t *rx;
    uint64_t got, acked;
    uint32_t id;
    bool connected, remote_closed, cleaned;
    sim_time_t last_rx, connected_at;
    struct sim_engine *e;
};

static void p_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct peer *p = ctx;
    (void)tag;
    cr_assert_eq(status, 0);
    if (!active) cr_assert_eq(stk_tcp_accept(client_host_stack(p->h), id), 0);
    p->id = id;
    p->connected = true;
    p->connected_at = sim_engine_now(p->e);
}
static void p_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct peer *p = ctx;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        cr_assert_leq(p->got + total + v[i].len, XFER);
        memcpy(p->rx + p->got + total, v[i].base, v[i].len);
        total += v[i].len;
    }
    p->got += total;
    p->last_rx = sim_engine_now(p->e);
    stk_tcp_recv_done(client_host_stack(p->h), id, total);
}
static void p_acked(void *ctx, uint32_t id, uint64_t c) {
    (void)id;
    ((struct peer *)ctx)->acked += c;
}
static void p_rclosed(void *ctx, uint32_t id) {
    struct peer *p = ctx;
    p->remote_closed = true;
    stk_tcp_close(client_host_stack(p->h), id);
}
static void p_cleanup(void *ctx, uint32_t id) {
    (void)id;
    ((struct peer *)ctx)->cleaned = true;
}

static uint8_t *src;
static struct peer a, b;

static void cmd_connect(void *ctx, struct client_host *h) {
    (void)ctx;
    uint32_t id;
    cr_assert_eq(stk_tcp_connect(client_host_stack(h), IP_B, 5000, 7, &id), 0);
}
static void cmd_send(void *ctx, struct client_host *h) {
    struct peer *p = ctx;
    struct stk_sendv v = {src, XFER, 0};
    cr_assert_eq(stk_tcp_send(client_host_stack(h), p->id, &v, 1), 0);
}
static void cmd_close(void *ctx, struct client_host *h) {
    struct peer *p = ctx;
    cr_assert_eq(stk_tcp_close(client_host_stack(h), p->id), 0);
}

struct run {
    sim_time_t connected, done; /* connect issued -> established; send -> last byte at B */
    uint64_t frames_b;          /* frames B received */
    sim_time_t busy_b;
    uint64_t items_b;
};

static struct run transfer(const struct chip_host_config *cpu) {
    struct nic_config ncfg;
    nic_test_config(&ncfg);
    struct sim_engine *e = sim_engine_create();
    struct nic_switch *sw = switch_create(e, &ncfg, 2, "sw");
    cr_assert_not_null(sw);
    src = malloc(XFER);
    for (uint32_t i = 0; i < XFER; i++) src[i] = (uint8_t)(i * 2654435761u >> 13);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.e = b.e = e;
    b.rx = malloc(XFER);
    struct client_host_params prm = {.cores = 1, .rx_queue = 1024, .tx_backlog = 4096, .seed = 3};
    struct stk_config sa, sb;
    stk_config_default(&sa);
    stk_config_default(&sb);
    sa.ip = IP_A;
    sb.ip = IP_B;
    sa.mac[5] = 1;
    sb.mac[5] = 2;
    sa.time_wait = sb.time_wait = STK_MS;
    struct stk_app appa = {p_new_conn, p_new_data, p_acked, p_rclosed, p_cleanup, &a};
    struct stk_app appb = {p_new_conn, p_new_data, p_acked, p_rclosed, p_cleanup, &b};
    char err[256];
    a.h = client_host_create(e, &ncfg.eth, cpu, &prm, &sa, &appa, "hostA", err, sizeof err);
    cr_assert_not_null(a.h, "%s", err);
    b.h = client_host_create(e, &ncfg.eth, cpu, &prm, &sb, &appb, "hostB", err, sizeof err);
    cr_assert_not_null(b.h, "%s", err);
    eth_cable_connect(client_host_port(a.h), switch_port(sw, 0));
    eth_cable_connect(client_host_port(b.h), switch_port(sw, 1));
    cr_assert_eq(stk_tcp_listen(client_host_stack(b.h), 5000, 16, 1), 0);

    client_host_at(a.h, SIM_US(1), cmd_connect, &a);
    sim_engine_run_until(e, SIM_MS(1));
    cr_assert(a.connected && b.connected, "handshake (with ARP) through the switch");
    sim_time_t t0 = SIM_MS(1);
    client_host_at(a.h, t0, cmd_send, &a);
    sim_engine_run_until(e, SIM_MS(200));
    cr_assert_eq(b.got, XFER, "received %llu of %u", (unsigned long long)b.got, XFER);
    cr_assert_eq(memcmp(b.rx, src, XFER), 0, "bytes verified");
    cr_assert_eq(a.acked, XFER);
    client_host_at(a.h, SIM_MS(200), cmd_close, &a);
    sim_engine_run_until(e, SIM_TIME_MAX);
    /* a command the run never reaches is freed with the host (ASan checks) */
    client_host_at(b.h, SIM_TIME_MAX, cmd_close, &b);
    cr_assert(a.cleaned && b.cleaned, "both ends closed");
    cr_assert_eq(stk_tcp_conns(client_host_stack(a.h)), 0);
    struct run r = {.connected = a.connected_at - SIM_US(1),
                    .done = b.last_rx - t0,
                    .frames_b = b.h->st.rx_frames,
                    .busy_b = b.h->st.busy_ps,
                    .items_b = b.h->st.items};
    cr_assert_eq(a.h->st.tx_backlog_drops + b.h->st.tx_backlog_drops, 0);
    cr_assert_eq(a.h->st.rx_refused + b.h->st.rx_refused, 0);
    client_host_destroy(a.h);
    client_host_destroy(b.h);
    switch_destroy(sw);
    sim_engine_destroy(e);
    free(src);
    free(b.rx);
    nic_test_config_fini(&ncfg);
    return r;
}

static void cpu_defaults(struct chip_host_config *h) {
    struct chip_config c;
    memset(&c, 0, sizeof c);
    cfg_defaults(&chip_config_section, &c);
    *h = c.host;
    cfg_release(&chip_config_section, &c);
}

/* Full-size segments: 1460 B of payload in a 1514 B frame, 1538 B on the wire. */
#define SEGS ((XFER + 1459) / 1460)

Test(nic_client_host, tcp_transfer_through_the_switch_runs_at_the_line_rate) {
    struct chip_host_config cpu;
    cpu_defaults(&cpu);
    struct run r = transfer(&cpu);
    struct nic_config ncfg;
    nic_test_config(&ncfg);
    sim_time_t wire = eth_wire_time(&ncfg.eth, 1514);
    nic_test_config_fini(&ncfg);
    cr_assert_eq(wire, 1230400);
    /* default host: ~460 ns per full frame < the wire's 1230 ns: the wire bounds it */
    cr_assert_lt(tile_host_cost(&cpu, 1514), wire);
    sim_time_t floor = (sim_time_t)SEGS * wire;
    cr_log_info("1 MiB in %.1f us (wire floor %.1f us), handshake %.2f us", (double)r.done / 1e6,
                (double)floor / 1e6, (double)r.connected / 1e6);
    cr_assert_geq(r.done, floor, "faster than the wire: %llu ps < %llu", (unsigned long long)r.done,
                  (unsigned long long)floor);
    cr_assert_lt(r.done, floor * 3 / 2, "transfer took %llu ps, line rate %llu",
                 (unsigned long long)r.done, (unsigned long long)floor);
    /* handshake: ARP + SYN + SYN-ACK: a few wire times, host costs and switch hops */
    cr_assert_gt(r.connected, 3 * (eth_wire_time(&ncfg.eth, 60) + SIM_NS(300)));
    cr_assert_lt(r.connected, SIM_US(20));
}

Test(nic_client_host, per_packet_host_cost_bounds_the_rate) {
    struct chip_host_config cpu;
    cpu_defaults(&cpu);
    cpu.handler_cycles = 15000; /* 5 us per frame at 3 GHz: 4x the wire time */
    struct run r = transfer(&cpu);
    sim_time_t per = tile_host_cost(&cpu, 1514);
    cr_log_info("1 MiB in %.1f us (host floor %.1f us)", (double)r.done / 1e6,
                (double)(SEGS - 1) * (double)per / 1e6);
    cr_assert_geq(r.done, (sim_time_t)(SEGS - 1) * per, "%llu ps for %u segments at %llu ps",
                  (unsigned long long)r.done, SEGS, (unsigned long long)per);
    cr_assert_lt(r.done, (sim_time_t)SEGS * per * 3 / 2);
    /* the receiving core was busy for exactly its items' modelled cost */
    cr_assert_geq(r.busy_b, (sim_time_t)r.frames_b * tile_host_cost(&cpu, 54));
    cr_assert_geq(r.items_b, r.frames_b);
}

/* ---- several cores: flows steered to cores ---- */

#define CONNS 8u
#define PER_CONN (128u * 1024u)

struct multi {
    struct client_host *a, *b;
    struct sim_engine *e;
    uint64_t got[64]; /* by B's connection id */
    uint64_t total, bad;
    unsigned established, cleaned;
    sim_time_t last_rx;
};
static struct multi mu;

static void m_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct client_host *h = ctx;
    (void)tag;
    cr_assert_eq(status, 0);
    if (!active) {
        cr_assert_eq(stk_tcp_accept(client_host_stack(h), id), 0);
        return;
    }
    mu.established++;
    struct stk_sendv v = {src, PER_CONN, 0};
    cr_assert_eq(stk_tcp_send(client_host_stack(h), id, &v, 1), 0);
}
static void m_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct client_host *h = ctx;
    cr_assert_lt(id, 64);
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        if (mu.got[id] + total + v[i].len > PER_CONN ||
            memcmp(src + mu.got[id] + total, v[i].base, v[i].len) != 0)
            mu.bad++;
        total += v[i].len;
    }
    mu.got[id] += total;
    mu.total += total;
    mu.last_rx = sim_engine_now(mu.e);
    stk_tcp_recv_done(client_host_stack(h), id, total);
}
static void m_acked(void *ctx, uint32_t id, uint64_t c) {
    struct client_host *h = ctx;
    (void)c;
    struct stk_tcp_info in;
    if (stk_tcp_info(client_host_stack(h), id, &in) == 0 && in.unacked_app_bytes == 0)
        stk_tcp_close(client_host_stack(h), id);
}
static void m_rclosed(void *ctx, uint32_t id) {
    stk_tcp_close(client_host_stack((struct client_host *)ctx), id);
}
static void m_cleanup(void *ctx, uint32_t id) {
    (void)ctx;
    (void)id;
    mu.cleaned++;
}
static void m_connect(void *ctx, struct client_host *h) {
    (void)ctx;
    for (unsigned i = 0; i < CONNS; i++) {
        uint32_t id;
        cr_assert_eq(stk_tcp_connect(client_host_stack(h), IP_B, 5000, i, &id), 0);
    }
}

/* A (fast, 1 core) sends PER_CONN on each of CONNS connections to B (slow,
 * `cores` cores). Returns the time to the last byte at B; *busy gets B's
 * cores' busy time. */
static sim_time_t multi(unsigned cores, sim_time_t *busy, unsigned *cores_used) {
    struct nic_config ncfg;
    nic_test_config(&ncfg);
    struct chip_host_config fast, slow;
    cpu_defaults(&fast);
    slow = fast;
    slow.handler_cycles = 15000;
    memset(&mu, 0, sizeof mu);
    struct sim_engine *e = sim_engine_create();
    mu.e = e;
    struct nic_switch *sw = switch_create(e, &ncfg, 2, "sw");
    src = malloc(PER_CONN);
    for (uint32_t i = 0; i < PER_CONN; i++) src[i] = (uint8_t)(i * 2654435761u >> 11);
    struct stk_config sa, sb;
    stk_config_default(&sa);
    stk_config_default(&sb);
    sa.ip = IP_A;
    sb.ip = IP_B;
    sa.mac[5] = 1;
    sb.mac[5] = 2;
    sa.time_wait = sb.time_wait = STK_MS;
    struct client_host_params pa = {.cores = 1, .rx_queue = 4096, .tx_backlog = 8192, .seed = 4};
    struct client_host_params pb = pa;
    pb.cores = cores;
    char err[256];
    mu.a = client_host_create(e, &ncfg.eth, &fast, &pa, &sa, NULL, "hostA", err, sizeof err);
    mu.b = client_host_create(e, &ncfg.eth, &slow, &pb, &sb, NULL, "hostB", err, sizeof err);
    cr_assert(mu.a && mu.b, "%s", err);
    struct stk_app app_a = {m_new_conn, m_new_data, m_acked, m_rclosed, m_cleanup, mu.a};
    struct stk_app app_b = {m_new_conn, m_new_data, m_acked, m_rclosed, m_cleanup, mu.b};
    stk_set_app(client_host_stack(mu.a), &app_a);
    stk_set_app(client_host_stack(mu.b), &app_b);
    eth_cable_connect(client_host_port(mu.a), switch_port(sw, 0));
    eth_cable_connect(client_host_port(mu.b), switch_port(sw, 1));
    cr_assert_eq(stk_tcp_listen(client_host_stack(mu.b), 5000, 16, 1), 0);
    client_host_at(mu.a, SIM_US(1), m_connect, NULL);
    sim_engine_run_until(e, SIM_TIME_MAX);
    cr_assert_eq(mu.established, CONNS);
    cr_assert_eq(mu.bad, 0, "bytes verified");
    cr_assert_eq(mu.total, (uint64_t)CONNS * PER_CONN);
    cr_assert_eq(mu.cleaned, 2 * CONNS, "every connection closed at both ends");
    *busy = mu.b->st.busy_ps;
    *cores_used = 0;
    for (unsigned k = 0; k < cores; k++) *cores_used += mu.b->core[k].items > 0;
    sim_time_t done = mu.last_rx;
    client_host_destroy(mu.a);
    client_host_destroy(mu.b);
    switch_destroy(sw);
    sim_engine_destroy(e);
    free(src);
    nic_test_config_fini(&ncfg);
    return done;
}

Test(nic_client_host, flows_spread_over_a_hosts_cores) {
    sim_time_t busy1, busy4;
    unsigned used1, used4;
    sim_time_t t1 = multi(1, &busy1, &used1);
    sim_time_t t4 = multi(4, &busy4, &used4);
    cr_log_info("8 x 128 KiB into a slow host: 1 core %.1f us, 4 cores %.1f us (%u used)",
                (double)t1 / 1e6, (double)t4 / 1e6, used4);
    cr_assert_eq(used1, 1);
    cr_assert_geq(used4, 2, "flows steered to several cores");
    cr_assert_lt(t4, t1 * 3 / 4, "more cores, more packets per second");
    /* the work is the same; only its spread differs (within a few items) */
    cr_assert_lt(busy4 > busy1 ? busy4 - busy1 : busy1 - busy4, busy1 / 10);
}

Test(nic_client_host, bad_parameters_are_refused) {
    struct nic_config ncfg;
    nic_test_config(&ncfg);
    struct chip_host_config cpu;
    cpu_defaults(&cpu);
    struct sim_engine *e = sim_engine_create();
    struct stk_config sc;
    stk_config_default(&sc);
    char err[256] = "";
    struct client_host_params p = {.cores = 0, .rx_queue = 1, .tx_backlog = 1};
    cr_assert_null(client_host_create(e, &ncfg.eth, &cpu, &p, &sc, NULL, "h", err, sizeof err));
    cr_assert(strstr(err, "cores"), "%s", err);
    p.cores = 1;
    sc.mtu = 100;
    cr_assert_null(client_host_create(e, &ncfg.eth, &cpu, &p, &sc, NULL, "h", err, sizeof err));
    cr_assert(strstr(err, "mtu"), "%s", err);
    sim_engine_destroy(e);
    nic_test_config_fini(&ncfg);
}
