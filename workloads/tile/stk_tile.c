/* workloads/tile/stk_tile.c: a stack instance on a tile. See stk_tile.h. */
#include "workloads/tile/stk_tile.h"

#include <stdio.h>

#include "stack/stk.h"
#include "workloads/tile/stk_arena.h"

static void on_timer(struct tile *t, void *ctx);

void stk_tile_end(struct stk_tile *st) {
    struct tile *t = st->t;
    nic_drv_flush(st->d);
    uint64_t now = tile_now(t);
    uint64_t at = st->hook ? st->hook(st, st->owner, now) : UINT64_MAX;
    stk_time_t s_at = stk_poll_at(st->s);
    if (s_at < at) at = s_at;
    if (st->armed && st->timer_at == at) return;
    if (st->armed) tile_timer_cancel(t, st->timer);
    st->armed = false;
    if (at == UINT64_MAX) return;
    st->timer = tile_timer_arm(t, at > now ? at - now : 0, on_timer, st);
    st->armed = st->timer != 0;
    st->timer_at = at;
}

static void on_timer(struct tile *t, void *ctx) {
    struct stk_tile *st = ctx;
    tile_label_set(t, TILE_LABEL_STACK);
    st->armed = false;
    stk_poll(st->s, tile_now(st->t));
    stk_tile_end(st);
}

static void on_ring(struct tile *t, void *ctx) {
    struct stk_tile *st = ctx;
    tile_label_set(t, TILE_LABEL_STACK);
    nic_drv_poll(st->d);
    stk_tile_end(st);
}

bool stk_tile_start(struct stk_tile *st, struct tile *t, const struct stk_app *app,
                    stk_tile_hook hook, void *owner) {
    st->t = t;
    st->hook = hook;
    st->owner = owner;
    st->d = nic_drv_create(t, &st->drv);
    if (!st->d) {
        snprintf(st->err, sizeof st->err, "driver: private memory exhausted or bad parameters");
        return false;
    }
    struct stk_config c = st->cfg;
    c.alloc = stk_arena_private(t);
    struct stk_driver drv = nic_drv_stk_driver(st->d);
    st->s = stk_create(&c, &drv, app, tile_now(t), st->err, sizeof st->err);
    if (!st->s) return false;
    st->d->s = st->s;
    for (unsigned i = 0; i < st->nneigh; i++)
        stk_arp_add_static(st->s, st->neigh[i].ip, st->neigh[i].mac);
    tile_on_ring(t, st->drv.ring, on_ring, st);
    return true;
}
