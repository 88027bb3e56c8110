/* workloads/tile/rtc_tile.c: the RTC tile program. See rtc_tile.h. */
#include "workloads/tile/rtc_tile.h"

#include "workloads/tile/stk_arena.h"

/* The application's events, labelled app (ctx: the rtc_tile); `first` runs
 * before the handler. */
#define EV(name, params, args, first)                                                              \
    static void ev_##name params {                                                                 \
        struct rtc_tile *r = ctx;                                                                  \
        enum tile_label old = tile_label_set(r->st.t, TILE_LABEL_APP);                             \
        first;                                                                                     \
        r->ev.name args;                                                                           \
        tile_label_set(r->st.t, old);                                                              \
    }
EV(new_conn, (void *ctx, struct sock_id id, uint64_t lid, bool active, int status),
   (r->inst, id, lid, active, status), (void)0)
EV(new_data, (void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n),
   (r->inst, id, b, n), if (r->busy_cycles) chip_app_busy(r->st.t, r->busy_cycles))
EV(data_acked, (void *ctx, struct sock_id id, uint64_t count), (r->inst, id, count), (void)0)
EV(remote_closed, (void *ctx, struct sock_id id), (r->inst, id), (void)0)
EV(cleanup, (void *ctx, struct sock_id id), (r->inst, id), (void)0)
#undef EV
static const struct sock_events labelled_events = {ev_new_conn, ev_new_data, ev_data_acked,
                                                   ev_remote_closed, ev_cleanup};

/* The transport's commands, labelled stack (t: the rtc_tile). */
#define CMD(name, params, args)                                                                    \
    static int cmd_##name params {                                                                 \
        struct rtc_tile *r = t;                                                                    \
        enum tile_label old = tile_label_set(r->st.t, TILE_LABEL_STACK);                           \
        int rc = r->k->ops->name args;                                                             \
        tile_label_set(r->st.t, old);                                                              \
        return rc;                                                                                 \
    }
CMD(listen, (void *t, uint64_t lid, uint16_t port, unsigned backlog), (r->k->t, lid, port, backlog))
CMD(accept, (void *t, struct sock_id id, uint64_t lid), (r->k->t, id, lid))
CMD(connect, (void *t, uint64_t cookie, uint32_t ip, uint16_t port), (r->k->t, cookie, ip, port))
CMD(recv_done, (void *t, struct sock_id id, size_t n), (r->k->t, id, n))
CMD(send, (void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n),
    (r->k->t, id, v, n))
CMD(shutdown, (void *t, struct sock_id id, int how), (r->k->t, id, how))
CMD(close, (void *t, struct sock_id id), (r->k->t, id))
#undef CMD
static const struct sock_ops labelled_ops = {cmd_listen, cmd_accept,   cmd_connect, cmd_recv_done,
                                             cmd_send,   cmd_shutdown, cmd_close};

static uint64_t rtc_hook(struct stk_tile *st, void *owner, uint64_t now) {
    struct rtc_tile *r = owner;
    (void)st;
    if (!r->app->poll || !r->every) return UINT64_MAX;
    if (now >= r->app_next) {
        enum tile_label old = tile_label_set(r->st.t, TILE_LABEL_APP);
        r->app->poll(r->inst, now);
        tile_label_set(r->st.t, old);
        r->app_next = now + r->every;
    }
    return r->app_next;
}

static void rtc_tile_setup(struct tile *t, void *arg) {
    struct rtc_tile *r = arg;
    r->st.t = t;
    struct stk_alloc heap = stk_arena_proc(t);
    r->inst = r->app->create(t, r->app_params, &heap);
    if (!r->inst) {
        r->failed = true;
        return;
    }
    r->ev = r->app->events();
    /* the stack is created with no application; the transport binds it */
    if (!stk_tile_start(&r->st, t, NULL, rtc_hook, r)) {
        r->failed = true;
        return;
    }
    r->rtc = sock_rtc_create(&r->st.s, 1, &labelled_events, r, &heap);
    if (!r->rtc) {
        r->failed = true;
        return;
    }
    r->k = sock_rtc_sock(r->rtc);
    r->sock = (struct sock){&labelled_ops, r};
    r->every = r->app->poll_every ? r->app->poll_every(r->app_params) : 0;
    r->app_next = tile_now(t) + r->every;
    if (r->app->start(r->inst, r->app_params, &r->sock) != 0) r->failed = true;
    stk_tile_end(&r->st);
}

void rtc_tile_main(struct tile *t, void *arg) {
    rtc_tile_setup(t, arg);
    ((struct rtc_tile *)arg)->done = true;
}
