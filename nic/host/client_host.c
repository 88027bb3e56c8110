/* nic/host/client_host.c: a client host running the stack natively behind a port.
 * See client_host.h. */
#include "nic/host/client_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nic/switch.h"
#include "sim/kernel/json.h"
#include "sim/tile/tile_host.h"

enum { ITEM_FRAME, ITEM_TIMER, ITEM_COMMAND };

/* A received frame handed to the stack (zero-copy). */
struct host_rx {
    struct stk_rxbuf b;
    struct eth_frame *f;
};

static void kick(struct client_host *h, struct client_host_core *c);

/* ---- transmit ---- */

static bool drain(struct client_host *h) {
    while (h->blen) {
        struct eth_frame *f = h->backlog[h->bhead];
        if (!eth_port_send(&h->port, f)) return false; /* tx_space will call again */
        h->bhead = (h->bhead + 1) % h->prm.tx_backlog;
        h->blen--;
        h->st.tx_frames++;
    }
    return true;
}

static void on_output(void *ctx, const struct stk_iov *iov, unsigned n, size_t total) {
    struct client_host *h = ctx;
    struct eth_frame *f = eth_frame_alloc(total);
    if (!f) {
        h->st.tx_backlog_drops++;
        return;
    }
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        memcpy(f->data + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    if (h->tap) h->tap(h->tap_ctx, h, f->data, f->len, true, sim_engine_now(h->engine));
    if (h->blen == 0 && eth_port_send(&h->port, f)) {
        h->st.tx_frames++;
        return;
    }
    if (h->blen == h->prm.tx_backlog) {
        h->st.tx_backlog_drops++;
        eth_frame_free(f);
        return;
    }
    h->backlog[(h->bhead + h->blen) % h->prm.tx_backlog] = f;
    h->blen++;
}

static void on_tx_space(void *ctx, struct eth_port *p) {
    (void)p;
    drain(ctx);
}

static void on_rx_release(void *ctx, struct stk_rxbuf *buf) {
    (void)ctx;
    struct host_rx *r = (struct host_rx *)buf;
    eth_frame_free(r->f);
    free(r);
}

static uint32_t on_random(void *ctx) {
    struct client_host *h = ctx;
    return (uint32_t)sim_rng_u64(&h->rng);
}

/* ---- the core ---- */

static void enqueue(struct client_host *h, struct client_host_core *c,
                    struct client_host_item *it) {
    it->next = NULL;
    if (c->tail)
        c->tail->next = it;
    else
        c->head = it;
    c->tail = it;
    kick(h, c);
}

static void timer_ev(void *ctx, void *arg);

/* Arm the engine event for the stack's next timer deadline. */
static void rearm(struct client_host *h) {
    stk_time_t t = stk_poll_at(h->stk);
    if (h->timer_ev && h->timer_at == t) return;
    if (h->timer_ev) {
        sim_engine_cancel(h->engine, h->timer_ev);
        h->timer_ev = 0;
    }
    if (t == STK_NEVER || h->timer_queued) return;
    sim_time_t now = sim_engine_now(h->engine);
    h->timer_at = t;
    h->timer_ev = sim_engine_schedule_at(h->engine, t > now ? t : now, timer_ev, h, NULL);
}

static void timer_ev(void *ctx, void *arg) {
    (void)arg;
    struct client_host *h = ctx;
    h->timer_ev = 0;
    if (h->timer_queued) return;
    struct client_host_item *it = calloc(1, sizeof *it);
    if (!it) return;
    it->kind = ITEM_TIMER;
    h->timer_queued = true;
    enqueue(h, &h->core[0], it);
}

/* The running item's cost has elapsed: it takes effect now. */
static void done_ev(void *ctx, void *arg) {
    struct client_host *h = ctx;
    struct client_host_core *c = arg;
    struct client_host_item *it = c->running;
    c->running = NULL;
    sim_time_t now = sim_engine_now(h->engine);
    h->st.items++;
    c->items++;
    switch (it->kind) {
    case ITEM_FRAME: {
        h->queued_frames--;
        struct host_rx *r = malloc(sizeof *r);
        if (!r) {
            eth_frame_free(it->f);
            break;
        }
        r->f = it->f;
        r->b = (struct stk_rxbuf){.data = it->f->data, .len = it->f->len, .refs = 0};
        stk_input(h->stk, now, &r->b);
        break;
    }
    case ITEM_TIMER:
        h->st.timer_items++;
        h->timer_queued = false;
        stk_poll(h->stk, now);
        break;
    case ITEM_COMMAND:
        h->st.command_items++;
        stk_poll(h->stk, now); /* commands use the time of the last poll */
        it->fn(it->ctx, h);
        break;
    }
    free(it);
    rearm(h);
    kick(h, c);
}

static void kick(struct client_host *h, struct client_host_core *c) {
    if (c->running || !c->head) return;
    struct client_host_item *it = c->head;
    c->head = it->next;
    if (!c->head) c->tail = NULL;
    c->running = it;
    sim_time_t now = sim_engine_now(h->engine);
    sim_time_t start = c->busy_until > now ? c->busy_until : now;
    sim_time_t cost = tile_host_cost(h->cpu, it->kind == ITEM_FRAME ? it->f->len : 0);
    c->busy_until = start + cost;
    c->busy_ps += cost;
    h->st.busy_ps += cost;
    sim_engine_schedule_at(h->engine, c->busy_until, done_ev, h, c);
}

static bool on_receive(void *ctx, struct eth_port *p, struct eth_frame *f) {
    (void)p;
    struct client_host *h = ctx;
    if (h->tap) h->tap(h->tap_ctx, h, f->data, f->len, false, sim_engine_now(h->engine));
    if (h->queued_frames >= h->prm.rx_queue) {
        h->st.rx_refused++;
        return false;
    }
    struct client_host_item *it = calloc(1, sizeof *it);
    if (!it) {
        h->st.rx_refused++;
        return false;
    }
    it->kind = ITEM_FRAME;
    it->f = f;
    h->queued_frames++;
    h->st.rx_frames++;
    unsigned k = h->prm.cores > 1 ? switch_bond_hash(f->data, f->len, h->prm.cores) : 0;
    enqueue(h, &h->core[k], it);
    return true;
}

static const struct eth_client_ops host_port_ops = {on_receive, on_tx_space};

static void command_ev(void *ctx, void *arg) {
    struct client_host *h = ctx;
    struct client_host_item **pp = &h->scheduled;
    while (*pp != arg) pp = &(*pp)->next;
    *pp = ((struct client_host_item *)arg)->next;
    enqueue(h, &h->core[0], arg);
}

void client_host_at(struct client_host *h, sim_time_t t, client_host_fn fn, void *ctx) {
    struct client_host_item *it = calloc(1, sizeof *it);
    if (!it || !fn) {
        free(it);
        return;
    }
    it->kind = ITEM_COMMAND;
    it->fn = fn;
    it->ctx = ctx;
    it->next = h->scheduled; /* freed by destroy if the run ends first */
    h->scheduled = it;
    sim_time_t now = sim_engine_now(h->engine);
    sim_engine_schedule_at(h->engine, t > now ? t : now, command_ev, h, it);
}

/* ---- life cycle ---- */

struct client_host *client_host_create(struct sim_engine *e, const struct nic_eth_config *eth,
                                       const struct chip_host_config *cpu,
                                       const struct client_host_params *prm,
                                       const struct stk_config *scfg, const struct stk_app *app,
                                       const char *name, char *err, size_t errlen) {
    if (!prm || prm->rx_queue == 0 || prm->tx_backlog == 0 || prm->cores == 0 ||
        prm->cores > CLIENT_HOST_MAX_CORES) {
        snprintf(err, errlen,
                 "client host %s: expected cores in 1..%u and rx_queue, tx_backlog >= 1", name,
                 CLIENT_HOST_MAX_CORES);
        return NULL;
    }
    if (!cpu || cpu->freq_hz == 0) {
        snprintf(err, errlen, "client host %s: chip.host.freq_hz must be positive", name);
        return NULL;
    }
    struct client_host *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "client host %s: out of memory", name);
        return NULL;
    }
    snprintf(h->name, sizeof h->name, "%s", name);
    h->engine = e;
    h->cpu = cpu;
    h->prm = *prm;
    h->backlog = calloc(prm->tx_backlog, sizeof *h->backlog);
    if (!h->backlog) {
        snprintf(err, errlen, "client host %s: out of memory", name);
        free(h);
        return NULL;
    }
    sim_rng_init_named(&h->rng, prm->seed, name);
    eth_port_init(&h->port, e, eth, name);
    eth_port_attach(&h->port, &host_port_ops, h);
    struct stk_driver drv = {on_output, on_rx_release, on_random, h, NULL};
    char serr[200] = "";
    h->stk = stk_create(scfg, &drv, app, sim_engine_now(e), serr, sizeof serr);
    if (!h->stk) {
        snprintf(err, errlen, "client host %s: stack: %s", name, serr);
        eth_port_fini(&h->port);
        free(h->backlog);
        free(h);
        return NULL;
    }
    return h;
}

static void free_items(struct client_host_item *it) {
    while (it) {
        struct client_host_item *n = it->next;
        if (it->kind == ITEM_FRAME) eth_frame_free(it->f);
        free(it);
        it = n;
    }
}

void client_host_destroy(struct client_host *h) {
    if (!h) return;
    free_items(h->scheduled);
    for (unsigned k = 0; k < h->prm.cores; k++) {
        free_items(h->core[k].head);
        if (h->core[k].running) h->core[k].running->next = NULL;
        free_items(h->core[k].running);
    }
    for (uint64_t i = 0; i < h->blen; i++)
        eth_frame_free(h->backlog[(h->bhead + i) % h->prm.tx_backlog]);
    free(h->backlog);
    stk_destroy(h->stk);
    eth_port_fini(&h->port);
    free(h);
}

struct eth_port *client_host_port(struct client_host *h) {
    return &h->port;
}
struct stk *client_host_stack(struct client_host *h) {
    return h->stk;
}

void client_host_write_stats(const struct client_host *h, struct json_writer *w) {
    json_object_begin(w);
    json_kv_uint(w, "rx_frames", h->st.rx_frames);
    json_kv_uint(w, "rx_refused", h->st.rx_refused);
    json_kv_uint(w, "tx_frames", h->st.tx_frames);
    json_kv_uint(w, "tx_backlog_drops", h->st.tx_backlog_drops);
    json_kv_uint(w, "items", h->st.items);
    json_kv_uint(w, "busy_ps", h->st.busy_ps);
    json_key(w, "cores");
    json_array_begin(w);
    for (unsigned k = 0; k < h->prm.cores; k++) {
        json_object_begin(w);
        json_kv_uint(w, "items", h->core[k].items);
        json_kv_uint(w, "busy_ps", h->core[k].busy_ps);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "port");
    eth_port_write_stats(&h->port, w);
    json_key(w, "stack");
    json_object_begin(w);
    for (unsigned i = 0; stk_counter_name(i); i++)
        json_kv_uint(w, stk_counter_name(i), stk_counter_value(h->stk, i));
    json_object_end(w);
    json_object_end(w);
}

void client_host_set_tap(struct client_host *h, client_host_tap_fn fn, void *ctx) {
    h->tap = fn;
    h->tap_ctx = ctx;
}
