/* sim/tile/tile_nic.c: the NIC's driver calls and ring notifications. See
 * tile_nic.h. */
#include "sim/tile/tile_nic.h"

#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

/* Charge a driver call's hardware cost at the current point, labelled driver. */
static void drv_charge(struct tile *t, uint64_t cycles) {
    if (t->in_handler && cycles) tile_time_charge_label(t, TILE_LABEL_DRIVER, cycles);
}

uint64_t tile_nic_poll(struct tile *t, unsigned ring, struct tile_pkt *out, uint64_t max) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic || ring >= TILE_RINGS) return 0;
    uint64_t cycles = 0;
    bool more = false;
    uint64_t n = c->nic->poll(c->nic_ctx, t->id, ring, tile_now(t), out, max, &more, &cycles);
    drv_charge(t, cycles);
    /* Notifications say "look at the ring": once nothing visible is left they
     * are all consumed; while descriptors remain, keep one so the handler runs
     * again. */
    if (!more)
        t->ring_pending[ring] = 0;
    else if (t->ring_pending[ring] == 0)
        t->ring_pending[ring] = 1;
    return n;
}

int tile_nic_credit(struct tile *t, unsigned ring, uint64_t n) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic || ring >= TILE_RINGS) return -1;
    uint64_t cycles = 0;
    int r = c->nic->credit(c->nic_ctx, t->id, ring, n, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

int tile_nic_buffer_return(struct tile *t, unsigned stack, void *buf) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    uint64_t cycles = 0;
    int r = c->nic->buffer_return(c->nic_ctx, stack, buf, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

void *tile_nic_buffer_alloc(struct tile *t, unsigned stack) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return NULL;
    uint64_t cycles = 0;
    void *p = c->nic->buffer_alloc(c->nic_ctx, stack, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return p;
}

uint64_t tile_nic_post(struct tile *t, unsigned ering, const struct tile_txd *d, uint64_t n) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return 0;
    uint64_t cycles = 0;
    uint64_t r = c->nic->post(c->nic_ctx, ering, d, n, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

int tile_nic_doorbell(struct tile *t, unsigned ering) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    uint64_t cycles = 0;
    int r = c->nic->doorbell(c->nic_ctx, ering, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

uint64_t tile_nic_completed(struct tile *t, unsigned ering) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return 0;
    uint64_t cycles = 0;
    uint64_t r = c->nic->completed(c->nic_ctx, ering, tile_now(t), &cycles);
    drv_charge(t, cycles);
    return r;
}

uint64_t tile_nic_space(struct tile *t, unsigned ering) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    return c->nic ? c->nic->space(c->nic_ctx, ering) : 0;
}

int tile_nic_register(struct tile *t, const void *p, size_t len) {
    tile_sync(t); /* device state as of this tile's own time */
    struct chip *c = t->chip;
    if (!c->nic) return -1;
    return c->nic->reg(c->nic_ctx, t->id, t->process, p, len);
}

void chip_set_nic(struct chip *c, const struct tile_nic_ops *ops, void *nic) {
    c->nic = ops;
    c->nic_ctx = ops ? nic : NULL;
}

/* ---- ring notifications ---- */

int tile_on_ring(struct tile *t, unsigned ring, tile_handler_fn fn, void *ctx) {
    if (ring >= TILE_RINGS) return -1;
    t->ring_h[ring] = (struct handler){fn, ctx};
    if (fn && t->ring_pending[ring]) tile_wake(t, tile_now(t));
    return 0;
}

uint64_t tile_ring_take(struct tile *t, unsigned ring, uint64_t max) {
    tile_sync(t); /* device state as of this tile's own time */
    if (ring >= TILE_RINGS) return 0;
    uint64_t n = max < t->ring_pending[ring] ? max : t->ring_pending[ring];
    t->ring_pending[ring] -= n;
    return n;
}

void chip_ring_post(struct chip *c, unsigned tile, unsigned ring, uint64_t n, sim_time_t t) {
    if (tile >= c->ntiles || ring >= TILE_RINGS) return;
    c->tiles[tile].ring_pending[ring] += n;
    tile_wake(&c->tiles[tile], t);
}
