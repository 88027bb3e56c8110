#include "stack/wire.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAX_PORTS 64

struct frame {
    struct stk_rxbuf buf; /* first: the stack hands this pointer back */
    stk_time_t at;
    uint64_t seq;
    unsigned dst;
    struct wire *w;
};

struct port {
    struct wire *w;
    unsigned idx;
    struct stk *s;
    uint8_t mac[6];
    uint32_t (*random_fn)(void *ctx);
    void *random_ctx;
};

struct wire {
    struct wire_config cfg;
    struct wire_counters ctr;
    stk_time_t now;
    uint64_t seq;
    unsigned nports;
    struct port ports[WIRE_MAX_PORTS];
    struct frame **heap;
    size_t nheap, capheap;
    uint8_t scratch[16384];
};

static bool earlier(const struct frame *a, const struct frame *b) {
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct wire *w, struct frame *f) {
    if (w->nheap == w->capheap) {
        w->capheap = w->capheap ? 2 * w->capheap : 256;
        w->heap = realloc(w->heap, w->capheap * sizeof *w->heap);
        assert(w->heap);
    }
    size_t i = w->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!earlier(f, w->heap[p])) break;
        w->heap[i] = w->heap[p];
        i = p;
    }
    w->heap[i] = f;
}

static struct frame *heap_pop(struct wire *w) {
    struct frame *top = w->heap[0];
    struct frame *last = w->heap[--w->nheap];
    size_t i = 0, n = w->nheap;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct frame *mv = last;
        if (l < n && earlier(w->heap[l], mv)) {
            m = l;
            mv = w->heap[l];
        }
        if (r < n && earlier(w->heap[r], mv)) {
            m = r;
        }
        if (m == i) break;
        w->heap[i] = w->heap[m];
        i = m;
    }
    if (n) w->heap[i] = last;
    return top;
}

struct wire *wire_create(const struct wire_config *cfg) {
    if ((cfg->loss > 0 || cfg->dup > 0 || cfg->reorder > 0) && !cfg->rng) return NULL;
    struct wire *w = calloc(1, sizeof *w);
    if (w) w->cfg = *cfg;
    return w;
}

void wire_destroy(struct wire *w) {
    if (!w) return;
    for (size_t i = 0; i < w->nheap; i++) free(w->heap[i]);
    free(w->heap);
    free(w);
}

static double unit(struct wire *w, unsigned port) {
    return (double)(w->cfg.rng(w->cfg.rng_ctx, port) >> 11) * (1.0 / 9007199254740992.0);
}

static void rx_release(void *ctx, struct stk_rxbuf *b) {
    (void)ctx;
    free((struct frame *)(void *)b);
}

static void enqueue(struct wire *w, unsigned dst, const uint8_t *data, size_t len, stk_time_t at) {
    struct frame *f = malloc(sizeof *f + len);
    assert(f);
    f->buf.data = (uint8_t *)(f + 1);
    f->buf.len = (uint32_t)len;
    f->buf.refs = 0;
    memcpy(f->buf.data, data, len);
    f->at = at;
    f->seq = w->seq++;
    f->dst = dst;
    f->w = w;
    heap_push(w, f);
}

static void output(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct port *p = ctx;
    struct wire *w = p->w;
    assert(total <= sizeof w->scratch);
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(w->scratch + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    w->ctr.sent++;
    if (w->cfg.tap) w->cfg.tap(w->cfg.tap_ctx, p->idx, w->now, w->scratch, total);
    bool faults = w->cfg.rng != NULL;
    if (faults && w->cfg.loss > 0 && unit(w, p->idx) < w->cfg.loss) {
        w->ctr.lost++;
        return;
    }
    unsigned copies = 1;
    if (faults && w->cfg.dup > 0 && unit(w, p->idx) < w->cfg.dup) {
        copies = 2;
        w->ctr.duplicated++;
    }
    for (unsigned c = 0; c < copies; c++) {
        stk_time_t at = w->now + w->cfg.delay;
        if (faults && w->cfg.reorder > 0 && unit(w, p->idx) < w->cfg.reorder) {
            w->ctr.reordered++;
            at += (stk_time_t)(unit(w, p->idx) * (double)w->cfg.reorder_jitter);
        }
        bool bcast = memcmp(w->scratch, "\xff\xff\xff\xff\xff\xff", 6) == 0;
        bool found = false;
        for (unsigned i = 0; i < w->nports; i++) {
            if (i == p->idx || !w->ports[i].s) continue;
            if (bcast || memcmp(w->scratch, w->ports[i].mac, 6) == 0) {
                enqueue(w, i, w->scratch, total, at);
                found = true;
            }
        }
        if (!found) w->ctr.unknown_dst++;
    }
}

static uint32_t port_random(void *ctx) {
    struct port *p = ctx;
    return p->random_fn(p->random_ctx);
}

unsigned wire_add_port(struct wire *w, struct stk_driver *drv, uint32_t (*random_fn)(void *ctx),
                       void *random_ctx) {
    assert(w->nports < WIRE_MAX_PORTS);
    unsigned i = w->nports++;
    struct port *p = &w->ports[i];
    p->w = w;
    p->idx = i;
    p->random_fn = random_fn;
    p->random_ctx = random_ctx;
    drv->output = output;
    drv->rx_release = rx_release;
    drv->random = port_random;
    drv->ctx = p;
    drv->port_ok = NULL; /* any local port */
    return i;
}

void wire_bind(struct wire *w, unsigned port, struct stk *s) {
    w->ports[port].s = s;
    memcpy(w->ports[port].mac, stk_config(s)->mac, 6);
}

struct stk *wire_stack(const struct wire *w, unsigned port) {
    return w->ports[port].s;
}
stk_time_t wire_now(const struct wire *w) { return w->now; }
const struct wire_counters *wire_counters(const struct wire *w) { return &w->ctr; }

bool wire_step(struct wire *w, stk_time_t limit) {
    stk_time_t best = STK_NEVER;
    int who = -1; /* -1: frame; else port to poll */
    if (w->nheap) best = w->heap[0]->at;
    for (unsigned i = 0; i < w->nports; i++) {
        if (!w->ports[i].s) continue;
        stk_time_t t = stk_poll_at(w->ports[i].s);
        if (t < best) {
            best = t;
            who = (int)i;
        }
    }
    if (best == STK_NEVER || best > limit) return false;
    if (best > w->now) w->now = best;
    if (who >= 0) {
        stk_poll(w->ports[who].s, w->now);
        return true;
    }
    struct frame *f = heap_pop(w);
    struct stk *s = w->ports[f->dst].s;
    w->ctr.delivered++;
    stk_input(s, w->now, &f->buf);
    return true;
}

void wire_run(struct wire *w, stk_time_t limit) {
    while (wire_step(w, limit)) {}
}
