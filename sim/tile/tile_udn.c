/* sim/tile/tile_udn.c: the runtime's UDN. See tile_udn.h. */
#include "sim/tile/tile_udn.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tile/tile_sync.h"
#include "sim/tile/tile_time.h"

static uint64_t direct_credits(struct chip *c, unsigned dst, unsigned queue) {
    struct wordq *q = &c->tiles[dst].q[queue];
    uint64_t used = q->len + q->inflight;
    return used >= q->cap ? 0 : q->cap - used;
}

static void deliver_ev(void *ctx, void *arg) {
    struct chip *c = ctx;
    struct udn_msg *m = arg;
    c->tiles[m->dst].q[m->queue].inflight -= m->n;
    chip_udn_deliver(c, m->dst, m->queue, m->w, m->n, sim_engine_now(c->engine));
    free(m);
}

/* Direct model: inject m at time t if there is room; takes ownership on success. */
static bool inject(struct chip *c, struct udn_msg *m, sim_time_t t) {
    if (direct_credits(c, m->dst, m->queue) < m->n) return false;
    c->tiles[m->dst].q[m->queue].inflight += m->n;
    uint64_t cyc = 2 + (uint64_t)cache_hops(&c->caches, m->src, m->dst) * c->cfg.l3.hop_cycles +
                   m->n * c->cfg.tile.udn_word_cycles;
    sim_time_t at =
        sim_clock_cycles_to_ps(&c->clock, sim_clock_cycle_at_or_after(&c->clock, t) + cyc);
    sim_engine_schedule_at(c->engine, at, deliver_ev, c, m);
    return true;
}

static bool udn_args_ok(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    return dst < t->chip->ntiles && queue < TILE_UDN_QUEUES && w && n >= 1 &&
           n <= TILE_UDN_MAX_WORDS && (t->chip->net || n <= t->chip->tiles[dst].q[queue].cap);
}

static struct udn_msg *msg_new(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w,
                               size_t n) {
    struct udn_msg *m = malloc(sizeof *m);
    assert(m);
    m->next = NULL;
    m->chip = t->chip;
    m->src = t->id;
    m->dst = dst;
    m->queue = queue;
    m->n = n;
    m->offset = tile_handler_cycles(t);
    memcpy(m->w, w, n * sizeof *w);
    return m;
}

/* ---- UDN through a plugged-in network ---- */

static void net_pump(struct tile *t);

static void net_out_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    t->out_ev = 0;
    net_pump(t);
}

static void net_schedule(struct tile *t) {
    if (t->net_stalled || t->out_ev || !t->out_head) return;
    struct sim_engine *e = t->chip->engine;
    sim_time_t at = t->out_head->at > sim_engine_now(e) ? t->out_head->at : sim_engine_now(e);
    t->out_ev = sim_engine_schedule_at(e, at, net_out_ev, t, NULL);
}

/* Hands due messages to the network, in order, until it stalls the tile. */
static void net_pump(struct tile *t) {
    struct chip *c = t->chip;
    sim_time_t now = sim_engine_now(c->engine);
    while (t->out_head && !t->net_stalled && t->out_head->at <= now) {
        struct udn_msg *m = t->out_head;
        int st = c->net->send(c->net_ctx, m->src, m->dst, m->queue, m->w, m->n);
        if (st == TILE_NET_FULL) {
            t->net_stalled = true;
            t->stall_since = now;
            break;
        }
        t->out_head = m->next;
        if (!t->out_head) t->out_tail = NULL;
        free(m);
        if (st == TILE_NET_STALLED) {
            t->net_stalled = true;
            t->stall_since = now;
        }
    }
    net_schedule(t);
}

static void net_enqueue(struct tile *t, struct udn_msg *m) {
    m->at = tile_now(t);
    if (t->out_tail)
        t->out_tail->next = m;
    else
        t->out_head = m;
    t->out_tail = m;
    net_schedule(t);
}

void chip_udn_sent(struct chip *c, unsigned src, sim_time_t now) {
    if (src >= c->ntiles) return;
    struct tile *t = &c->tiles[src];
    if (!t->net_stalled) return;
    t->net_stalled = false;
    /* the stall delays whatever of the tile's work had not happened yet */
    uint64_t c0 = sim_clock_cycle_at_or_after(&c->clock, t->stall_since);
    uint64_t c1 = sim_clock_cycle_at_or_after(&c->clock, now);
    t->prof.cycles[TILE_LABEL_STALL] += c1 > c0 ? c1 - c0 : 0;
    if (t->busy_until > t->stall_since)
        t->busy_until = now + (t->busy_until - t->stall_since);
    else if (t->busy_until < now)
        t->busy_until = now;
    net_pump(t);
    if (!t->net_stalled && t->state == TS_IDLE && tile_udn_has_input(t)) tile_wake(t, now);
}

/* Words arrived for tile d at time t: a handler blocked in
 * tile_udn_recv_wait goes on (it checks whether enough came), an idle tile
 * wakes. */
static void words_arrived(struct tile *d, sim_time_t t) {
    if (d->udn_waiting) {
        d->udn_waiting = false;
        tile_sync_resume_at(d, t);
    }
    tile_wake(d, t);
}

void chip_udn_arrived(struct chip *c, unsigned tile, sim_time_t t) {
    if (tile < c->ntiles) words_arrived(&c->tiles[tile], t);
}

uint64_t tile_udn_credits(struct tile *t, unsigned dst, unsigned queue) {
    tile_sync(t); /* in global time order */
    struct chip *c = t->chip;
    if (dst >= c->ntiles || queue >= TILE_UDN_QUEUES) return 0;
    if (c->net) return c->net->credits(c->net_ctx, t->id, dst, queue);
    return direct_credits(c, dst, queue);
}

int tile_udn_try_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    tile_sync(t); /* in global time order */
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    if (t->chip->net) {
        /* credits as of now; the send itself happens at tile_now() */
        if (t->out_head || t->net_stalled || tile_udn_credits(t, dst, queue) < n) return 0;
        t->extra += n * t->chip->cfg.tile.udn_word_cycles;
        net_enqueue(t, msg_new(t, dst, queue, w, n));
        return 1;
    }
    if (t->stall_head) return 0; /* earlier stalled messages go first */
    if (tile_udn_credits(t, dst, queue) < n) return 0;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    struct udn_msg *m = msg_new(t, dst, queue, w, n);
    bool ok = inject(t->chip, m, tile_now(t));
    if (!ok) free(m);
    return ok ? 1 : 0;
}

int tile_udn_send(struct tile *t, unsigned dst, unsigned queue, const uint64_t *w, size_t n) {
    tile_sync(t); /* in global time order */
    if (!udn_args_ok(t, dst, queue, w, n)) return -1;
    t->extra += n * t->chip->cfg.tile.udn_word_cycles;
    struct udn_msg *m = msg_new(t, dst, queue, w, n);
    if (t->chip->net) {
        net_enqueue(t, m);
        return 0;
    }
    if (!t->stall_head && inject(t->chip, m, tile_now(t))) return 0;
    /* stall: the message waits; the tile takes no input until it is injected */
    if (!t->stall_head) {
        t->stall_since = tile_now(t);
        t->stall_remaining = 0;
    }
    if (t->stall_tail)
        t->stall_tail->next = m;
    else
        t->stall_head = m;
    t->stall_tail = m;
    return 0;
}

size_t tile_udn_avail(struct tile *t, unsigned queue) {
    tile_sync(t); /* in global time order */
    if (queue >= TILE_UDN_QUEUES) return 0;
    if (t->chip->net) return t->chip->net->avail(t->chip->net_ctx, t->id, queue);
    return t->q[queue].len;
}

static void retry_stalled(struct chip *c, sim_time_t now);

size_t tile_udn_recv(struct tile *t, unsigned queue, uint64_t *w, size_t max) {
    tile_sync(t); /* in global time order */
    if (queue >= TILE_UDN_QUEUES || !w) return 0;
    if (t->chip->net) {
        size_t got = t->chip->net->recv(t->chip->net_ctx, t->id, queue, w, max);
        t->extra += got * t->chip->cfg.tile.udn_word_cycles;
        return got;
    }
    struct wordq *q = &t->q[queue];
    size_t n = max < q->len ? max : q->len;
    for (size_t i = 0; i < n; i++) {
        w[i] = q->w[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->len -= n;
    if (n) {
        t->extra += n * t->chip->cfg.tile.udn_word_cycles;
        retry_stalled(t->chip, tile_now(t));
    }
    return n;
}

void chip_udn_deliver(struct chip *c, unsigned dst, unsigned queue, const uint64_t *w, size_t n,
                      sim_time_t t) {
    assert(dst < c->ntiles && queue < TILE_UDN_QUEUES);
    struct tile *d = &c->tiles[dst];
    struct wordq *q = &d->q[queue];
    assert(q->len + n <= q->cap && "UDN delivered more words than the demux queue holds");
    for (size_t i = 0; i < n; i++) q->w[(q->head + q->len + i) % q->cap] = w[i];
    q->len += n;
    words_arrived(d, t);
}

/* The stalled tile resumes: all its queued messages are in. */
static void stall_done_ev(void *ctx, void *arg) {
    struct tile *t = ctx;
    (void)arg;
    if (t->state != TS_STALLED) return;
    t->state = TS_IDLE;
    tile_wake(t, sim_engine_now(t->chip->engine));
}

void tile_udn_retry(struct tile *t, sim_time_t now) {
    struct chip *c = t->chip;
    sim_time_t when = now > t->stall_since ? now : t->stall_since;
    while (t->stall_head) {
        struct udn_msg *m = t->stall_head;
        struct udn_msg *next = m->next;
        if (!inject(c, m, when)) return;
        t->stall_head = next;
        if (!next) t->stall_tail = NULL;
    }
    /* resolved: the stall lasted from stall_since to `when` */
    if (t->state == TS_STALLED) {
        uint64_t c0 = sim_clock_cycle_at_or_after(&c->clock, t->stall_since);
        uint64_t c1 = sim_clock_cycle_at_or_after(&c->clock, when);
        t->prof.cycles[TILE_LABEL_STALL] += c1 - c0;
        sim_time_t resume = sim_clock_cycles_to_ps(&c->clock, c1 + t->stall_remaining);
        if (resume > t->busy_until) t->busy_until = resume;
        sim_time_t e_now = sim_engine_now(c->engine);
        sim_engine_schedule_at(c->engine, t->busy_until > e_now ? t->busy_until : e_now,
                               stall_done_ev, t, NULL);
    }
}

/* Room was freed: every stalled tile tries again. */
static void retry_stalled(struct chip *c, sim_time_t now) {
    for (unsigned i = 0; i < c->ntiles; i++)
        if (c->tiles[i].stall_head && c->tiles[i].state == TS_STALLED)
            tile_udn_retry(&c->tiles[i], now);
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

void tile_udn_fini(struct tile *t) {
    for (unsigned q = 0; q < TILE_UDN_QUEUES; q++) free(t->q[q].w);
    while (t->stall_head) {
        struct udn_msg *m = t->stall_head;
        t->stall_head = m->next;
        free(m);
    }
    while (t->out_head) {
        struct udn_msg *m = t->out_head;
        t->out_head = m->next;
        free(m);
    }
}

size_t tile_udn_recv_wait(struct tile *t, unsigned queue, uint64_t *w, size_t n) {
    if (!t->in_handler || queue >= TILE_UDN_QUEUES || !w || n == 0 ||
        (!t->chip->net && n > t->q[queue].cap))
        return 0;
    tile_sync(t); /* in global time order */
    while (tile_udn_avail(t, queue) < n) {
        t->udn_waiting = true;
        tile_sync_wait(t, TILE_LABEL_IDLE);
    }
    return tile_udn_recv(t, queue, w, n);
}
