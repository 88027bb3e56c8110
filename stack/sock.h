/* stack/sock.h: the socket layer of DLibOS (Table 1), independent of the
 * transport that carries it.
 *
 * Events (net -> app): new_conn(id, listen_id), new_data(id, {ptr,len}[]),
 * data_acked(id, count), remote_closed(id), cleanup(id). Commands (app ->
 * net): accept(id, listen_id), connect(cookie, dst_ip, dst_port),
 * recv_done(id, count), send(id, {ptr,len,flags}[]), shutdown(id, flags),
 * close(id). Plus listen(listen_id, port, backlog), a setup call the paper
 * leaves implicit. A connection id is (network instance, index): one name
 * space per network instance (paper 4.2).
 *
 * Contract: new_data references stay valid until the application returns the
 * bytes with recv_done (in order, any granularity) or closes (and at least
 * until the handler that closes returns); memory passed to
 * send stays the application's and must stay untouched until data_acked has
 * covered it (zero-touch); the same memory may be in flight on many
 * connections. cleanup(id) is the last event for an id: afterwards nothing
 * refers to its buffers and the id is dead. A failed connect arrives as
 * new_conn(id, cookie, active, status < 0) followed by cleanup(id). No event
 * handler is ever called from inside a command: handlers may issue any
 * command, including close of the connection they were called for.
 *
 * Transports implement `struct sock_ops`: this module provides `rtc` (direct
 * calls into stack instances on the same tile, paper 4.1); the UDN
 * transport comes with the chip. Application code sees only `struct sock`.
 *
 * Memory: a transport's state and the servers' instances come from the
 * allocator passed in at creation (struct stk_alloc, stack/stk_defs.h; NULL:
 * the default, stack/stk_alloc.h), never from anywhere else.
 */
#ifndef TESSERA_STACK_SOCK_H
#define TESSERA_STACK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stk_defs.h"

struct stk;

struct sock_id {
    uint16_t net;
    uint32_t idx;
};

struct sock_buf {
    const void *ptr;
    size_t len;
};

struct sock_sendbuf {
    const void *ptr;
    size_t len;
    unsigned flags; /* SOCK_SEND_MORE: more follows, no PSH */
};
#define SOCK_SEND_MORE 1u
#define SOCK_SHUT_RD 1
#define SOCK_SHUT_WR 2

struct sock_events {
    void (*new_conn)(void *ctx, struct sock_id id, uint64_t listen_id, bool active, int status);
    void (*new_data)(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n);
    void (*data_acked)(void *ctx, struct sock_id id, uint64_t count);
    void (*remote_closed)(void *ctx, struct sock_id id);
    void (*cleanup)(void *ctx, struct sock_id id);
};

struct sock_ops {
    int (*listen)(void *t, uint64_t listen_id, uint16_t port, unsigned backlog);
    int (*accept)(void *t, struct sock_id id, uint64_t listen_id);
    int (*connect)(void *t, uint64_t cookie, uint32_t dst_ip, uint16_t dst_port);
    int (*recv_done)(void *t, struct sock_id id, size_t count);
    int (*send)(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n);
    int (*shutdown)(void *t, struct sock_id id, int flags);
    int (*close)(void *t, struct sock_id id);
};

/* What an application holds: a transport's command table. */
struct sock {
    const struct sock_ops *ops;
    void *t;
};

static inline int sock_listen(struct sock *k, uint64_t lid, uint16_t port, unsigned backlog) {
    return k->ops->listen(k->t, lid, port, backlog);
}
static inline int sock_accept(struct sock *k, struct sock_id id, uint64_t lid) {
    return k->ops->accept(k->t, id, lid);
}
static inline int sock_connect(struct sock *k, uint64_t cookie, uint32_t ip, uint16_t port) {
    return k->ops->connect(k->t, cookie, ip, port);
}
static inline int sock_recv_done(struct sock *k, struct sock_id id, size_t n) {
    return k->ops->recv_done(k->t, id, n);
}
static inline int sock_send(struct sock *k, struct sock_id id, const struct sock_sendbuf *v,
                            unsigned n) {
    return k->ops->send(k->t, id, v, n);
}
static inline int sock_shutdown(struct sock *k, struct sock_id id, int f) {
    return k->ops->shutdown(k->t, id, f);
}
static inline int sock_close(struct sock *k, struct sock_id id) { return k->ops->close(k->t, id); }

/* ---- rtc: direct calls into stack instances in the same address space ---- */

#define SOCK_RTC_MAX_NETS 64

struct sock_rtc;

/* Binds the application's handlers to `n` stack instances (net i is
 * nets[i]); replaces their application callbacks. connect() round-robins
 * over the instances; listen() listens on all of them. Its state comes
 * from `alloc` (NULL: the default). */
struct sock_rtc *sock_rtc_create(struct stk *const *nets, unsigned n, const struct sock_events *ev,
                                 void *app_ctx, const struct stk_alloc *alloc);
void sock_rtc_destroy(struct sock_rtc *r);
/* The command table to hand to the application. */
struct sock *sock_rtc_sock(struct sock_rtc *r);

#endif
