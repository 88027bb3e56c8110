/* sim/tile/tile_udn.c: the runtime's UDN over the plugged-in network. See
 * tile_udn.h. */
#include "sim/tile/tile_udn.h"

#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

static bool udn_args_ok(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    return t->chip->net && t->in_handler && dst < t->chip->ntiles && queue < TILE_UDN_QUEUES && w &&
           n >= 1 && n <= TILE_UDN_MAX_WORDS;
}

void chip_udn_sent(struct chip *c, unsigned src, sim_time_t now) {
    if (src >= c->ntiles) return;
    struct tile *t = &c->tiles[src];
    if (!t->net_stalled) return;
    t->net_stalled = false;
    tile_sync_resume_at(t, now);
}

/* Words arrived for tile d at time t: a handler blocked in
 * tile_udn_recv_wait goes on (it checks whether enough came), an idle tile
 * wakes. */
void chip_udn_arrived(struct chip *c, unsigned tile, sim_time_t t) {
    if (tile >= c->ntiles) return;
    struct tile *d = &c->tiles[tile];
    if (d->udn_waiting) {
        d->udn_waiting = false;
        tile_sync_resume_at(d, t);
    }
    tile_wake(d, t);
}

uint64_t tile_udn_credits(struct tile *t, unsigned dst, unsigned queue) {
    tile_sync(t); /* in global time order */
    struct chip *c = t->chip;
    if (!c->net || dst >= c->ntiles || queue >= TILE_UDN_QUEUES) return 0;
    return c->net->credits(c->net_ctx, t->id, dst, queue);
}

/* Hands the message to the network; blocks the handler (labelled stall)
 * until the network has taken all of it. */
static void send_blocking(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w,
                          size_t n) {
    struct chip *c = t->chip;
    for (;;) {
        int st = c->net->send(c->net_ctx, t->id, dst, queue, w, n);
        if (st == TILE_NET_SENT) return;
        t->net_stalled = true;
        tile_sync_wait(t, TILE_LABEL_STALL); /* until chip_udn_sent */
        if (st == TILE_NET_STALLED) return;  /* taken: the last word is in now */
        /* TILE_NET_FULL: nothing was taken; try again */
    }
}

int tile_udn_try_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    tile_sync(t); /* in global time order */
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    if (tile_udn_credits(t, dst, queue) < n) return 0;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    send_blocking(t, dst, queue, w, n); /* (fits: it does not block) */
    return 1;
}

int tile_udn_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    tile_sync(t); /* in global time order */
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    send_blocking(t, dst, queue, w, n);
    return 0;
}

size_t tile_udn_avail(struct tile *t, unsigned queue) {
    tile_sync(t); /* in global time order */
    if (!t->chip->net || queue >= TILE_UDN_QUEUES) return 0;
    return t->chip->net->avail(t->chip->net_ctx, t->id, queue);
}

size_t tile_udn_recv(struct tile *t, unsigned queue, uint64_t *w, size_t max) {
    tile_sync(t); /* in global time order */
    if (!t->chip->net || queue >= TILE_UDN_QUEUES || !w) return 0;
    size_t got = t->chip->net->recv(t->chip->net_ctx, t->id, queue, w, max);
    t->extra += got * t->chip->cfg.tile.udn_word_cycles;
    return got;
}

size_t tile_udn_recv_wait(struct tile *t, unsigned queue, uint64_t *w, size_t n) {
    if (!t->chip->net || !t->in_handler || queue >= TILE_UDN_QUEUES || !w || n == 0) return 0;
    tile_sync(t); /* in global time order */
    while (tile_udn_avail(t, queue) < n) {
        t->udn_waiting = true;
        tile_sync_wait(t, TILE_LABEL_IDLE);
    }
    return tile_udn_recv(t, queue, w, n);
}

int tile_on_udn(struct tile *t, unsigned queue, tile_handler_fn fn, void *ctx) {
    if (queue >= TILE_UDN_QUEUES) return -1;
    t->udn_h[queue] = (struct handler){fn, ctx};
    if (fn && tile_udn_avail(t, queue)) tile_wake(t, tile_now(t));
    return 0;
}

bool tile_udn_has_input(struct tile *t) {
    if (t->main_pending) return true;
    for (struct timer *x = t->fired_head; x; x = x->next)
        if (!x->cancelled) return true;
    for (unsigned r = 0; r < TILE_RINGS; r++)
        if (t->ring_pending[r] && t->ring_h[r].fn) return true;
    for (unsigned q = 0; q < TILE_UDN_QUEUES; q++)
        if (t->udn_h[q].fn && tile_udn_avail(t, q)) return true;
    return false;
}
