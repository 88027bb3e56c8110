/* workloads/tile/chip_app.c: the servers as chip applications. See chip_app.h. */
#include "workloads/tile/chip_app.h"

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
