/* workloads/tile/net_tile.c: the DLibOS network tile program. See net_tile.h. */
#include "workloads/tile/net_tile.h"

#include <string.h>

#include "stack/stk.h"

/* ---- flows: (remote ip, remote port, local port) -> application tile ---- */

struct net_flow {
    uint64_t key; /* 0: empty; else ip << 32 | rport << 16 | lport, + 1 */
    uint16_t app;
    bool dead; /* removed (probe chains go on) */
};

static uint32_t flow_hash(uint64_t key) {
    key ^= key >> 29;
    key *= 0xbf58476d1ce4e5b9ull;
    return (uint32_t)(key >> 32);
}

static uint64_t flow_key(uint32_t ip, uint16_t rport, uint16_t lport) {
    return ((uint64_t)ip << 32 | (uint64_t)rport << 16 | lport) + 1;
}

static struct net_flow *flow_find(struct net_tile *n, uint64_t key) {
    for (uint32_t i = flow_hash(key) & n->flow_mask, k = 0; k <= n->flow_mask;
         i = (i + 1) & n->flow_mask, k++) {
        struct net_flow *f = &n->flows[i];
        if (f->key == key && !f->dead) return f;
        if (f->key == 0) return NULL;
    }
    return NULL;
}

/* The slot (+ 1) of the new entry, 0 when the table is full. */
static uint32_t flow_add(struct net_tile *n, uint64_t key, uint16_t app) {
    for (uint32_t i = flow_hash(key) & n->flow_mask, k = 0; k <= n->flow_mask;
         i = (i + 1) & n->flow_mask, k++) {
        struct net_flow *f = &n->flows[i];
        if (f->key == 0 || f->dead) {
            f->key = key;
            f->app = app;
            f->dead = false;
            return i + 1;
        }
    }
    return 0;
}

/* ---- Rx credits (the driver's admit / released hooks) ---- */

/* Tag: the owner tile + 1 for a data frame of a known flow, 0 otherwise.
 * The device's classifier already parsed the headers: the descriptor says
 * TCP and where the IP and TCP headers start. */
static int admit(void *ctx, const struct tile_pkt *pk) {
    struct net_tile *n = ctx;
    if (!(pk->flags & TILE_PKT_TCP)) return 0;
    const uint8_t *ip = (const uint8_t *)pk->data + pk->l3_off;
    const uint8_t *th = (const uint8_t *)pk->data + pk->l4_off;
    unsigned total = (unsigned)ip[2] << 8 | ip[3];
    if (total <= (unsigned)(pk->l4_off - pk->l3_off) + (th[12] >> 4) * 4u)
        return 0; /* no payload: ACKs always pass */
    uint32_t src = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
    uint16_t sport = (uint16_t)(th[0] << 8 | th[1]), dport = (uint16_t)(th[2] << 8 | th[3]);
    struct net_flow *fl = flow_find(n, flow_key(src, sport, dport));
    if (!fl) return 0;
    if (n->held[fl->app] >= n->rx_credits) {
        n->ns.rx_credit_drops++;
        return -1;
    }
    n->held[fl->app]++;
    return (int)fl->app + 1;
}

static void released(void *ctx, int tag) {
    struct net_tile *n = ctx;
    if (n->held[tag - 1]) n->held[tag - 1]--;
}

/* ---- events: stack -> application tile ---- */

static unsigned owner_of(const struct net_tile *n, uint32_t id);

static void ev_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct net_tile *n = ctx;
    uint32_t slot = id & 0xffffu;
    unsigned app, aux = 0;
    if (active) { /* the application tile that asked for it (cmd_connect) */
        app = owner_of(n, id);
        if (app == UINT32_MAX) return;
        aux = DMSG_AUX_ACTIVE | ((unsigned)(status < 0 ? -status : 0) & 0x7ffu);
    } else {
        if (n->nreach == 0 || slot >= n->st.cfg.max_conns) return;
        app = n->reach[n->rr++ % n->nreach];
        n->conn[slot] = (struct net_conn){id, (uint16_t)(app + 1), 0};
    }
    uint64_t *w = dmsg_reserve(&n->port, app, 2);
    if (!w) return;
    w[0] = dmsg_hdr(DMSG_NEW_CONN, tile_id(n->st.t), 0, aux, id);
    w[1] = tag;
    n->ns.new_conns++;
    n->ns.events++;
}

static unsigned owner_of(const struct net_tile *n, uint32_t id) {
    uint32_t slot = id & 0xffffu;
    if (slot >= n->st.cfg.max_conns || n->conn[slot].id != id || !n->conn[slot].app1)
        return UINT32_MAX;
    return n->conn[slot].app1 - 1u;
}

static void ev_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned cnt) {
    struct net_tile *n = ctx;
    unsigned app = owner_of(n, id);
    if (app == UINT32_MAX) return;
    unsigned max = dmsg_max_pieces(&n->port);
    for (unsigned i = 0; i < cnt;) {
        unsigned k = cnt - i < max ? cnt - i : max;
        uint64_t *w = dmsg_reserve(&n->port, app, 1 + k);
        if (!w) return;
        w[0] = dmsg_hdr(DMSG_NEW_DATA, tile_id(n->st.t), k, 0, id);
        for (unsigned j = 0; j < k; j++) {
            const uint8_t *b = v[i + j].base;
            uint64_t off = (uint64_t)(b - n->rx_base); /* payload is in Rx memory */
            w[1 + j] = off << 24 | (v[i + j].len & DMSG_PIECE_MAX);
        }
        i += k;
        n->ns.events++;
    }
}

static void ev_simple(struct net_tile *n, uint32_t id, unsigned op, bool has_word, uint64_t word) {
    unsigned app = owner_of(n, id);
    if (app == UINT32_MAX) return;
    uint64_t *w = dmsg_reserve(&n->port, app, has_word ? 2 : 1);
    if (!w) return;
    w[0] = dmsg_hdr(op, tile_id(n->st.t), 0, 0, id);
    if (has_word) w[1] = word;
    n->ns.events++;
}

static void ev_data_acked(void *ctx, uint32_t id, uint64_t count) {
    ev_simple(ctx, id, DMSG_DATA_ACKED, true, count);
}
static void ev_remote_closed(void *ctx, uint32_t id) {
    ev_simple(ctx, id, DMSG_REMOTE_CLOSED, false, 0);
}
static void ev_cleanup(void *ctx, uint32_t id) {
    struct net_tile *n = ctx;
    ev_simple(n, id, DMSG_CLEANUP, false, 0);
    if (owner_of(n, id) == UINT32_MAX) return;
    struct net_conn *c = &n->conn[id & 0xffffu];
    if (c->flow1) n->flows[c->flow1 - 1].dead = true;
    *c = (struct net_conn){0, 0, 0};
}

/* ---- commands: application tile -> stack ---- */

/* The connection of a command from `app`, or UINT32_MAX (not its own). */
static uint32_t owned(struct net_tile *n, uint64_t h, unsigned app) {
    uint32_t id = dmsg_idx(h);
    if (owner_of(n, id) != app) {
        n->ns.not_owner++;
        return UINT32_MAX;
    }
    return id;
}

/* The flow of connection id for the Rx credits (admit). */
static void flow_track(struct net_tile *n, uint32_t id, unsigned app) {
    struct stk_tcp_info in;
    struct net_conn *c = &n->conn[id & 0xffffu];
    if (stk_tcp_info(n->st.s, id, &in) == 0 && !c->flow1)
        c->flow1 =
            flow_add(n, flow_key(in.remote_ip, in.remote_port, in.local_port), (uint16_t)app);
}

static void cmd_accept(struct net_tile *n, uint32_t id, unsigned app) {
    if (stk_tcp_accept(n->st.s, id) != 0) {
        n->ns.cmd_errors++;
        return;
    }
    flow_track(n, id, app);
}

static void cmd_send(struct net_tile *n, const uint64_t *r, uint32_t id, unsigned app) {
    unsigned cnt = dmsg_n(r[0]);
    struct stk_sendv v[TILE_UDN_MAX_WORDS];
    const struct dl_mem *heap = &n->mem[app];
    for (unsigned j = 0; j < cnt; j++) {
        uint64_t p = r[1 + j];
        uint64_t off = (p >> 24) & ((1ull << DMSG_OFF_BITS_SEND) - 1), len = p & DMSG_PIECE_MAX;
        const uint8_t *base = p & DMSG_SEND_RX ? n->rx_base : heap->base;
        uint64_t lim = p & DMSG_SEND_RX ? n->rx_len : heap->len;
        if (!base || off > lim || len > lim - off) {
            n->ns.bad_pointer++;
            return;
        }
        v[j] = (struct stk_sendv){base + off, (size_t)len, p & DMSG_SEND_MORE ? STK_SEND_MORE : 0};
    }
    if (stk_tcp_send(n->st.s, id, v, cnt) != 0) n->ns.cmd_errors++;
}

static void cmd_listen(struct net_tile *n, const uint64_t *r) {
    uint16_t port = (uint16_t)r[2];
    for (unsigned i = 0; i < n->nports; i++)
        if (n->ports[i] == port) {
            n->ns.listen_dup++;
            return;
        }
    if (n->nports == sizeof n->ports / sizeof n->ports[0] ||
        stk_tcp_listen(n->st.s, port, (unsigned)(r[2] >> 16), r[1]) != 0) {
        n->ns.cmd_errors++;
        return;
    }
    n->ports[n->nports++] = port;
}

/* An active open: the stack takes a local port whose replies the device
 * steers to this tile's ring (the driver's port_ok, nic_drv.h); the
 * connection belongs to the tile that asked. A connect the stack refuses at
 * once is answered with a failed new_conn and cleanup (id UINT32_MAX). */
static void cmd_connect(struct net_tile *n, const uint64_t *r, unsigned app) {
    uint32_t id;
    int rc = stk_tcp_connect(n->st.s, (uint32_t)(r[2] >> 16), (uint16_t)r[2], r[1], &id);
    if (rc == 0) {
        n->conn[id & 0xffffu] = (struct net_conn){id, (uint16_t)(app + 1), 0};
        flow_track(n, id, app);
        n->ns.connects++;
        return;
    }
    n->ns.connect_refused++;
    uint64_t *w = dmsg_reserve(&n->port, app, 3);
    if (!w) return;
    w[0] = dmsg_hdr(DMSG_NEW_CONN, tile_id(n->st.t), 0, DMSG_AUX_ACTIVE | ((unsigned)-rc & 0x7ffu),
                    UINT32_MAX);
    w[1] = r[1];
    w[2] = dmsg_hdr(DMSG_CLEANUP, tile_id(n->st.t), 0, 0, UINT32_MAX);
}

static void run_command(struct net_tile *n, const uint64_t *r) {
    unsigned app = dmsg_tile(r[0]);
    if (app >= n->ntiles || !n->mem[app].base) {
        n->ns.bad_command++;
        return;
    }
    n->ns.commands++;
    struct stk *s = n->st.s;
    uint32_t id;
    switch (dmsg_op(r[0])) {
    case DMSG_LISTEN: cmd_listen(n, r); break;
    case DMSG_CONNECT: cmd_connect(n, r, app); break;
    case DMSG_ACCEPT:
        if ((id = owned(n, r[0], app)) != UINT32_MAX) cmd_accept(n, id, app);
        break;
    case DMSG_RECV_DONE:
        if ((id = owned(n, r[0], app)) != UINT32_MAX && stk_tcp_recv_done(s, id, (size_t)r[1]))
            n->ns.cmd_errors++;
        break;
    case DMSG_SEND:
        if ((id = owned(n, r[0], app)) != UINT32_MAX) cmd_send(n, r, id, app);
        break;
    case DMSG_SHUTDOWN:
        if ((id = owned(n, r[0], app)) != UINT32_MAX &&
            stk_tcp_shutdown(s, id, (int)dmsg_aux(r[0])))
            n->ns.cmd_errors++;
        break;
    case DMSG_CLOSE:
        if ((id = owned(n, r[0], app)) != UINT32_MAX && stk_tcp_close(s, id)) n->ns.cmd_errors++;
        break;
    default: n->ns.bad_command++; break; /* an event op sent as a command */
    }
}

static void on_commands(struct tile *t, void *ctx) {
    struct net_tile *n = ctx;
    stk_poll(n->st.s, tile_now(t)); /* the stack's clock to now before any command */
    uint64_t r[TILE_UDN_MAX_WORDS + 1];
    int k;
    while ((k = dmsg_read(&n->port, DMSG_Q_COMMANDS, r, sizeof r / sizeof r[0])) != 0) {
        if (k < 0) {
            n->ns.bad_command++;
            break;
        }
        run_command(n, r);
    }
    stk_tile_end(&n->st);
}

/* After every handler run of the stack tile: the batched events leave. */
static uint64_t net_hook(struct stk_tile *st, void *owner, uint64_t now) {
    (void)st, (void)now;
    struct net_tile *n = owner;
    dmsg_flush(&n->port);
    return UINT64_MAX;
}

static void net_tile_setup(struct tile *t, void *arg) {
    struct net_tile *n = arg;
    n->st.t = t;
    uint32_t conns = n->st.cfg.max_conns;
    uint32_t slots = 16;
    while (slots < 2 * conns) slots <<= 1;
    n->conn = tile_alloc(t, conns * sizeof *n->conn);
    n->held = tile_alloc(t, n->ntiles * sizeof *n->held);
    n->flows = tile_alloc(t, slots * sizeof *n->flows);
    n->flow_mask = slots - 1;
    if (!n->conn || !n->held || !n->flows ||
        !dmsg_init(&n->port, t, n->ntiles, DMSG_Q_EVENTS, n->batch_words, n->credit_checks,
                   n->retry_ps)) {
        n->failed = true;
        return;
    }
    memset(n->conn, 0, conns * sizeof *n->conn);
    memset(n->held, 0, n->ntiles * sizeof *n->held);
    memset(n->flows, 0, slots * sizeof *n->flows);
    struct stk_app app = {ev_new_conn, ev_new_data, ev_data_acked, ev_remote_closed, ev_cleanup, n};
    if (!stk_tile_start(&n->st, t, &app, net_hook, n)) {
        n->failed = true;
        return;
    }
    n->st.d->admit = admit;
    n->st.d->released = released;
    n->st.d->hook_ctx = n;
    tile_on_udn(t, DMSG_Q_COMMANDS, on_commands, n);
    stk_tile_end(&n->st);
}

void net_tile_main(struct tile *t, void *arg) {
    net_tile_setup(t, arg);
    ((struct net_tile *)arg)->done = true;
}
