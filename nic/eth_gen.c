/* nic/eth_gen.c: frame generator and sink. See eth_gen.h. */
#include "nic/eth_gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/rng.h"

static void gen_step(void *ctx, void *arg);

static bool gen_receive(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)p;
    struct eth_gen *g = ctx;
    sim_time_t now = sim_engine_now(g->engine);
    if (g->rx_frames == 0) g->rx_first = now;
    g->rx_last = now;
    g->rx_frames++;
    g->rx_bytes += f->len;
    if (g->on_rx) g->on_rx(g->on_rx_ctx, f, now);
    eth_frame_free(f);
    return true;
}

static void gen_tx_space(void *ctx, struct eth_port *p) {
    (void)p;
    struct eth_gen *g = ctx;
    if (g->waiting) {
        g->waiting = false;
        gen_step(g, NULL);
    }
}

static const struct eth_client_ops gen_ops = {gen_receive, gen_tx_space};

struct eth_gen *eth_gen_create(struct sim_engine *e, const struct nic_eth_config *cfg,
                               const struct eth_gen_params *prm, const char *name, char *err,
                               size_t errlen) {
    size_t hdr = eth_build_header_bytes(prm->proto);
    if (prm->proto != IP_PROTO_UDP && prm->proto != IP_PROTO_TCP) {
        snprintf(err, errlen, "eth_gen %s: proto must be TCP (6) or UDP (17), given %u", name,
                 prm->proto);
        return NULL;
    }
    if (prm->flows == 0 || prm->frame_bytes < hdr ||
        prm->frame_bytes + cfg->fcs_bytes > cfg->max_frame_bytes) {
        snprintf(err, errlen,
                 "eth_gen %s: need flows >= 1 and %zu <= frame_bytes <= %llu, given flows %llu "
                 "frame_bytes %llu",
                 name, hdr, (unsigned long long)(cfg->max_frame_bytes - cfg->fcs_bytes),
                 (unsigned long long)prm->flows, (unsigned long long)prm->frame_bytes);
        return NULL;
    }
    struct eth_gen *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->flow = calloc(prm->flows, sizeof *g->flow);
    if (!g->flow) {
        free(g);
        return NULL;
    }
    eth_port_init(&g->port, e, cfg, name);
    eth_port_attach(&g->port, &gen_ops, g);
    g->engine = e;
    g->prm = *prm;
    struct sim_rng rng;
    sim_rng_init_named(&rng, prm->seed, name);
    for (uint64_t i = 0; i < prm->flows; i++) {
        struct eth_flow *f = &g->flow[i];
        static const uint8_t src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
        static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
        memcpy(f->src_mac, src, 6);
        memcpy(f->dst_mac, dst, 6);
        f->src_ip = 0x0a000000u | (uint32_t)sim_rng_below(&rng, 1u << 24);
        f->dst_ip = 0x0a800001u;
        f->src_port = (uint16_t)(1024 + sim_rng_below(&rng, 64512));
        f->dst_port = 80;
        f->proto = prm->proto;
    }
    return g;
}

void eth_gen_destroy(struct eth_gen *g) {
    if (!g) return;
    eth_port_fini(&g->port);
    free(g->flow);
    free(g);
}

const struct eth_flow *eth_gen_flow(const struct eth_gen *g, uint64_t i) {
    return &g->flow[i % g->prm.flows];
}

size_t eth_gen_build(const struct eth_gen *g, uint64_t i, uint8_t *buf, size_t cap) {
    const struct eth_flow *fl = eth_gen_flow(g, i);
    size_t plen = g->prm.frame_bytes - eth_build_header_bytes(fl->proto);
    uint8_t payload[16384];
    if (plen > sizeof payload) return 0;
    memset(payload, 0, plen);
    for (size_t b = 0; b < 8 && b < plen; b++) payload[b] = (uint8_t)(i >> (56 - 8 * b));
    struct eth_tcp_fields tcp = {
        .seq = (uint32_t)(i * 1000u), .ack = 1, .flags = 0x18, .window = 65535};
    return eth_build(buf, cap, fl, &tcp, payload, plen, (uint16_t)i);
}

void eth_gen_set_macs(struct eth_gen *g, const uint8_t src[6], const uint8_t dst[6]) {
    for (uint64_t i = 0; i < g->prm.flows; i++) {
        memcpy(g->flow[i].src_mac, src, 6);
        memcpy(g->flow[i].dst_mac, dst, 6);
    }
}

void eth_gen_on_rx(struct eth_gen *g, eth_gen_rx_fn fn, void *ctx) {
    g->on_rx = fn;
    g->on_rx_ctx = ctx;
}

void eth_gen_on_tx(struct eth_gen *g, eth_gen_tx_fn fn, void *ctx) {
    g->on_tx = fn;
    g->on_tx_ctx = ctx;
}

static void gen_step(void *ctx, void *arg) {
    (void)arg;
    struct eth_gen *g = ctx;
    g->paced_pending = false;
    while (g->sent < g->prm.count) {
        if (!eth_port_can_send(&g->port)) {
            g->waiting = true;
            eth_port_want_space(&g->port);
            return;
        }
        struct eth_frame *f = eth_frame_alloc(g->prm.frame_bytes);
        if (!f) return;
        f->len = (uint32_t)eth_gen_build(g, g->sent, f->data, f->cap);
        f->tag = g->sent;
        sim_time_t now = sim_engine_now(g->engine);
        if (g->sent == 0) g->tx_first = now;
        g->tx_last = now;
        eth_port_send(&g->port, f);
        if (g->on_tx) g->on_tx(g->on_tx_ctx, g->sent, now);
        g->sent++;
        if (g->prm.rate_pps) {
            sim_time_t gap = (sim_time_t)(1000000000000ull / g->prm.rate_pps);
            g->paced_pending = true;
            sim_engine_schedule_in(g->engine, gap ? gap : 1, gen_step, g, NULL);
            return;
        }
    }
}

void eth_gen_start(struct eth_gen *g, sim_time_t at) {
    sim_engine_schedule_at(g->engine, at, gen_step, g, NULL);
}
