/* noc/noc_mesh.c: routers, NIs, the per-cycle evaluation and the run-time
 * deadlock detector. See noc_mesh.h for the model and its timing.
 *
 * Channels are delay lines (as BookSim's channel.hpp): the FIFO of an input
 * port holds the flits in flight on the link toward it and those already
 * buffered, each stamped with the cycle it becomes ready; the consumer only
 * looks at entries whose stamp has passed. Its capacity is the buffer depth,
 * which the upstream credits guarantee is never exceeded. Credits in flight
 * are a FIFO of arrival cycles beside the upstream output. Producer and
 * consumer touch different ends, and every stamp written at cycle c is at
 * least c + 1, which is what makes a cycle's evaluation order-independent.
 */
#include "noc/noc_mesh.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel/clock.h"
#include "sim/kernel/json.h"

#define FLIT_HEAD 1u
#define FLIT_TAIL 2u
#define NONE_PORT 0xffu

struct flit {
    uint64_t ready; /* cycle from which it may be used */
    uint32_t pkt;
    uint16_t idx; /* flit number within the packet */
    uint8_t flags;
    uint8_t pad;
};

struct fring { /* FIFO of flits; count = tail - head */
    struct flit *f;
    uint32_t head, tail, mask;
};

struct cring { /* FIFO of credit arrival cycles */
    uint64_t *t;
    uint32_t head, tail, mask;
};

struct inport {
    struct fring q;
    struct cring *up; /* where a freed slot's credit goes: the upstream output's
                         (or, local input, the NI's) credits in flight */
    uint8_t out;      /* output held by the packet at the head, or NONE_PORT */
};

struct outport {
    uint32_t credits; /* usable now (credits absorbed from cr) */
    struct cring cr;  /* credits on their way back */
    uint8_t owner;    /* input holding this output, or NONE_PORT */
    uint8_t rr;       /* round-robin: first input considered next time */
    uint8_t exists;
    uint32_t dn;    /* downstream tile */
    uint64_t flits; /* flits sent (counter) */
};

struct router {
    uint8_t inmask;   /* inputs whose FIFO is not empty */
    uint8_t heldmask; /* inputs holding an output (worm in progress) */
    uint8_t ownmask;  /* outputs held by an input */
    struct inport in[NOC_PORTS];
    struct outport out[NOC_PORTS];
};

struct ni {
    /* injection: FIFO of packet ids */
    uint32_t *pq;
    uint32_t pq_head, pq_tail, pq_cap; /* pq_cap power of two, grows */
    uint64_t backlog;                  /* words written, not sent */
    uint32_t credits;                  /* toward the router's local input */
    struct cring cr;
    /* ejection */
    struct fring ej;
    uint64_t *ej_cr; /* storage of the local output's credit FIFO */
};

struct noc_mesh {
    struct sim_engine *engine;
    struct sim_clock clock;
    uint32_t w, h, n;
    uint32_t depth, ej_depth;
    uint32_t router_delay, link_delay, credit_delay, inj_delay, ej_delay;
    const struct noc_route *route;
    bool detect;
    uint64_t window;

    struct router *r;
    struct ni *ni;
    uint32_t *load; /* per tile: flits in its input FIFOs and ejection FIFO + queued packets */
    struct flit *flit_store;
    uint64_t *credit_store;

    /* active tiles: visited this cycle (cur) and next (next) */
    uint32_t *cur, *next;
    uint32_t ncur, nnext;
    uint8_t *flag;
    bool reverse;

    /* packets */
    struct noc_packet *pk;
    uint32_t npk, pk_cap;
    uint32_t *pk_free;
    uint32_t npk_free;

    /* time */
    uint64_t cycle;     /* cycle being or last evaluated */
    uint64_t next_tick; /* cycle of the scheduled tick, UINT64_MAX if none */
    sim_event_id tick_ev;
    bool in_tick;
    bool moved;       /* a flit moved this cycle */
    bool changed;     /* a flit moved or an output was granted this cycle */
    uint64_t horizon; /* latest ready / credit / eligibility stamp written */
    bool watch_armed; /* a frozen mesh may schedule one watchdog tick */
    uint64_t last_progress;
    bool deadlocked;

    noc_eject_fn sink;
    void *sink_ctx;
    noc_space_fn space;
    void *space_ctx;
    noc_cycle_fn hook;
    void *hook_ctx;
    uint64_t hook_next;
    noc_blocker_fn blocker;
    void *blocker_ctx;
    noc_deadlock_fn on_deadlock;
    void *deadlock_ctx;

    struct noc_mesh_counters ctr;
};

static void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fprintf(stderr, "tessera: out of memory (noc mesh)\n");
        abort();
    }
    return p;
}

static uint32_t pow2_at_least(uint32_t v) {
    uint32_t p = 1;
    while (p < v) p <<= 1;
    return p;
}

static inline uint32_t tile_x(const struct noc_mesh *m, uint32_t t) { return t % m->w; }
static inline uint32_t tile_y(const struct noc_mesh *m, uint32_t t) { return t / m->w; }

/* Neighbour of tile t through direction port p (must exist). */
static inline uint32_t neighbour(const struct noc_mesh *m, uint32_t t, unsigned p) {
    switch (p) {
    case NOC_PORT_E: return t + 1;
    case NOC_PORT_W: return t - 1;
    case NOC_PORT_N: return t - m->w;
    default: return t + m->w;
    }
}

static inline uint32_t fring_count(const struct fring *q) { return q->tail - q->head; }

static inline void activate(struct noc_mesh *m, uint32_t t) {
    if (!m->flag[t]) {
        m->flag[t] = 1;
        m->next[m->nnext++] = t;
    }
}

static void tick(void *ctx, void *arg);

/* Time of cycle edge c; the same value as sim_clock_cycles_to_ps(), in 64-bit
 * arithmetic while c * num cannot overflow (every run of a realistic length). */
static inline sim_time_t cycle_ps(const struct noc_mesh *m, uint64_t c) {
    if (c < UINT64_MAX / m->clock.num) return c * m->clock.num / m->clock.den;
    return sim_clock_cycles_to_ps(&m->clock, c);
}

static void schedule_tick(struct noc_mesh *m, uint64_t cycle) {
    if (m->deadlocked) return;
    sim_time_t at = cycle_ps(m, cycle);
    sim_time_t now = sim_engine_now(m->engine);
    if (at < now) { /* never in the past: the first edge from now on */
        cycle = sim_clock_cycle_at_or_after(&m->clock, now);
        at = cycle_ps(m, cycle);
    }
    if (m->next_tick != UINT64_MAX && m->next_tick <= cycle) return;
    if (m->tick_ev) sim_engine_cancel(m->engine, m->tick_ev);
    m->next_tick = cycle;
    m->tick_ev = sim_engine_schedule_at(m->engine, at, tick, m, NULL);
}

/* ------------------------------------------------------------ create */

struct noc_mesh *noc_mesh_create(struct sim_engine *e, const struct noc_config *cfg, char *err,
                                 size_t errlen) {
    if (!noc_config_check(cfg, err, errlen)) return NULL;
    struct noc_mesh *m = xcalloc(1, sizeof *m);
    m->engine = e;
    sim_clock_init(&m->clock, cfg->freq_hz);
    m->w = (uint32_t)cfg->width;
    m->h = (uint32_t)cfg->height;
    m->n = m->w * m->h;
    m->depth = (uint32_t)cfg->buffer_depth_flits;
    m->ej_depth = m->depth;
    m->router_delay = (uint32_t)cfg->router_delay_cycles;
    m->link_delay = (uint32_t)cfg->link_delay_cycles;
    m->credit_delay = (uint32_t)cfg->credit_delay_cycles;
    m->inj_delay = (uint32_t)cfg->injection_delay_cycles;
    m->ej_delay = (uint32_t)cfg->ejection_delay_cycles;
    m->route = noc_route_find(cfg->routing);
    m->detect = cfg->deadlock.detect;
    m->window = cfg->deadlock.window_cycles;
    m->next_tick = UINT64_MAX;
    m->hook_next = UINT64_MAX;
    m->watch_armed = true;

    uint32_t mask = pow2_at_least(m->depth) - 1;
    m->r = xcalloc(m->n, sizeof *m->r);
    m->ni = xcalloc(m->n, sizeof *m->ni);
    m->load = xcalloc(m->n, sizeof *m->load);
    m->cur = xcalloc(m->n, sizeof *m->cur);
    m->next = xcalloc(m->n, sizeof *m->next);
    m->flag = xcalloc(m->n, 1);
    /* per tile: 5 input FIFOs; per tile: 5 output credit FIFOs + NI credit FIFO */
    m->flit_store = xcalloc((size_t)m->n * NOC_PORTS * (mask + 1), sizeof *m->flit_store);
    m->credit_store = xcalloc((size_t)m->n * (NOC_PORTS + 1) * (mask + 1), sizeof *m->credit_store);
    for (uint32_t t = 0; t < m->n; t++) {
        struct router *r = &m->r[t];
        uint32_t x = tile_x(m, t), y = tile_y(m, t);
        for (unsigned p = 0; p < NOC_PORTS; p++) {
            r->in[p].q.f = m->flit_store + ((size_t)t * NOC_PORTS + p) * (mask + 1);
            r->in[p].q.mask = mask;
            r->in[p].out = NONE_PORT;
            struct outport *o = &r->out[p];
            o->cr.t = m->credit_store + ((size_t)t * (NOC_PORTS + 1) + p) * (mask + 1);
            o->cr.mask = mask;
            o->owner = NONE_PORT;
            o->credits = m->depth;
            bool ex = (p == NOC_PORT_E && x + 1 < m->w) || (p == NOC_PORT_W && x > 0) ||
                      (p == NOC_PORT_N && y > 0) || (p == NOC_PORT_S && y + 1 < m->h) ||
                      p == NOC_PORT_LOCAL;
            o->exists = ex;
            o->dn = (ex && p != NOC_PORT_LOCAL) ? neighbour(m, t, p) : t;
        }
        struct ni *ni = &m->ni[t];
        ni->credits = m->depth;
        ni->cr.t = m->credit_store + ((size_t)t * (NOC_PORTS + 1) + NOC_PORTS) * (mask + 1);
        r->in[NOC_PORT_LOCAL].up = &ni->cr;
        for (unsigned p = 0; p < NOC_PORTS; p++)
            if (p != NOC_PORT_LOCAL && r->out[p].exists)
                r->in[p].up = &m->r[neighbour(m, t, p)].out[noc_port_opposite(p)].cr;
        ni->cr.mask = mask;
        ni->pq_cap = 4;
        ni->pq = xcalloc(ni->pq_cap, sizeof *ni->pq);
    }
    noc_mesh_set_eject_depth(m, m->depth);
    return m;
}

void noc_mesh_set_eject_depth(struct noc_mesh *m, uint32_t flits) {
    assert(flits >= 1 && noc_mesh_load(m) == 0);
    m->ej_depth = flits;
    uint32_t mask = pow2_at_least(flits) - 1;
    for (uint32_t t = 0; t < m->n; t++) {
        struct ni *ni = &m->ni[t];
        free(ni->ej.f);
        ni->ej.f = xcalloc(mask + 1, sizeof *ni->ej.f);
        ni->ej.mask = mask;
        ni->ej.head = ni->ej.tail = 0;
        /* the local output's credits count ejection FIFO slots */
        struct outport *o = &m->r[t].out[NOC_PORT_LOCAL];
        free(ni->ej_cr);
        ni->ej_cr = xcalloc(mask + 1, sizeof *ni->ej_cr);
        o->cr.t = ni->ej_cr;
        o->cr.mask = mask;
        o->cr.head = o->cr.tail = 0;
        o->credits = flits;
    }
}

void noc_mesh_destroy(struct noc_mesh *m) {
    if (!m) return;
    if (m->tick_ev) sim_engine_cancel(m->engine, m->tick_ev);
    for (uint32_t t = 0; t < m->n; t++) {
        free(m->ni[t].pq);
        free(m->ni[t].ej.f);
        free(m->ni[t].ej_cr);
    }
    for (uint32_t i = 0; i < m->npk; i++) free((void *)m->pk[i].words);
    free(m->pk);
    free(m->pk_free);
    free(m->flit_store);
    free(m->credit_store);
    free(m->r);
    free(m->ni);
    free(m->load);
    free(m->cur);
    free(m->next);
    free(m->flag);
    free(m);
}

void noc_mesh_set_sink(struct noc_mesh *m, noc_eject_fn fn, void *ctx) {
    m->sink = fn;
    m->sink_ctx = ctx;
}
void noc_mesh_set_space_hook(struct noc_mesh *m, noc_space_fn fn, void *ctx) {
    m->space = fn;
    m->space_ctx = ctx;
}
void noc_mesh_set_blocker_hook(struct noc_mesh *m, noc_blocker_fn fn, void *ctx) {
    m->blocker = fn;
    m->blocker_ctx = ctx;
}
void noc_mesh_set_deadlock_hook(struct noc_mesh *m, noc_deadlock_fn fn, void *ctx) {
    m->on_deadlock = fn;
    m->deadlock_ctx = ctx;
}
void noc_mesh_set_cycle_hook(struct noc_mesh *m, noc_cycle_fn fn, void *ctx, uint64_t first) {
    m->hook = fn;
    m->hook_ctx = ctx;
    m->hook_next = first;
    if (fn && first != UINT64_MAX && !m->in_tick) schedule_tick(m, first);
}
void noc_mesh_set_reverse_order(struct noc_mesh *m, bool reverse) { m->reverse = reverse; }

uint32_t noc_mesh_width(const struct noc_mesh *m) { return m->w; }
uint32_t noc_mesh_height(const struct noc_mesh *m) { return m->h; }
uint32_t noc_mesh_tiles(const struct noc_mesh *m) { return m->n; }
struct sim_engine *noc_mesh_engine(const struct noc_mesh *m) {
    return m->engine;
}
uint64_t noc_mesh_cycle_now(const struct noc_mesh *m) {
    return sim_clock_ps_to_cycles(&m->clock, sim_engine_now(m->engine));
}
sim_time_t noc_mesh_cycle_time(const struct noc_mesh *m, uint64_t cycle) {
    return cycle_ps(m, cycle);
}
const struct noc_mesh_counters *noc_mesh_counters(const struct noc_mesh *m) { return &m->ctr; }
uint64_t noc_mesh_port_flits(const struct noc_mesh *m, uint32_t tile, unsigned port) {
    assert(tile < m->n && port < NOC_PORTS);
    return m->r[tile].out[port].flits;
}
bool noc_mesh_port_exists(const struct noc_mesh *m, uint32_t tile, unsigned port) {
    assert(tile < m->n && port < NOC_PORTS);
    return port != NOC_PORT_LOCAL && m->r[tile].out[port].exists;
}
void noc_mesh_write_links_csv(const struct noc_mesh *m, FILE *f, const uint64_t *port_flits,
                              double cycles) {
    fprintf(f, "tile,x,y,port,to_tile,to_x,to_y,flits,utilisation\n");
    for (uint32_t t = 0; t < m->n; t++)
        for (unsigned p = 0; p < NOC_PORTS; p++) {
            if (!noc_mesh_port_exists(m, t, p)) continue;
            uint32_t to = neighbour(m, t, p);
            uint64_t fl = port_flits ? port_flits[(size_t)t * NOC_PORTS + p] : m->r[t].out[p].flits;
            fprintf(f, "%u,%u,%u,%s,%u,%u,%u,%" PRIu64 ",%.6f\n", t, tile_x(m, t), tile_y(m, t),
                    noc_port_names[p], to, tile_x(m, to), tile_y(m, to), fl,
                    cycles > 0 ? (double)fl / cycles : 0.0);
        }
}

void noc_mesh_reset_counters(struct noc_mesh *m) {
    memset(&m->ctr, 0, sizeof m->ctr);
    for (uint32_t t = 0; t < m->n; t++)
        for (unsigned p = 0; p < NOC_PORTS; p++) m->r[t].out[p].flits = 0;
}
bool noc_mesh_deadlocked(const struct noc_mesh *m) { return m->deadlocked; }

uint64_t noc_mesh_load(const struct noc_mesh *m) {
    uint64_t s = 0;
    for (uint32_t t = 0; t < m->n; t++) s += m->load[t];
    return s;
}

uint32_t noc_mesh_hops(const struct noc_mesh *m, uint32_t src, uint32_t dst) {
    uint32_t sx = tile_x(m, src), sy = tile_y(m, src), dx = tile_x(m, dst), dy = tile_y(m, dst);
    return (sx > dx ? sx - dx : dx - sx) + (sy > dy ? sy - dy : dy - sy);
}

uint64_t noc_mesh_zero_load_cycles(const struct noc_mesh *m, uint32_t src, uint32_t dst,
                                   uint32_t len) {
    uint64_t hops = noc_mesh_hops(m, src, dst);
    return m->inj_delay + (hops + 1) * m->router_delay + hops * m->link_delay + m->ej_delay +
           (len - 1);
}

uint64_t noc_mesh_inject_backlog(const struct noc_mesh *m, uint32_t tile) {
    assert(tile < m->n);
    return m->ni[tile].backlog;
}

/* ------------------------------------------------------------ packets */

static uint32_t packet_alloc(struct noc_mesh *m) {
    if (m->npk_free) return m->pk_free[--m->npk_free];
    if (m->npk == m->pk_cap) {
        uint32_t cap = m->pk_cap ? m->pk_cap * 2 : 256;
        struct noc_packet *pk = realloc(m->pk, (size_t)cap * sizeof *pk);
        uint32_t *fr = realloc(m->pk_free, (size_t)cap * sizeof *fr);
        if (!pk || !fr) {
            fprintf(stderr, "tessera: out of memory (noc packets)\n");
            abort();
        }
        m->pk = pk;
        m->pk_free = fr;
        m->pk_cap = cap;
    }
    m->pk[m->npk].words = NULL;
    return m->npk++;
}

static void packet_free(struct noc_mesh *m, uint32_t id) {
    free((void *)m->pk[id].words);
    m->pk[id].words = NULL;
    m->pk[id].len = 0;
    m->pk_free[m->npk_free++] = id;
}

uint32_t noc_mesh_inject(struct noc_mesh *m, uint32_t src, uint32_t dst, uint32_t len, uint32_t tag,
                         const uint64_t *words, uint32_t written, uint64_t eligible,
                         uint64_t user) {
    assert(src < m->n && dst < m->n && len >= 1 && len <= UINT16_MAX && written <= len);
    uint32_t id = packet_alloc(m);
    struct noc_packet *p = &m->pk[id];
    uint64_t *copy = NULL;
    if (words) {
        copy = malloc((size_t)len * sizeof *copy);
        if (!copy) {
            fprintf(stderr, "tessera: out of memory (noc payload)\n");
            abort();
        }
        memcpy(copy, words, (size_t)len * sizeof *copy);
    }
    *p = (struct noc_packet){
        .id = id,
        .src = src,
        .dst = dst,
        .len = len,
        .tag = tag,
        .created_cycle = m->in_tick ? m->cycle : noc_mesh_cycle_now(m),
        .user = user,
        .words = copy,
        .written = written,
        .sent = 0,
        .ready_before = 0,
        .eligible_cycle = eligible,
    };
    struct ni *ni = &m->ni[src];
    if (ni->pq_tail - ni->pq_head == ni->pq_cap) {
        uint32_t cap = ni->pq_cap * 2;
        uint32_t *q = xcalloc(cap, sizeof *q);
        for (uint32_t i = 0; i < ni->pq_cap; i++)
            q[i] = ni->pq[(ni->pq_head + i) & (ni->pq_cap - 1)];
        free(ni->pq);
        ni->pq = q;
        ni->pq_tail = ni->pq_cap;
        ni->pq_head = 0;
        ni->pq_cap = cap;
    }
    ni->pq[ni->pq_tail++ & (ni->pq_cap - 1)] = id;
    ni->backlog += written;
    if (eligible > m->horizon) m->horizon = eligible;
    m->load[src]++;
    m->ctr.packets_injected++;
    activate(m, src);
    if (!m->in_tick) schedule_tick(m, eligible);
    return id;
}

void noc_mesh_packet_write(struct noc_mesh *m, uint32_t id, uint32_t n, uint64_t w) {
    struct noc_packet *p = &m->pk[id];
    assert(id < m->npk && p->len && p->written + n <= p->len);
    if (w + 1 != p->eligible_cycle) {
        assert(w + 1 > p->eligible_cycle);
        p->ready_before = p->written;
        p->eligible_cycle = w + 1;
    }
    p->written += n;
    m->ni[p->src].backlog += n;
    if (w + 1 > m->horizon) m->horizon = w + 1;
    if (!m->in_tick) schedule_tick(m, w + 1);
}

/* ------------------------------------------------------------ evaluation */

static inline void absorb_credits(struct cring *cr, uint32_t *credits, uint64_t c) {
    while (cr->head != cr->tail && cr->t[cr->head & cr->mask] <= c) {
        cr->head++;
        (*credits)++;
    }
}

static inline void credit_send(struct noc_mesh *m, struct cring *cr, uint64_t at) {
    cr->t[cr->tail++ & cr->mask] = at;
    if (at > m->horizon) m->horizon = at;
}

#ifdef TESSERA_CHECKS
static struct fring *down_fifo(struct noc_mesh *m, uint32_t t, unsigned o) {
    if (o == NOC_PORT_LOCAL) return &m->ni[t].ej;
    return &m->r[m->r[t].out[o].dn].in[noc_port_opposite(o)].q;
}

/* credits + credits in flight + flits in flight or buffered == depth */
static void check_output(struct noc_mesh *m, uint32_t t, unsigned o) {
    struct outport *op = &m->r[t].out[o];
    if (!op->exists) return;
    uint32_t depth = o == NOC_PORT_LOCAL ? m->ej_depth : m->depth;
    uint32_t sum = op->credits + (op->cr.tail - op->cr.head) + fring_count(down_fifo(m, t, o));
    assert(sum == depth && "credit conservation violated on a router output");
    (void)sum, (void)depth;
}
static void check_ni(struct noc_mesh *m, uint32_t t) {
    struct ni *ni = &m->ni[t];
    uint32_t sum =
        ni->credits + (ni->cr.tail - ni->cr.head) + fring_count(&m->r[t].in[NOC_PORT_LOCAL].q);
    assert(sum == m->depth && "credit conservation violated on an NI injection link");
    (void)sum;
}
#endif

/* The output the head flit of in[p] asks for this cycle. */
static unsigned choose_output(struct noc_mesh *m, uint32_t t, unsigned p, const struct flit *f,
                              uint64_t c) {
    const struct noc_packet *pk = &m->pk[f->pkt];
    uint32_t x = tile_x(m, t), y = tile_y(m, t);
    unsigned mask = m->route->route(m->w, m->h, x, y, p, tile_x(m, pk->dst), tile_y(m, pk->dst));
    assert(mask != 0 && mask < (1u << NOC_PORTS));
    struct router *r = &m->r[t];
    if ((mask & (mask - 1)) == 0) {
        unsigned o = (unsigned)__builtin_ctz(mask);
        assert(r->out[o].exists && "routing function chose a port off the mesh");
        return o;
    }
    /* several allowed: a free output with credit, else a free one, else the first */
    unsigned first = NONE_PORT, free_o = NONE_PORT;
    for (unsigned o = 0; o < NOC_PORTS; o++) {
        if (!(mask & (1u << o))) continue;
        struct outport *op = &r->out[o];
        assert(op->exists && "routing function chose a port off the mesh");
        if (first == NONE_PORT) first = o;
        if (op->owner != NONE_PORT) continue;
        absorb_credits(&op->cr, &op->credits, c);
        if (op->credits > 0) return o;
        if (free_o == NONE_PORT) free_o = o;
    }
    return free_o != NONE_PORT ? free_o : first;
}

static void router_eval(struct noc_mesh *m, uint32_t t, uint64_t c) {
    struct router *r = &m->r[t];
    /* 1. heads of worms not yet routed ask for an output */
    unsigned cand = r->inmask & ~r->heldmask;
    if (cand) {
        unsigned req[NOC_PORTS] = {0};
        unsigned reqmask = 0;
        for (; cand; cand &= cand - 1) {
            unsigned p = (unsigned)__builtin_ctz(cand);
            struct inport *in = &r->in[p];
            const struct flit *f = &in->q.f[in->q.head & in->q.mask];
            if (f->ready > c) continue;
            assert((f->flags & FLIT_HEAD) && "a body flit reached a router without a held output");
            unsigned o = choose_output(m, t, p, f, c);
            req[o] |= 1u << p;
            reqmask |= 1u << o;
        }
        /* 2. each free output grants one requester, round-robin */
        for (reqmask &= ~r->ownmask; reqmask; reqmask &= reqmask - 1) {
            unsigned o = (unsigned)__builtin_ctz(reqmask);
            unsigned p = r->out[o].rr;
            while (!(req[o] & (1u << p))) p = p + 1 == NOC_PORTS ? 0 : p + 1;
            r->out[o].owner = (uint8_t)p;
            r->in[p].out = (uint8_t)o;
            r->out[o].rr = (uint8_t)(p + 1 == NOC_PORTS ? 0 : p + 1);
            r->ownmask |= (uint8_t)(1u << o);
            r->heldmask |= (uint8_t)(1u << p);
            m->changed = true;
        }
    }
    /* 3. every held output moves one ready flit if it has a credit */
    for (unsigned om = r->ownmask; om; om &= om - 1) {
        unsigned o = (unsigned)__builtin_ctz(om);
        struct outport *op = &r->out[o];
        unsigned p = op->owner;
        struct inport *in = &r->in[p];
        if (in->q.head == in->q.tail) continue;
        struct flit *f = &in->q.f[in->q.head & in->q.mask];
        if (f->ready > c) continue;
        if (op->credits == 0) {
            absorb_credits(&op->cr, &op->credits, c);
            if (op->credits == 0) continue;
        }
        /* cross the switch and the link */
        struct flit out = *f;
        if (++in->q.head == in->q.tail) r->inmask &= (uint8_t) ~(1u << p);
        op->credits--;
        struct fring *dq;
        uint32_t dn = op->dn;
        if (o == NOC_PORT_LOCAL) {
            dq = &m->ni[t].ej;
            out.ready = c + m->ej_delay;
        } else {
            unsigned ip = noc_port_opposite(o);
            dq = &m->r[dn].in[ip].q;
            m->r[dn].inmask |= (uint8_t)(1u << ip);
            out.ready = c + m->link_delay + m->router_delay;
        }
        assert(fring_count(dq) <= dq->mask && "downstream FIFO overflow");
        dq->f[dq->tail++ & dq->mask] = out;
        if (out.ready > m->horizon) m->horizon = out.ready;
        m->load[dn]++;
        activate(m, dn);
        /* the freed slot's credit goes back upstream */
        credit_send(m, in->up, c + m->credit_delay);
        m->load[t]--;
        op->flits++;
        m->ctr.flit_hops++;
        m->moved = true;
        if (out.flags & FLIT_TAIL) {
            op->owner = NONE_PORT;
            in->out = NONE_PORT;
            r->ownmask &= (uint8_t) ~(1u << o);
            r->heldmask &= (uint8_t) ~(1u << p);
        }
    }
}

static inline uint32_t packet_avail(const struct noc_packet *p, uint64_t c) {
    return c >= p->eligible_cycle ? p->written : p->ready_before;
}

static void ni_inject_eval(struct noc_mesh *m, uint32_t t, uint64_t c) {
    struct ni *ni = &m->ni[t];
    if (ni->pq_head == ni->pq_tail) return;
    uint32_t id = ni->pq[ni->pq_head & (ni->pq_cap - 1)];
    struct noc_packet *p = &m->pk[id];
    if (p->sent >= packet_avail(p, c)) return;
    if (ni->credits == 0) {
        absorb_credits(&ni->cr, &ni->credits, c);
        if (ni->credits == 0) return;
    }
    ni->credits--;
    struct fring *q = &m->r[t].in[NOC_PORT_LOCAL].q;
    assert(fring_count(q) <= q->mask && "local input FIFO overflow");
    struct flit f = {
        .ready = c + m->inj_delay + m->router_delay,
        .pkt = id,
        .idx = (uint16_t)p->sent,
        .flags =
            (uint8_t)((p->sent == 0 ? FLIT_HEAD : 0) | (p->sent + 1 == p->len ? FLIT_TAIL : 0)),
    };
    q->f[q->tail++ & q->mask] = f;
    m->r[t].inmask |= 1u << NOC_PORT_LOCAL;
    if (f.ready > m->horizon) m->horizon = f.ready;
    m->load[t]++;
    p->sent++;
    ni->backlog--;
    m->ctr.flits_injected++;
    m->moved = true;
    if (p->sent == p->len) {
        ni->pq_head++;
        m->load[t]--;
    }
    if (m->space) m->space(m->space_ctx, t, c);
}

static void ni_eject_eval(struct noc_mesh *m, uint32_t t, uint64_t c) {
    struct ni *ni = &m->ni[t];
    if (ni->ej.head == ni->ej.tail) return;
    struct flit *f = &ni->ej.f[ni->ej.head & ni->ej.mask];
    if (f->ready > c) return;
    struct noc_packet *p = &m->pk[f->pkt];
    assert(p->dst == t && "flit ejected at the wrong tile");
    if (m->sink && !m->sink(m->sink_ctx, t, p, f->idx, c)) return;
    uint8_t flags = f->flags;
    uint32_t id = f->pkt;
    ni->ej.head++;
    m->load[t]--;
    credit_send(m, &m->r[t].out[NOC_PORT_LOCAL].cr, c + m->credit_delay);
    m->ctr.flits_ejected++;
    m->moved = true;
    if (flags & FLIT_TAIL) {
        m->ctr.packets_ejected++;
        packet_free(m, id);
    }
}

static void detect_deadlock(struct noc_mesh *m, uint64_t c);

/* One mesh cycle c; returns the next cycle that needs a tick (UINT64_MAX:
 * none until someone outside acts). */
static uint64_t tick_cycle(struct noc_mesh *m, uint64_t c) {
    m->cycle = c;
    m->in_tick = true;
    m->moved = false;
    m->changed = false;
    if (m->hook && m->hook_next <= c) m->hook_next = m->hook(m->hook_ctx, c);

    uint32_t *cur = m->next;
    uint32_t ncur = m->nnext;
    m->next = m->cur;
    m->cur = cur;
    m->ncur = ncur;
    m->nnext = 0;
    for (uint32_t i = 0; i < ncur; i++) m->flag[cur[i]] = 0;
    for (uint32_t k = 0; k < ncur; k++) {
        uint32_t t = m->reverse ? cur[ncur - 1 - k] : cur[k];
        ni_inject_eval(m, t, c);
        router_eval(m, t, c);
        ni_eject_eval(m, t, c);
        if (m->load[t]) activate(m, t);
    }
#ifdef TESSERA_CHECKS
    for (uint32_t k = 0; k < ncur; k++) {
        uint32_t t = cur[k];
        for (unsigned o = 0; o < NOC_PORTS; o++) check_output(m, t, o);
        check_ni(m, t);
    }
#endif
    m->ctr.cycles_ticked++;
    m->in_tick = false;
    if (m->moved || m->nnext == 0) {
        m->last_progress = c;
        m->watch_armed = true;
    } else if (m->detect && c - m->last_progress >= m->window) {
        detect_deadlock(m, c);
    }
    if (m->deadlocked) return UINT64_MAX;
    uint64_t want = m->hook && m->hook_next != UINT64_MAX
                        ? (m->hook_next > c ? m->hook_next : c + 1)
                        : UINT64_MAX;
    if (m->nnext) {
        if (m->changed || m->moved || c < m->horizon) {
            want = c + 1;
        } else if (m->detect && m->watch_armed) {
            /* Frozen: nothing in flight and nothing moved, so nothing will
             * until someone outside acts (noc_mesh_wake(), an injection).
             * Sleep, but look again when the deadlock window has passed. */
            uint64_t at = m->last_progress + m->window;
            if (at <= c) at = c + 1;
            if (at < want) want = at;
        }
    }
    return want;
}

/* The tick event: runs cycles while the next one would be the engine's next
 * event anyway (nothing else due before it: the mesh is often the only
 * thing happening between tiles' steps), then schedules the next. */
static void tick(void *ctx, void *arg) {
    struct noc_mesh *m = ctx;
    (void)arg;
    uint64_t c = m->next_tick;
    m->tick_ev = 0;
    m->next_tick = UINT64_MAX;
    for (;;) {
        uint64_t want = tick_cycle(m, c);
        if (want == UINT64_MAX) return;
        if (!sim_engine_advance_to(m->engine, cycle_ps(m, want))) {
            schedule_tick(m, want);
            return;
        }
        c = want;
    }
}

void noc_mesh_wake(struct noc_mesh *m) {
    if (m->in_tick || m->deadlocked) return;
    schedule_tick(m, noc_mesh_cycle_now(m) + 1);
}

/* ------------------------------------------------------------ deadlock detection */

/* Wait-for graph nodes: 0 .. 5n-1 input FIFOs (tile * 5 + port), then n
 * ejection FIFOs, then n injection FIFOs. */
#define NODE_NONE UINT32_MAX

static uint32_t node_input(const struct noc_mesh *m, uint32_t t, unsigned p) {
    (void)m;
    return t * NOC_PORTS + p;
}
static uint32_t node_eject(const struct noc_mesh *m, uint32_t t) { return m->n * NOC_PORTS + t; }
static uint32_t node_inject(const struct noc_mesh *m, uint32_t t) {
    return m->n * (NOC_PORTS + 1) + t;
}

/* The node `v` waits for, or NODE_NONE; fills `nd` with its description. */
static uint32_t wait_edge(struct noc_mesh *m, uint32_t v, uint64_t c, struct noc_wait_node *nd) {
    memset(nd, 0, sizeof *nd);
    if (v < m->n * NOC_PORTS) {
        uint32_t t = v / NOC_PORTS;
        unsigned p = v % NOC_PORTS;
        struct inport *in = &m->r[t].in[p];
        nd->kind = NOC_WAIT_INPUT;
        nd->tile = t;
        nd->port = p;
        nd->occupancy = fring_count(&in->q);
        nd->capacity = m->depth;
        if (in->q.head == in->q.tail) return NODE_NONE;
        const struct flit *f = &in->q.f[in->q.head & in->q.mask];
        if (f->ready > c) return NODE_NONE;
        const struct noc_packet *pk = &m->pk[f->pkt];
        nd->pkt_id = pk->id, nd->pkt_src = pk->src, nd->pkt_dst = pk->dst, nd->pkt_len = pk->len;
        nd->pkt_flit = f->idx;
        unsigned o = in->out;
        if (o == NONE_PORT) {
            o = choose_output(m, t, p, f, c);
            unsigned own = m->r[t].out[o].owner;
            if (own != NONE_PORT && own != p) {
                snprintf(nd->why, sizeof nd->why, "output %s held by input %s (a packet's worm)",
                         noc_port_names[o], noc_port_names[own]);
                return node_input(m, t, own);
            }
        }
        struct outport *op = &m->r[t].out[o];
        absorb_credits(&op->cr, &op->credits, c);
        if (op->credits > 0) return NODE_NONE;
        if (o == NOC_PORT_LOCAL) {
            snprintf(nd->why, sizeof nd->why, "output L: no credit (ejection FIFO full)");
            return node_eject(m, t);
        }
        snprintf(nd->why, sizeof nd->why, "output %s: no credit (FIFO of tile %u input %s full)",
                 noc_port_names[o], op->dn, noc_port_names[noc_port_opposite(o)]);
        return node_input(m, op->dn, noc_port_opposite(o));
    }
    if (v < m->n * (NOC_PORTS + 1)) {
        uint32_t t = v - m->n * NOC_PORTS;
        struct ni *ni = &m->ni[t];
        nd->kind = NOC_WAIT_EJECT;
        nd->tile = t;
        nd->port = NOC_PORT_LOCAL;
        nd->occupancy = fring_count(&ni->ej);
        nd->capacity = m->ej_depth;
        if (ni->ej.head == ni->ej.tail) return NODE_NONE;
        const struct flit *f = &ni->ej.f[ni->ej.head & ni->ej.mask];
        if (f->ready > c) return NODE_NONE;
        const struct noc_packet *pk = &m->pk[f->pkt];
        nd->pkt_id = pk->id, nd->pkt_src = pk->src, nd->pkt_dst = pk->dst, nd->pkt_len = pk->len;
        nd->pkt_flit = f->idx;
        if (!m->blocker) return NODE_NONE;
        int64_t s = m->blocker(m->blocker_ctx, t, pk, nd->why, sizeof nd->why);
        if (s < 0 || (uint64_t)s >= m->n) return NODE_NONE;
        return node_inject(m, (uint32_t)s);
    }
    uint32_t t = v - m->n * (NOC_PORTS + 1);
    struct ni *ni = &m->ni[t];
    nd->kind = NOC_WAIT_INJECT;
    nd->tile = t;
    nd->port = NOC_PORT_LOCAL;
    nd->occupancy = (uint32_t)ni->backlog;
    nd->capacity = 0;
    if (ni->pq_head == ni->pq_tail) return NODE_NONE;
    const struct noc_packet *pk = &m->pk[ni->pq[ni->pq_head & (ni->pq_cap - 1)]];
    nd->pkt_id = pk->id, nd->pkt_src = pk->src, nd->pkt_dst = pk->dst, nd->pkt_len = pk->len;
    nd->pkt_flit = pk->sent;
    if (pk->sent >= packet_avail(pk, c)) return NODE_NONE;
    absorb_credits(&ni->cr, &ni->credits, c);
    if (ni->credits > 0) return NODE_NONE;
    snprintf(nd->why, sizeof nd->why, "no credit for the router's local input (FIFO full)");
    return node_input(m, t, NOC_PORT_LOCAL);
}

static void detect_deadlock(struct noc_mesh *m, uint64_t c) {
    uint32_t nn = m->n * (NOC_PORTS + 2);
    uint32_t *color = xcalloc(nn, sizeof *color); /* 0 unvisited, else walk number */
    uint32_t *succ = xcalloc(nn, sizeof *succ);
    struct noc_wait_node tmp;
    for (uint32_t v = 0; v < nn; v++) succ[v] = wait_edge(m, v, c, &tmp);
    uint32_t found = NODE_NONE;
    for (uint32_t s = 0; s < nn && found == NODE_NONE; s++) {
        if (color[s] || succ[s] == NODE_NONE) continue;
        uint32_t v = s;
        while (v != NODE_NONE && !color[v]) {
            color[v] = s + 1;
            v = succ[v];
        }
        if (v != NODE_NONE && color[v] == s + 1) found = v; /* closed a cycle in this walk */
    }
    if (found == NODE_NONE) {
        /* nothing moves, but no cycle: someone outside the mesh (a tile that
         * does not drain) holds it up; look again after another window */
        m->last_progress = c;
        m->watch_armed = false;
        free(color);
        free(succ);
        return;
    }
    size_t len = 0;
    uint32_t v = found;
    do {
        len++;
        v = succ[v];
    } while (v != found);
    struct noc_deadlock_report rep = {.cycle = c, .stalled_since = m->last_progress, .n = len};
    rep.nodes = xcalloc(len, sizeof *rep.nodes);
    v = found;
    for (size_t i = 0; i < len; i++) {
        wait_edge(m, v, c, &rep.nodes[i]);
        rep.nodes[i].x = tile_x(m, rep.nodes[i].tile);
        rep.nodes[i].y = tile_y(m, rep.nodes[i].tile);
        v = succ[v];
    }
    m->deadlocked = true;
    if (m->on_deadlock)
        m->on_deadlock(m->deadlock_ctx, &rep);
    else
        noc_deadlock_report_print(&rep, stderr);
    free(rep.nodes);
    free(color);
    free(succ);
}

static const char *const wait_kind_names[] = {"input", "eject", "inject"};

void noc_deadlock_report_print(const struct noc_deadlock_report *r, FILE *out) {
    fprintf(out,
            "noc: deadlock detected at cycle %" PRIu64 " (no flit moved since cycle %" PRIu64
            "): wait-for cycle of %zu nodes\n",
            r->cycle, r->stalled_since, r->n);
    for (size_t i = 0; i < r->n; i++) {
        const struct noc_wait_node *nd = &r->nodes[i];
        fprintf(out, "  tile %u (%u,%u) %s", nd->tile, nd->x, nd->y, wait_kind_names[nd->kind]);
        if (nd->kind == NOC_WAIT_INPUT) fprintf(out, " port %s", noc_port_names[nd->port]);
        if (nd->kind == NOC_WAIT_INJECT)
            fprintf(out, ": %u words queued", nd->occupancy);
        else
            fprintf(out, ": %u/%u flits", nd->occupancy, nd->capacity);
        fprintf(out, "; head: packet %u flit %u (tile %u -> tile %u, %u flits); waits: %s\n",
                nd->pkt_id, nd->pkt_flit, nd->pkt_src, nd->pkt_dst, nd->pkt_len, nd->why);
    }
}

void noc_deadlock_report_write_json(const struct noc_deadlock_report *r, struct json_writer *w) {
    json_object_begin(w);
    json_kv_uint(w, "cycle", r->cycle);
    json_kv_uint(w, "stalled_since_cycle", r->stalled_since);
    json_key(w, "cycle_nodes");
    json_array_begin(w);
    for (size_t i = 0; i < r->n; i++) {
        const struct noc_wait_node *nd = &r->nodes[i];
        json_object_begin(w);
        json_kv_string(w, "kind", wait_kind_names[nd->kind]);
        json_kv_uint(w, "tile", nd->tile);
        json_kv_uint(w, "x", nd->x);
        json_kv_uint(w, "y", nd->y);
        json_kv_string(w, "port", noc_port_names[nd->port]);
        json_kv_uint(w, "occupancy", nd->occupancy); /* flits; words for "inject" */
        if (nd->kind != NOC_WAIT_INJECT) json_kv_uint(w, "capacity", nd->capacity);
        json_kv_uint(w, "packet", nd->pkt_id);
        json_kv_uint(w, "packet_src", nd->pkt_src);
        json_kv_uint(w, "packet_dst", nd->pkt_dst);
        json_kv_uint(w, "packet_flits", nd->pkt_len);
        json_kv_uint(w, "head_flit", nd->pkt_flit);
        json_kv_string(w, "waits_for", nd->why);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}
