/* sim/chip/chip_udn.c: the tile runtime over noc/udn.h. See chip_udn.h. */
#include "sim/chip/chip_udn.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

struct chip_udn {
    struct chip *chip;
    struct udn *udn;
    struct sim_engine *engine;
};

static int a_send(void *net, unsigned src, unsigned dst, unsigned queue, const uint64_t *w,
                  size_t n) {
    struct chip_udn *a = net;
    int st = udn_send(a->udn, src, dst, queue, w, n);
    /* the runtime checked tile, queue and length before: a bad call here is a bug */
    assert(st != UDN_EINVAL && "tile runtime passed a bad UDN send");
    if (st == UDN_SENT) return TILE_NET_SENT;
    if (st == UDN_STALLED) return TILE_NET_STALLED;
    return TILE_NET_FULL;
}

static uint64_t a_credits(void *net, unsigned src, unsigned dst, unsigned queue) {
    struct chip_udn *a = net;
    (void)dst, (void)queue;
    long c = udn_credits(a->udn, src);
    return c > 1 ? (uint64_t)(c - 1) : 0; /* one word of the message is its header */
}

static size_t a_avail(void *net, unsigned tile, unsigned queue) {
    struct chip_udn *a = net;
    long n = udn_recv_count(a->udn, tile, queue);
    return n > 0 ? (size_t)n : 0;
}

static size_t a_recv(void *net, unsigned tile, unsigned queue, uint64_t *out, size_t max) {
    struct chip_udn *a = net;
    long n = udn_recv_pop(a->udn, tile, queue, out, max);
    return n > 0 ? (size_t)n : 0;
}

static const struct tile_net_ops ops = {a_send, a_credits, a_avail, a_recv};

static void on_sent(void *ctx, uint32_t tile, uint64_t cycle) {
    struct chip_udn *a = ctx;
    (void)cycle;
    chip_udn_sent(a->chip, tile, sim_engine_now(a->engine));
}

static void on_recv(void *ctx, uint32_t tile, unsigned queue, size_t count, uint64_t cycle) {
    struct chip_udn *a = ctx;
    (void)queue, (void)count, (void)cycle;
    chip_udn_arrived(a->chip, tile, sim_engine_now(a->engine));
}

struct chip_udn *chip_udn_create(struct chip *c, struct udn *u, char *err, size_t errlen) {
    struct noc_mesh *m = udn_mesh(u);
    if (noc_mesh_tiles(m) != chip_tile_count(c)) {
        snprintf(err, errlen, "noc: the mesh has %u tiles, the chip %u", noc_mesh_tiles(m),
                 chip_tile_count(c));
        return NULL;
    }
    struct chip_udn *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "chip_udn_create: out of memory");
        return NULL;
    }
    a->chip = c;
    a->udn = u;
    a->engine = noc_mesh_engine(m);
    struct udn_tile_hooks h = {.sent = on_sent, .recv = on_recv, .space = NULL, .ctx = a};
    for (uint32_t t = 0; t < chip_tile_count(c); t++) udn_set_hooks(u, t, &h);
    chip_set_net(c, &ops, a);
    return a;
}

void chip_udn_destroy(struct chip_udn *a) { free(a); }

struct chip_mesh {
    struct noc_mesh *mesh;
    struct udn *udn;
    struct chip *chip;
    struct chip_udn *plug;
};

struct chip_mesh *chip_mesh_create(struct sim_engine *e, const struct chip_config *cfg,
                                   const struct noc_config *noc, char *err, size_t errlen) {
    struct chip_mesh *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "chip_mesh_create: out of memory");
        return NULL;
    }
    m->mesh = noc_mesh_create(e, noc, err, errlen);
    m->udn = m->mesh ? udn_create(m->mesh, &noc->udn) : NULL;
    if (m->mesh && !m->udn) snprintf(err, errlen, "noc.udn: cannot create the UDN endpoints");
    struct chip_geom g = {(unsigned)noc->width, (unsigned)noc->height};
    m->chip = m->udn ? chip_create(cfg, &g, e, err, errlen) : NULL;
    m->plug = m->chip ? chip_udn_create(m->chip, m->udn, err, errlen) : NULL;
    if (!m->plug) {
        chip_mesh_destroy(m);
        return NULL;
    }
    return m;
}

struct chip *chip_mesh_chip(struct chip_mesh *m) {
    return m->chip;
}
struct udn *chip_mesh_udn(struct chip_mesh *m) {
    return m->udn;
}

void chip_mesh_destroy(struct chip_mesh *m) {
    if (!m) return;
    chip_destroy(m->chip);
    chip_udn_destroy(m->plug);
    if (m->udn) udn_destroy(m->udn);
    if (m->mesh) noc_mesh_destroy(m->mesh);
    free(m);
}
