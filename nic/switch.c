/* nic/switch.c: learning switch with L3+L4 bonding. See switch.h. */
#include "nic/switch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/json.h"

static bool sw_receive(void *ctx, struct eth_port *p, struct eth_frame *f);
static void sw_tx_space(void *ctx, struct eth_port *p);
static const struct eth_client_ops sw_ops = {sw_receive, sw_tx_space};

static void sw_forward(void *ctx, void *arg);
static void frame_discard(void *arg) { eth_frame_free(arg); }

struct nic_switch *switch_create(struct sim_engine *e, const struct nic_config *cfg,
                                 unsigned nports, const char *name) {
    if (nports == 0) return NULL;
    /* frames waiting for their forwarding latency are freed if the run stops first */
    sim_engine_on_discard(e, sw_forward, frame_discard);
    struct nic_switch *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->engine = e;
    s->cfg = cfg;
    snprintf(s->name, sizeof s->name, "%s", name ? name : "switch");
    s->nports = nports;
    s->port = calloc(nports, sizeof *s->port);
    s->bond_of = calloc(nports, sizeof *s->bond_of);
    s->q = calloc(nports, sizeof *s->q);
    s->qhead = calloc(nports, sizeof *s->qhead);
    s->qlen = calloc(nports, sizeof *s->qlen);
    s->pst = calloc(nports, sizeof *s->pst);
    s->mac_cap = 1;
    while (s->mac_cap < cfg->sw.mac_table_entries * 2) s->mac_cap <<= 1;
    s->mac = calloc(s->mac_cap, sizeof *s->mac);
    if (!s->port || !s->bond_of || !s->q || !s->qhead || !s->qlen || !s->pst || !s->mac) {
        switch_destroy(s);
        return NULL;
    }
    for (unsigned i = 0; i < nports; i++) {
        char pn[64];
        snprintf(pn, sizeof pn, "%s.p%u", s->name, i);
        eth_port_init(&s->port[i], e, &cfg->eth, pn);
        eth_port_attach(&s->port[i], &sw_ops, s);
        s->bond_of[i] = -1;
        s->q[i] = calloc(cfg->sw.port_queue_frames, sizeof *s->q[i]);
        if (!s->q[i]) {
            s->nports = i + 1;
            switch_destroy(s);
            return NULL;
        }
    }
    return s;
}

void switch_destroy(struct nic_switch *s) {
    if (!s) return;
    uint64_t cap = s->cfg->sw.port_queue_frames;
    for (unsigned i = 0; i < s->nports; i++) {
        if (s->q && s->q[i]) {
            for (uint64_t k = 0; k < s->qlen[i]; k++)
                eth_frame_free(s->q[i][(s->qhead[i] + k) % cap]);
            free(s->q[i]);
        }
        if (s->port && s->port[i].q) eth_port_fini(&s->port[i]);
    }
    free(s->port);
    free(s->bond_of);
    free(s->q);
    free(s->qhead);
    free(s->qlen);
    free(s->pst);
    free(s->mac);
    free(s);
}

struct eth_port *switch_port(struct nic_switch *s, unsigned i) {
    return i < s->nports ? &s->port[i] : NULL;
}

int switch_bond(struct nic_switch *s, const unsigned *ports, unsigned n, char *err, size_t errlen) {
    if (n < 2 || n > 16) {
        snprintf(err, errlen, "switch_bond: a bond has 2..16 ports, given %u", n);
        return -1;
    }
    if (s->nbonds >= SWITCH_MAX_BONDS) {
        snprintf(err, errlen, "switch_bond: at most %u bonds", SWITCH_MAX_BONDS);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        if (ports[i] >= s->nports || s->bond_of[ports[i]] >= 0) {
            snprintf(err, errlen, "switch_bond: port %u %s", ports[i],
                     ports[i] >= s->nports ? "does not exist" : "is already bonded");
            return -1;
        }
        for (unsigned j = 0; j < i; j++)
            if (ports[j] == ports[i]) {
                snprintf(err, errlen, "switch_bond: port %u given twice", ports[i]);
                return -1;
            }
    }
    unsigned b = s->nbonds++;
    for (unsigned i = 0; i < n; i++) {
        s->bond_members[b][i] = ports[i];
        s->bond_of[ports[i]] = (int)b;
    }
    s->bond_n[b] = n;
    return (int)b;
}

unsigned switch_bond_hash(const uint8_t *frame, size_t len, unsigned n) {
    struct eth_parsed p;
    uint32_t h;
    if (eth_parse(frame, len, &p) != ETH_PARSE_RUNT && p.is_ipv4) {
        h = ((uint32_t)p.src_port << 16 | p.dst_port) ^ p.src_ip ^ p.dst_ip;
    } else if (len >= 12) {
        h = eth_get32(frame + 2) ^ eth_get32(frame + 8) ^ eth_get16(frame);
    } else {
        h = 0;
    }
    h ^= h >> 16;
    h ^= h >> 8;
    return h % n;
}

static uint64_t mac_at(const uint8_t *p) {
    return (uint64_t)p[0] << 40 | (uint64_t)p[1] << 32 | (uint64_t)p[2] << 24 |
           (uint64_t)p[3] << 16 | (uint64_t)p[4] << 8 | p[5];
}

static uint64_t mac_slot(const struct nic_switch *s, uint64_t mac) {
    uint64_t h = mac * 0x9e3779b97f4a7c15ull;
    return (h >> 20) & (s->mac_cap - 1);
}

static struct switch_mac_entry *mac_find(struct nic_switch *s, uint64_t mac) {
    for (uint64_t i = mac_slot(s, mac);; i = (i + 1) & (s->mac_cap - 1)) {
        if (s->mac[i].mac == mac) return &s->mac[i];
        if (s->mac[i].mac == 0) return NULL;
    }
}

static void mac_learn(struct nic_switch *s, uint64_t mac, int32_t target) {
    if (mac == 0 || (mac >> 40) & 1u) return; /* multicast sources are not learned */
    struct switch_mac_entry *e = mac_find(s, mac);
    if (e) {
        e->target = target;
        return;
    }
    if (s->mac_used >= s->cfg->sw.mac_table_entries) {
        s->mac_table_full++;
        return;
    }
    uint64_t i = mac_slot(s, mac);
    while (s->mac[i].mac != 0) i = (i + 1) & (s->mac_cap - 1);
    s->mac[i] = (struct switch_mac_entry){mac, target};
    s->mac_used++;
}

static void out_enqueue(struct nic_switch *s, unsigned o, struct eth_frame *f) {
    uint64_t cap = s->cfg->sw.port_queue_frames;
    struct eth_port *p = &s->port[o];
    if (s->qlen[o] == 0 && eth_port_can_send(p)) {
        eth_port_send(p, f);
        return;
    }
    if (s->qlen[o] >= cap) {
        s->pst[o].drop_queue_full++;
        eth_frame_free(f);
        return;
    }
    s->q[o][(s->qhead[o] + s->qlen[o]) % cap] = f;
    s->qlen[o]++;
    eth_port_want_space(p);
}

static void sw_tx_space(void *ctx, struct eth_port *p) {
    struct nic_switch *s = ctx;
    unsigned o = (unsigned)(p - s->port);
    uint64_t cap = s->cfg->sw.port_queue_frames;
    while (s->qlen[o] > 0 && eth_port_can_send(p)) {
        struct eth_frame *f = s->q[o][s->qhead[o]];
        s->qhead[o] = (s->qhead[o] + 1) % cap;
        s->qlen[o]--;
        eth_port_send(p, f);
    }
    if (s->qlen[o] > 0) eth_port_want_space(p);
}

static unsigned target_port(const struct nic_switch *s, int32_t target, const struct eth_frame *f) {
    if (target >= 0) return (unsigned)target;
    unsigned b = (unsigned)(-target - 1);
    return s->bond_members[b][switch_bond_hash(f->data, f->len, s->bond_n[b])];
}

static void sw_forward(void *ctx, void *arg) {
    struct nic_switch *s = ctx;
    struct eth_frame *f = arg;
    unsigned in = (unsigned)f->tag;
    int32_t in_target = s->bond_of[in] >= 0 ? -(s->bond_of[in] + 1) : (int32_t)in;
    mac_learn(s, mac_at(f->data + 6), in_target);
    uint64_t dst = mac_at(f->data);
    struct switch_mac_entry *e = (dst >> 40) & 1u ? NULL : mac_find(s, dst);
    if (e) {
        if (e->target == in_target) {
            s->pst[in].filtered++;
            eth_frame_free(f);
            return;
        }
        unsigned o = target_port(s, e->target, f);
        s->pst[o].forwarded++;
        out_enqueue(s, o, f);
        return;
    }
    /* Flood: every port but the input's, one member per bond. */
    bool bond_done[SWITCH_MAX_BONDS] = {false};
    if (s->bond_of[in] >= 0) bond_done[s->bond_of[in]] = true;
    for (unsigned o = 0; o < s->nports; o++) {
        if (o == in) continue;
        unsigned po = o;
        if (s->bond_of[o] >= 0) {
            unsigned b = (unsigned)s->bond_of[o];
            if (bond_done[b]) continue;
            bond_done[b] = true;
            po = target_port(s, -(int32_t)b - 1, f);
        }
        struct eth_frame *c = eth_frame_copy(f->data, f->len);
        if (!c) continue;
        s->pst[po].flooded++;
        out_enqueue(s, po, c);
    }
    eth_frame_free(f);
}

static bool sw_receive(void *ctx, struct eth_port *p, struct eth_frame *f) {
    struct nic_switch *s = ctx;
    f->tag = (uint64_t)(p - s->port);
    sim_engine_schedule_in(s->engine, SIM_NS(s->cfg->sw.latency_ns), sw_forward, s, f);
    return true;
}

void switch_write_stats(const struct nic_switch *s, struct json_writer *w) {
    json_object_begin(w);
    json_kv_string(w, "name", s->name);
    json_kv_uint(w, "mac_entries", s->mac_used);
    json_kv_uint(w, "mac_table_full", s->mac_table_full);
    json_key(w, "ports");
    json_array_begin(w);
    for (unsigned i = 0; i < s->nports; i++) {
        json_object_begin(w);
        json_kv_string(w, "name", s->port[i].name);
        json_kv_int(w, "bond", s->bond_of[i]);
        json_kv_uint(w, "forwarded", s->pst[i].forwarded);
        json_kv_uint(w, "flooded", s->pst[i].flooded);
        json_kv_uint(w, "filtered", s->pst[i].filtered);
        json_kv_uint(w, "drop_queue_full", s->pst[i].drop_queue_full);
        json_key(w, "port");
        eth_port_write_stats(&s->port[i], w);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}
