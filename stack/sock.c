/* stack/sock.c: the rtc transport of the socket layer (sock.h): events from
 * a stack instance call the application's handlers directly; commands call
 * the stack directly. Cost: one indirect call each way, no copies. */
#include "stack/sock.h"
#include "stack/stk.h"
#include "stack/stk_alloc.h"

#include <errno.h>
#include <stddef.h>

_Static_assert(sizeof(struct sock_buf) == sizeof(struct stk_iov) &&
                   offsetof(struct sock_buf, ptr) == offsetof(struct stk_iov, base) &&
                   offsetof(struct sock_buf, len) == offsetof(struct stk_iov, len),
               "sock_buf and stk_iov must share a layout");
_Static_assert(sizeof(struct sock_sendbuf) == sizeof(struct stk_sendv) &&
                   offsetof(struct sock_sendbuf, len) == offsetof(struct stk_sendv, len) &&
                   offsetof(struct sock_sendbuf, flags) == offsetof(struct stk_sendv, flags) &&
                   SOCK_SEND_MORE == STK_SEND_MORE && SOCK_SHUT_RD == STK_SHUT_RD &&
                   SOCK_SHUT_WR == STK_SHUT_WR,
               "sock_sendbuf and stk_sendv must share a layout");

struct rtc_net {
    struct sock_rtc *r;
    uint16_t net;
};

struct sock_rtc {
    struct sock sock;
    struct sock_events ev;
    void *app_ctx;
    unsigned n;
    unsigned next_connect;
    struct stk *nets[SOCK_RTC_MAX_NETS];
    struct rtc_net ctx[SOCK_RTC_MAX_NETS];
    struct stk_alloc alloc;
};

static struct sock_id mkid(const struct rtc_net *c, uint32_t id) {
    return (struct sock_id){c->net, id};
}

static void ev_new_conn(void *ctx, uint32_t id, uint64_t tag, bool active, int status) {
    struct rtc_net *c = ctx;
    if (c->r->ev.new_conn) c->r->ev.new_conn(c->r->app_ctx, mkid(c, id), tag, active, status);
}
static void ev_new_data(void *ctx, uint32_t id, const struct stk_iov *v, unsigned n) {
    struct rtc_net *c = ctx;
    if (c->r->ev.new_data)
        c->r->ev.new_data(c->r->app_ctx, mkid(c, id), (const struct sock_buf *)(const void *)v, n);
}
static void ev_data_acked(void *ctx, uint32_t id, uint64_t count) {
    struct rtc_net *c = ctx;
    if (c->r->ev.data_acked) c->r->ev.data_acked(c->r->app_ctx, mkid(c, id), count);
}
static void ev_remote_closed(void *ctx, uint32_t id) {
    struct rtc_net *c = ctx;
    if (c->r->ev.remote_closed) c->r->ev.remote_closed(c->r->app_ctx, mkid(c, id));
}
static void ev_cleanup(void *ctx, uint32_t id) {
    struct rtc_net *c = ctx;
    if (c->r->ev.cleanup) c->r->ev.cleanup(c->r->app_ctx, mkid(c, id));
}

static struct stk *net_of(struct sock_rtc *r, struct sock_id id) {
    return id.net < r->n ? r->nets[id.net] : NULL;
}

static int rtc_listen(void *t, uint64_t lid, uint16_t port, unsigned backlog) {
    struct sock_rtc *r = t;
    for (unsigned i = 0; i < r->n; i++) {
        int rc = stk_tcp_listen(r->nets[i], port, backlog, lid);
        if (rc) return rc;
    }
    return 0;
}
static int rtc_accept(void *t, struct sock_id id, uint64_t lid) {
    (void)lid;
    struct stk *s = net_of(t, id);
    return s ? stk_tcp_accept(s, id.idx) : -EINVAL;
}
static int rtc_connect(void *t, uint64_t cookie, uint32_t ip, uint16_t port) {
    struct sock_rtc *r = t;
    unsigned k = r->next_connect++ % r->n;
    return stk_tcp_connect(r->nets[k], ip, port, cookie, NULL);
}
static int rtc_recv_done(void *t, struct sock_id id, size_t n) {
    struct stk *s = net_of(t, id);
    return s ? stk_tcp_recv_done(s, id.idx, n) : -EINVAL;
}
static int rtc_send(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n) {
    struct stk *s = net_of(t, id);
    return s ? stk_tcp_send(s, id.idx, (const struct stk_sendv *)(const void *)v, n) : -EINVAL;
}
static int rtc_shutdown(void *t, struct sock_id id, int f) {
    struct stk *s = net_of(t, id);
    return s ? stk_tcp_shutdown(s, id.idx, f) : -EINVAL;
}
static int rtc_close(void *t, struct sock_id id) {
    struct stk *s = net_of(t, id);
    return s ? stk_tcp_close(s, id.idx) : -EINVAL;
}

static const struct sock_ops rtc_ops = {
    .listen = rtc_listen,
    .accept = rtc_accept,
    .connect = rtc_connect,
    .recv_done = rtc_recv_done,
    .send = rtc_send,
    .shutdown = rtc_shutdown,
    .close = rtc_close,
};

struct sock_rtc *sock_rtc_create(struct stk *const *nets, unsigned n, const struct sock_events *ev,
                                 void *app_ctx, const struct stk_alloc *alloc) {
    if (n == 0 || n > SOCK_RTC_MAX_NETS || !ev) return NULL;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct sock_rtc *r = stk_mem_alloc(&a, sizeof *r);
    if (!r) return NULL;
    r->alloc = a;
    r->sock.ops = &rtc_ops;
    r->sock.t = r;
    r->ev = *ev;
    r->app_ctx = app_ctx;
    r->n = n;
    for (unsigned i = 0; i < n; i++) {
        r->nets[i] = nets[i];
        r->ctx[i].r = r;
        r->ctx[i].net = (uint16_t)i;
        struct stk_app a = {
            .new_conn = ev_new_conn,
            .new_data = ev_new_data,
            .data_acked = ev_data_acked,
            .remote_closed = ev_remote_closed,
            .cleanup = ev_cleanup,
            .ctx = &r->ctx[i],
        };
        stk_set_app(nets[i], &a);
    }
    return r;
}

void sock_rtc_destroy(struct sock_rtc *r) {
    if (!r) return;
    struct stk_alloc a = r->alloc;
    stk_mem_free(&a, r);
}
struct sock *sock_rtc_sock(struct sock_rtc *r) {
    return &r->sock;
}
