/* sim/chip/exp/mcload_host.c: mcload on a client host. See mcload_host.h. */
#include "sim/chip/exp/mcload_host.h"

#include <stdio.h>
#include <stdlib.h>

#include "stack/sock.h"

struct mcload_host {
    struct sim_engine *e;
    struct client_host *h;
    struct mcload *mc;
    struct sock_rtc *rtc;
    uint64_t armed; /* the time of the pending poll (UINT64_MAX: none) */
};

static uint64_t engine_now(void *ctx) { return sim_engine_now(((struct mcload_host *)ctx)->e); }

static void poll_ev(void *ctx, struct client_host *h);
static void arm(struct mcload_host *x) {
    uint64_t due = mcload_next_due(x->mc);
    if (due == UINT64_MAX || due >= x->armed) return;
    sim_time_t now = sim_engine_now(x->e);
    x->armed = due;
    client_host_at(x->h, due > now ? due : now, poll_ev, x);
}
static void poll_ev(void *ctx, struct client_host *h) {
    struct mcload_host *x = ctx;
    (void)h;
    if (x->armed <= sim_engine_now(x->e)) x->armed = UINT64_MAX;
    mcload_poll(x->mc);
    arm(x);
}

/* The client's events, each followed by a new arm. */
static void on_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct mcload_host *x = ctx;
    mcload_events().new_conn(x->mc, id, lid, active, status);
    arm(x);
}
static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct mcload_host *x = ctx;
    mcload_events().new_data(x->mc, id, b, n);
    arm(x);
}
static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    mcload_events().data_acked(((struct mcload_host *)ctx)->mc, id, count);
}
static void on_remote_closed(void *ctx, struct sock_id id) {
    struct mcload_host *x = ctx;
    mcload_events().remote_closed(x->mc, id);
    arm(x);
}
static void on_cleanup(void *ctx, struct sock_id id) {
    mcload_events().cleanup(((struct mcload_host *)ctx)->mc, id);
}

static void start_ev(void *ctx, struct client_host *h) {
    struct mcload_host *x = ctx;
    (void)h;
    mcload_start(x->mc, sock_rtc_sock(x->rtc));
    arm(x);
}

struct mcload_host *mcload_host_create(struct sim_engine *e, struct client_host *h,
                                       const struct mcload_config *cfg, char *err, size_t errlen) {
    struct mcload_host *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    x->e = e;
    x->h = h;
    x->armed = UINT64_MAX;
    struct mcload_config c = *cfg;
    c.now = engine_now;
    c.ctx = x;
    x->mc = mcload_create(&c, NULL);
    struct sock_events ev = {on_new_conn, on_new_data, on_data_acked, on_remote_closed, on_cleanup};
    struct stk *s = client_host_stack(h);
    if (x->mc) x->rtc = sock_rtc_create(&s, 1, &ev, x, NULL);
    if (!x->rtc) {
        snprintf(err, errlen, "cannot create the memcached client (bad settings or no memory)");
        mcload_destroy(x->mc);
        free(x);
        return NULL;
    }
    return x;
}

void mcload_host_start_at(struct mcload_host *x, sim_time_t t) {
    client_host_at(x->h, t, start_ev, x);
}

const struct mcload *mcload_host_client(const struct mcload_host *x) { return x->mc; }

void mcload_host_unbind(struct mcload_host *x) {
    if (!x) return;
    sock_rtc_destroy(x->rtc);
    x->rtc = NULL;
}

void mcload_host_destroy(struct mcload_host *x) {
    if (!x) return;
    sock_rtc_destroy(x->rtc);
    mcload_destroy(x->mc);
    free(x);
}
