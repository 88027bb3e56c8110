/* workloads/tile/chip_app.c: the servers as chip applications. See chip_app.h. */
#include "workloads/tile/chip_app.h"

#include "stack/stk_alloc.h"
#include "workloads/echo.h"

static void *http_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    (void)t;
    const struct chip_app_http *p = params;
    struct httpd *h = httpd_create(p->files, p->nfiles, alloc);
    if (h) httpd_set_idle_timeout(h, p->idle_timeout_ps);
    return h;
}
static int http_start(void *inst, const void *params, struct sock *k) {
    const struct chip_app_http *p = params;
    return httpd_start(inst, k, 1, p->port, p->backlog);
}
static void http_poll(void *inst, uint64_t now) { httpd_poll(inst, now); }
static uint64_t http_poll_every(const void *params) {
    const struct chip_app_http *p = params;
    return p->idle_timeout_ps / 4;
}

const struct chip_app chip_app_httpd = {"http",     http_create, httpd_events,
                                        http_start, http_poll,   http_poll_every};

static void *echo_app_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    (void)t, (void)params;
    return echo_create(alloc);
}
static int echo_app_start(void *inst, const void *params, struct sock *k) {
    const struct chip_app_echo *p = params;
    return echo_start(inst, k, 1, p->port, p->backlog);
}

const struct chip_app chip_app_echo = {"echo", echo_app_create, echo_events, echo_app_start, NULL,
                                       NULL};

static void *netpipe_app_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    (void)t;
    const struct chip_app_netpipe *p = params;
    struct netpipe_config c = {.mode = p->mode}; /* (start 0: learnt from the first ping) */
    return netpipe_create(&c, alloc);
}
static int netpipe_app_start(void *inst, const void *params, struct sock *k) {
    const struct chip_app_netpipe *p = params;
    return netpipe_start(inst, k, 1, p->port, p->backlog);
}

const struct chip_app chip_app_netpipe = {
    "netpipe", netpipe_app_create, netpipe_events, netpipe_app_start, NULL, NULL};

/* ---- memcached ---- */

static uint32_t mcd_clock(uint64_t now_ps) {
    return CHIP_APP_UNIX_EPOCH + (uint32_t)(now_ps / 1000000000000ull);
}
static void *mcd_app_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    const struct chip_app_memcached *p = params;
    struct mcd *m = mcd_create(p->store, alloc);
    if (m) mcd_set_time(m, mcd_clock(tile_now(t)));
    return m;
}
static int mcd_app_start(void *inst, const void *params, struct sock *k) {
    const struct chip_app_memcached *p = params;
    return mcd_start(inst, k, 1, p->port, p->backlog);
}
static void mcd_app_poll(void *inst, uint64_t now) { mcd_set_time(inst, mcd_clock(now)); }
static uint64_t mcd_app_poll_every(const void *params) {
    (void)params;
    return 1000000000000ull; /* 1 s: the store's clock counts seconds */
}

const struct chip_app chip_app_memcached = {"memcached",   mcd_app_create, mcd_events,
                                            mcd_app_start, mcd_app_poll,   mcd_app_poll_every};

/* ---- NetPIPE's transmitter ---- */

static uint64_t npc_now(void *ctx) {
    return tile_now(((struct chip_app_netpipe_client_inst *)ctx)->t);
}
static void npc_record(void *ctx, uint64_t bytes, uint64_t one_way_ps) {
    const struct chip_app_netpipe_client *p = ((struct chip_app_netpipe_client_inst *)ctx)->p;
    if (p->record) p->record(p->record_ctx, bytes, one_way_ps);
}

static void *npc_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    const struct chip_app_netpipe_client *p = params;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    struct chip_app_netpipe_client_inst *g = stk_mem_alloc(&a, sizeof *g);
    if (!g) return NULL;
    g->t = t;
    g->p = p;
    struct netpipe_client_config c = p->cfg;
    c.now = npc_now;
    c.record = npc_record;
    c.ctx = g;
    if (!(g->c = netpipe_client_create(&c, &a))) {
        stk_mem_free(&a, g);
        return NULL;
    }
    return g;
}
/* The events go to the client (the instance is its glue). */
static void npc_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    netpipe_client_events().new_conn(((struct chip_app_netpipe_client_inst *)ctx)->c, id, lid,
                                     active, status);
}
static void npc_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    netpipe_client_events().new_data(((struct chip_app_netpipe_client_inst *)ctx)->c, id, b, n);
}
static void npc_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    netpipe_client_events().data_acked(((struct chip_app_netpipe_client_inst *)ctx)->c, id, count);
}
static void npc_remote_closed(void *ctx, struct sock_id id) {
    netpipe_client_events().remote_closed(((struct chip_app_netpipe_client_inst *)ctx)->c, id);
}
static void npc_cleanup(void *ctx, struct sock_id id) {
    netpipe_client_events().cleanup(((struct chip_app_netpipe_client_inst *)ctx)->c, id);
}
static struct sock_events npc_events(void) {
    return (struct sock_events){npc_new_conn, npc_new_data, npc_data_acked, npc_remote_closed,
                                npc_cleanup};
}
static int npc_start(void *inst, const void *params, struct sock *k) {
    (void)params;
    ((struct chip_app_netpipe_client_inst *)inst)->k = k; /* connects at a poll after go */
    return 0;
}
static void npc_poll(void *inst, uint64_t now) {
    (void)now;
    struct chip_app_netpipe_client_inst *g = inst;
    if (g->started || !g->p->go || !*g->p->go) return;
    g->started = true;
    g->connect_rc = netpipe_client_start(g->c, g->k);
}
static uint64_t npc_poll_every(const void *params) {
    (void)params;
    return 100000000; /* 100 us */
}

const struct chip_app chip_app_netpipe_client = {"netpipe-client", npc_create, npc_events,
                                                 npc_start,        npc_poll,   npc_poll_every};

/* ---- the HTTP client ---- */

static uint64_t tile_clock(void *ctx) { return tile_now(ctx); }

static void *httpc_app_create(struct tile *t, const void *params, const struct stk_alloc *alloc) {
    struct httpc_config c = ((const struct chip_app_http_client *)params)->cfg;
    c.now = tile_clock;
    c.ctx = t;
    return httpc_create(&c, alloc);
}
static int httpc_app_start(void *inst, const void *params, struct sock *k) {
    (void)params;
    return httpc_start(inst, k);
}
static void httpc_app_poll(void *inst, uint64_t now) {
    (void)now;
    httpc_poll(inst);
}
static uint64_t httpc_app_poll_every(const void *params) {
    (void)params;
    return 100000000; /* 100 us: retry connects the transport refused at once */
}

const struct chip_app chip_app_httpc = {"http-client",   httpc_app_create, httpc_events,
                                        httpc_app_start, httpc_app_poll,   httpc_app_poll_every};

void chip_app_busy(struct tile *t, uint64_t cycles) {
    uint64_t end = tile_handler_cycles(t) + cycles;
    volatile uint64_t spins = 0;
    while (tile_handler_cycles(t) < end) spins = spins + 1;
}
