/* noc/udn.c: UDN endpoints over the mesh. See udn.h. */
#include "noc/udn.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct demux {
    uint64_t *w;
    uint32_t head, count;
};

struct endpoint {
    struct demux q[NOC_UDN_QUEUES];
    bool stalled;
    uint32_t pkt;       /* the stalled message */
    uint32_t remaining; /* its words not yet written */
    struct udn_tile_hooks hooks;
};

struct udn {
    struct noc_mesh *mesh;
    uint32_t n;
    uint32_t inj_depth, demux_depth;
    struct endpoint *ep;
    uint64_t *qstore;
    char err[256];
};

static void set_error(struct udn *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct udn *u, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->err, sizeof u->err, fmt, ap);
    va_end(ap);
}

uint64_t udn_header(uint32_t dst, unsigned queue, size_t n) {
    return (uint64_t)dst | ((uint64_t)queue << 32) | ((uint64_t)n << 40);
}

/* Mesh sink: strip the header, put data words into their demux queue. */
static bool on_eject(void *ctx, uint32_t tile, const struct noc_packet *p, uint32_t flit,
                     uint64_t cycle) {
    struct udn *u = ctx;
    if (flit == 0) return true; /* the header word */
    assert(p->words && p->tag < NOC_UDN_QUEUES && "a non-UDN packet reached a UDN endpoint");
    struct endpoint *e = &u->ep[tile];
    struct demux *q = &e->q[p->tag];
    if (q->count == u->demux_depth) return false;
    q->w[(q->head + q->count) % u->demux_depth] = p->words[flit];
    q->count++;
    if (e->hooks.recv) e->hooks.recv(e->hooks.ctx, tile, p->tag, q->count, cycle);
    return true;
}

/* Mesh space hook: a word left tile's injection buffer. */
static void on_space(void *ctx, uint32_t tile, uint64_t cycle) {
    struct udn *u = ctx;
    struct endpoint *e = &u->ep[tile];
    if (e->stalled) {
        noc_mesh_packet_write(u->mesh, e->pkt, 1, cycle);
        if (--e->remaining == 0) {
            e->stalled = false;
            if (e->hooks.sent) e->hooks.sent(e->hooks.ctx, tile, cycle);
        }
        return;
    }
    if (e->hooks.space) e->hooks.space(e->hooks.ctx, tile, cycle);
}

/* For the deadlock detector: why tile's ejection is refused. */
static int64_t on_blocker(void *ctx, uint32_t tile, const struct noc_packet *p, char *why,
                          size_t len) {
    struct udn *u = ctx;
    struct endpoint *e = &u->ep[tile];
    const struct demux *q = &e->q[p->tag];
    snprintf(why, len, "demux queue %u of tile %u full (%u/%u words)%s", p->tag, tile, q->count,
             u->demux_depth,
             e->stalled ? "; the tile is stalled in udn_send and cannot drain it" : "");
    return e->stalled ? (int64_t)tile : -1;
}

struct udn *udn_create(struct noc_mesh *m, const struct noc_udn_config *cfg) {
    assert(noc_mesh_load(m) == 0);
    struct udn *u = calloc(1, sizeof *u);
    if (!u) return NULL;
    u->mesh = m;
    u->n = noc_mesh_tiles(m);
    u->inj_depth = (uint32_t)cfg->injection_depth_words;
    u->demux_depth = (uint32_t)cfg->demux_depth_words;
    u->ep = calloc(u->n, sizeof *u->ep);
    u->qstore = calloc((size_t)u->n * NOC_UDN_QUEUES * u->demux_depth, sizeof *u->qstore);
    if (!u->ep || !u->qstore) {
        udn_destroy(u);
        return NULL;
    }
    for (uint32_t t = 0; t < u->n; t++)
        for (unsigned k = 0; k < NOC_UDN_QUEUES; k++)
            u->ep[t].q[k].w = u->qstore + ((size_t)t * NOC_UDN_QUEUES + k) * u->demux_depth;
    noc_mesh_set_eject_depth(m, (uint32_t)cfg->ejection_depth_flits);
    noc_mesh_set_sink(m, on_eject, u);
    noc_mesh_set_space_hook(m, on_space, u);
    noc_mesh_set_blocker_hook(m, on_blocker, u);
    return u;
}

void udn_destroy(struct udn *u) {
    if (!u) return;
    free(u->ep);
    free(u->qstore);
    free(u);
}

void udn_set_hooks(struct udn *u, uint32_t tile, const struct udn_tile_hooks *hooks) {
    assert(tile < u->n);
    u->ep[tile].hooks = *hooks;
}

struct noc_mesh *udn_mesh(struct udn *u) {
    return u->mesh;
}
const char *udn_error(const struct udn *u) { return u->err; }

static bool tile_ok(struct udn *u, const char *call, uint32_t tile) {
    if (tile < u->n) return true;
    set_error(u, "%s: tile %u outside the %ux%u mesh (0..%u)", call, tile, noc_mesh_width(u->mesh),
              noc_mesh_height(u->mesh), u->n - 1);
    return false;
}

int udn_send(struct udn *u, uint32_t tile, uint32_t dst, unsigned queue, const uint64_t *words,
             size_t n) {
    if (!tile_ok(u, "udn_send", tile)) return UDN_EINVAL;
    if (dst >= u->n) {
        set_error(u, "udn_send: destination tile %u outside the %ux%u mesh (0..%u)", dst,
                  noc_mesh_width(u->mesh), noc_mesh_height(u->mesh), u->n - 1);
        return UDN_EINVAL;
    }
    if (queue >= NOC_UDN_QUEUES) {
        set_error(u, "udn_send: demux queue %u out of range (0..%u)", queue, NOC_UDN_QUEUES - 1);
        return UDN_EINVAL;
    }
    if (n == 0 || n > NOC_UDN_MAX_WORDS) {
        set_error(u, "udn_send: message of %zu words; a message has 1..%u data words", n,
                  NOC_UDN_MAX_WORDS);
        return UDN_EINVAL;
    }
    if (!words) {
        set_error(u, "udn_send: words is NULL");
        return UDN_EINVAL;
    }
    struct endpoint *e = &u->ep[tile];
    if (e->stalled) {
        set_error(u, "udn_send: tile %u is stalled in a previous send", tile);
        return UDN_EBUSY;
    }
    uint64_t msg[NOC_UDN_MAX_WORDS + 1];
    msg[0] = udn_header(dst, queue, n);
    memcpy(msg + 1, words, n * sizeof *words);
    uint32_t total = (uint32_t)n + 1;
    uint64_t backlog = noc_mesh_inject_backlog(u->mesh, tile);
    uint32_t space = backlog >= u->inj_depth ? 0 : u->inj_depth - (uint32_t)backlog;
    uint32_t now = space < total ? space : total;
    uint64_t w = noc_mesh_cycle_now(u->mesh);
    uint32_t pkt = noc_mesh_inject(u->mesh, tile, dst, total, queue, msg, now, w + 1, 0);
    if (now == total) return UDN_SENT;
    e->stalled = true;
    e->pkt = pkt;
    e->remaining = total - now;
    return UDN_STALLED;
}

long udn_credits(struct udn *u, uint32_t tile) {
    if (!tile_ok(u, "udn_credits", tile)) return -1;
    if (u->ep[tile].stalled) return 0;
    uint64_t b = noc_mesh_inject_backlog(u->mesh, tile);
    return b >= u->inj_depth ? 0 : (long)(u->inj_depth - b);
}

bool udn_stalled(const struct udn *u, uint32_t tile) { return tile < u->n && u->ep[tile].stalled; }

static bool queue_ok(struct udn *u, const char *call, uint32_t tile, unsigned queue) {
    if (!tile_ok(u, call, tile)) return false;
    if (queue < NOC_UDN_QUEUES) return true;
    set_error(u, "%s: demux queue %u out of range (0..%u)", call, queue, NOC_UDN_QUEUES - 1);
    return false;
}

long udn_recv_count(struct udn *u, uint32_t tile, unsigned queue) {
    if (!queue_ok(u, "udn_recv_count", tile, queue)) return -1;
    return u->ep[tile].q[queue].count;
}

long udn_recv_pop(struct udn *u, uint32_t tile, unsigned queue, uint64_t *out, size_t max) {
    if (!queue_ok(u, "udn_recv_pop", tile, queue)) return -1;
    struct demux *q = &u->ep[tile].q[queue];
    size_t k = 0;
    while (k < max && q->count) {
        out[k++] = q->w[q->head];
        q->head = (q->head + 1) % u->demux_depth;
        q->count--;
    }
    if (k) noc_mesh_wake(u->mesh);
    return (long)k;
}
