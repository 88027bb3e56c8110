#include "workloads/echo.h"
#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

struct echo_conn {
    uint64_t sent, acked;
    bool rclosed, closed;
};

struct echo_srv {
    struct sock *k;
    uint64_t lid;
    struct connmap conns;
    struct echo_stats st;
    struct stk_alloc alloc;
};

struct echo_srv *echo_create(const struct stk_alloc *alloc) {
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct echo_srv *e = stk_mem_alloc(&a, sizeof *e);
    if (!e) return NULL;
    e->alloc = a;
    connmap_init(&e->conns, &a);
    return e;
}

void echo_destroy(struct echo_srv *e) {
    if (!e) return;
    for (size_t i = 0; i < e->conns.cap; i++)
        if (e->conns.t[i].key) stk_mem_free(&e->alloc, e->conns.t[i].val);
    connmap_fini(&e->conns);
    struct stk_alloc a = e->alloc;
    stk_mem_free(&a, e);
}

int echo_start(struct echo_srv *e, struct sock *k, uint64_t lid, uint16_t port, unsigned backlog) {
    e->k = k;
    e->lid = lid;
    return sock_listen(k, lid, port, backlog);
}

const struct echo_stats *echo_stats(const struct echo_srv *e) { return &e->st; }

static void maybe_close(struct echo_srv *e, struct sock_id id, struct echo_conn *c) {
    if (c->rclosed && !c->closed && c->acked == c->sent) {
        c->closed = true;
        sock_close(e->k, id);
    }
}

static void on_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct echo_srv *e = ctx;
    if (active || status < 0 || lid != e->lid) return;
    struct echo_conn *c = stk_mem_alloc(&e->alloc, sizeof *c);
    if (!c || !connmap_put(&e->conns, id, c)) {
        stk_mem_free(&e->alloc, c);
        e->st.errors++;
        return;
    }
    e->st.conns++;
    sock_accept(e->k, id, lid);
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct echo_srv *e = ctx;
    struct echo_conn *c = connmap_get(&e->conns, id);
    if (!c) return;
    struct sock_sendbuf v[64];
    unsigned k = 0;
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        v[k++] = (struct sock_sendbuf){b[i].ptr, b[i].len, 0};
        total += b[i].len;
        if (k == 64 || i + 1 == n) {
            if (sock_send(e->k, id, v, k) != 0) {
                /* Out of send resources: give up on this connection. */
                e->st.errors++;
                c->closed = true;
                sock_close(e->k, id);
                return;
            }
            k = 0;
        }
    }
    c->sent += total;
    e->st.bytes += total;
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct echo_srv *e = ctx;
    struct echo_conn *c = connmap_get(&e->conns, id);
    if (!c || c->closed) return;
    c->acked += count;
    /* Each echoed byte is one received byte, in the same order. */
    sock_recv_done(e->k, id, count);
    maybe_close(e, id, c);
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct echo_srv *e = ctx;
    struct echo_conn *c = connmap_get(&e->conns, id);
    if (!c) return;
    c->rclosed = true;
    maybe_close(e, id, c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct echo_srv *e = ctx;
    stk_mem_free(&e->alloc, connmap_del(&e->conns, id));
}

struct sock_events echo_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
