/* nic/eth.c: Ethernet ports and cables. See eth.h. */
#include "nic/eth.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/pcap.h"
#include "sim/kernel/json.h"

struct eth_frame *eth_frame_alloc(size_t len) {
    size_t cap = len < 64 ? 64 : len;
    struct eth_frame *f = malloc(sizeof *f + cap);
    if (!f) return NULL;
    f->len = (uint32_t)len;
    f->cap = (uint32_t)cap;
    f->tag = 0;
    return f;
}

struct eth_frame *eth_frame_copy(const void *data, size_t len) {
    struct eth_frame *f = eth_frame_alloc(len);
    if (f && len) memcpy(f->data, data, len);
    return f;
}

void eth_frame_free(struct eth_frame *f) { free(f); }

static sim_time_t bytes_time(const struct nic_eth_config *cfg, uint64_t bytes) {
    unsigned __int128 ps = (unsigned __int128)bytes * 8u * 1000000000000ull;
    return (sim_time_t)(ps / cfg->rate_bps);
}

static uint64_t padded(const struct nic_eth_config *cfg, size_t len) {
    uint64_t onwire = len + cfg->fcs_bytes;
    return onwire < cfg->min_frame_bytes ? cfg->min_frame_bytes : onwire;
}

sim_time_t eth_frame_time(const struct nic_eth_config *cfg, size_t len) {
    return bytes_time(cfg, cfg->preamble_bytes + padded(cfg, len));
}

sim_time_t eth_wire_time(const struct nic_eth_config *cfg, size_t len) {
    return bytes_time(cfg, cfg->preamble_bytes + padded(cfg, len) + cfg->ifg_bytes);
}

static void port_deliver(void *ctx, void *arg);
static void frame_end(void *ctx, void *arg);
static void frame_release(void *ctx, void *arg);
static void frame_discard(void *arg) { eth_frame_free(arg); }

void eth_port_init(struct eth_port *p, struct sim_engine *e, const struct nic_eth_config *cfg,
                   const char *name) {
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name ? name : "port");
    p->engine = e;
    p->cfg = cfg;
    p->qcap = (uint32_t)cfg->tx_queue_frames;
    p->q = calloc(p->qcap, sizeof *p->q);
    assert(p->q);
    /* frames on the wire and on the cable are freed if the run stops first */
    sim_engine_on_discard(e, frame_end, frame_discard);
    sim_engine_on_discard(e, port_deliver, frame_discard);
    sim_engine_on_discard(e, frame_release, frame_discard);
}

void eth_port_fini(struct eth_port *p) {
    for (uint32_t i = 0; i < p->qlen; i++) eth_frame_free(p->q[(p->qhead + i) % p->qcap]);
    free(p->q);
    p->q = NULL;
    p->qlen = 0;
}

void eth_port_attach(struct eth_port *p, const struct eth_client_ops *ops, void *client) {
    p->ops = ops;
    p->client = client;
}

void eth_port_set_pcap(struct eth_port *p, struct pcap_writer *w) { p->pcap = w; }

void eth_cable_connect(struct eth_port *a, struct eth_port *b) {
    assert(!a->linked && !b->linked && a != b);
    sim_link_init(&a->out, a->engine, SIM_NS(a->cfg->propagation_ns), port_deliver, b);
    sim_link_init(&b->out, b->engine, SIM_NS(a->cfg->propagation_ns), port_deliver, a);
    a->linked = b->linked = true;
    a->peer = b;
    b->peer = a;
}

bool eth_impair_check(const struct nic_impair_config *cfg, char *err, size_t errlen) {
    if (cfg->reorder > 0 && cfg->reorder_delay_ns == 0) {
        snprintf(err, errlen,
                 "nic.impair.reorder_delay_ns: expected above 0 when nic.impair.reorder is above "
                 "0 (%g): a frame held back by 0 ns is overtaken by nothing",
                 cfg->reorder);
        return false;
    }
    return true;
}

bool eth_impair_applies(const struct nic_impair_config *cfg, bool client_cable) {
    return cfg->cables == NIC_IMPAIR_ALL || client_cable;
}

void eth_cable_impair(struct eth_port *from, const struct nic_impair_config *cfg, uint64_t seed) {
    char err[160], name[sizeof from->name + 16];
    bool ok = eth_impair_check(cfg, err, sizeof err);
    assert(ok && cfg->loss >= 0 && cfg->loss <= 1 && cfg->reorder >= 0 && cfg->reorder <= 1);
    (void)ok;
    struct eth_impair *im = &from->impair;
    im->loss = cfg->loss;
    im->reorder = cfg->reorder;
    im->delay = SIM_NS(cfg->reorder_delay_ns);
    snprintf(name, sizeof name, "wire-loss:%s", from->name);
    sim_rng_init_named(&im->loss_rng, seed, name);
    snprintf(name, sizeof name, "wire-reorder:%s", from->name);
    sim_rng_init_named(&im->reorder_rng, seed, name);
}

bool eth_port_can_send(const struct eth_port *p) { return p->qlen < p->qcap; }

void eth_port_want_space(struct eth_port *p) { p->tx_waiting = true; }

/* Put f on the wire starting at `start`: its last bit leaves at start + frame time. */
static void wire_start(struct eth_port *p, struct eth_frame *f, sim_time_t start) {
    p->tx_active = true;
    sim_engine_schedule_at(p->engine, start + eth_frame_time(p->cfg, f->len), frame_end, p, f);
}

/* A held-back frame goes on along the cable. */
static void frame_release(void *ctx, void *arg) {
    struct eth_port *p = ctx;
    sim_link_send(&p->out, arg);
}

/* The last bit of f has left p: it reaches the peer after the cable's delay,
 * unless the impairment loses it or holds it back first (nothing is drawn
 * from a stream whose probability is 0, so an unimpaired port is as before). */
static void wire_send(struct eth_port *p, struct eth_frame *f) {
    struct eth_impair *im = &p->impair;
    if (im->loss > 0 && sim_rng_bernoulli(&im->loss_rng, im->loss)) {
        p->st.wire_loss++;
        eth_frame_free(f);
        return;
    }
    if (im->reorder > 0 && sim_rng_bernoulli(&im->reorder_rng, im->reorder)) {
        p->st.wire_reordered++;
        sim_engine_schedule_in(p->engine, im->delay, frame_release, p, f);
        return;
    }
    sim_link_send(&p->out, f);
}

static struct eth_frame *dequeue(struct eth_port *p) {
    struct eth_frame *f = p->q[p->qhead];
    p->qhead = (p->qhead + 1) % p->qcap;
    p->qlen--;
    return f;
}

static void frame_end(void *ctx, void *arg) {
    struct eth_port *p = ctx;
    struct eth_frame *f = arg;
    sim_time_t now = sim_engine_now(p->engine);
    p->st.tx_frames++;
    p->st.tx_bytes += f->len;
    p->st.tx_busy_ps += eth_wire_time(p->cfg, f->len);
    if (p->pcap) pcap_writer_frame(p->pcap, now, f->data, f->len);
    wire_send(p, f);
    /* The next frame starts after the inter-frame gap; with nothing queued
     * the port is idle once the gap is over, and a send before then starts
     * at the gap's end. */
    p->idle_at = now + bytes_time(p->cfg, p->cfg->ifg_bytes);
    if (p->qlen > 0)
        wire_start(p, dequeue(p), p->idle_at);
    else
        p->tx_active = false;
    if (p->tx_waiting && p->qlen < p->qcap) {
        p->tx_waiting = false;
        if (p->ops && p->ops->tx_space) p->ops->tx_space(p->client, p);
    }
}

bool eth_port_send(struct eth_port *p, struct eth_frame *f) {
    if (f->len < ETH_MIN_HEADER) {
        p->st.tx_drop_runt++;
        eth_frame_free(f);
        return true;
    }
    if (f->len + p->cfg->fcs_bytes > p->cfg->max_frame_bytes) {
        p->st.tx_drop_oversize++;
        eth_frame_free(f);
        return true;
    }
    if (!p->linked) {
        p->st.tx_drop_no_link++;
        eth_frame_free(f);
        return true;
    }
    if (p->qlen >= p->qcap) {
        p->st.tx_refused_full++;
        p->tx_waiting = true;
        return false;
    }
    /* Pad to the minimum frame (FCS excluded) with zeros; frames are
     * allocated for the usual 64 B minimum, a larger configured minimum
     * (nic.eth.min_frame_bytes allows up to 1024) grows the frame. The
     * frame is the port's now, so it may move. */
    uint64_t min_len = p->cfg->min_frame_bytes - p->cfg->fcs_bytes;
    if (f->len < min_len) {
        if (f->cap < min_len) {
            struct eth_frame *g = realloc(f, sizeof *f + min_len);
            if (!g) {
                fprintf(stderr, "tessera: out of memory (eth frame)\n");
                abort();
            }
            f = g;
            f->cap = (uint32_t)min_len;
        }
        memset(f->data + f->len, 0, min_len - f->len);
        f->len = (uint32_t)min_len;
    }
    if (!p->tx_active && p->qlen == 0) {
        sim_time_t now = sim_engine_now(p->engine);
        wire_start(p, f, p->idle_at > now ? p->idle_at : now);
        return true;
    }
    p->q[(p->qhead + p->qlen) % p->qcap] = f;
    p->qlen++;
    return true;
}

static void port_deliver(void *ctx, void *arg) {
    struct eth_port *p = ctx;
    struct eth_frame *f = arg;
    if (f->len < ETH_MIN_HEADER) {
        p->st.rx_drop_runt++;
        eth_frame_free(f);
        return;
    }
    if (f->len + p->cfg->fcs_bytes > p->cfg->max_frame_bytes) {
        p->st.rx_drop_oversize++;
        eth_frame_free(f);
        return;
    }
    p->st.rx_frames++;
    p->st.rx_bytes += f->len;
    if (p->pcap) pcap_writer_frame(p->pcap, sim_engine_now(p->engine), f->data, f->len);
    if (!p->ops || !p->ops->receive) {
        p->st.rx_drop_no_client++;
        eth_frame_free(f);
        return;
    }
    if (!p->ops->receive(p->client, p, f)) {
        p->st.rx_drop_overrun++;
        eth_frame_free(f);
    }
}

void eth_port_write_stats(const struct eth_port *p, struct json_writer *w) {
    const struct eth_port_stats *s = &p->st;
    json_object_begin(w);
    json_kv_string(w, "name", p->name);
    json_kv_uint(w, "tx_frames", s->tx_frames);
    json_kv_uint(w, "tx_bytes", s->tx_bytes);
    json_kv_uint(w, "rx_frames", s->rx_frames);
    json_kv_uint(w, "rx_bytes", s->rx_bytes);
    json_kv_uint(w, "tx_refused_full", s->tx_refused_full);
    json_kv_double(w, "tx_busy_ns", (double)s->tx_busy_ps / 1000.0);
    json_kv_uint(w, "wire_reordered", s->wire_reordered);
    json_key(w, "drops");
    json_object_begin(w);
    json_kv_uint(w, "tx_oversize", s->tx_drop_oversize);
    json_kv_uint(w, "tx_runt", s->tx_drop_runt);
    json_kv_uint(w, "tx_no_link", s->tx_drop_no_link);
    json_kv_uint(w, "rx_oversize", s->rx_drop_oversize);
    json_kv_uint(w, "rx_runt", s->rx_drop_runt);
    json_kv_uint(w, "rx_overrun", s->rx_drop_overrun);
    json_kv_uint(w, "rx_no_client", s->rx_drop_no_client);
    json_kv_uint(w, "wire_loss", s->wire_loss);
    json_object_end(w);
    json_object_end(w);
}
