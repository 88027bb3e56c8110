/* workloads/netpipe.c: NetPIPE's receiver on the socket layer. See netpipe.h. */
#include "workloads/netpipe.h"
#include "workloads/connmap.h"
#include "workloads/ledger.h"

#include "stack/stk_alloc.h"

#include <string.h>

void netpipe_sizes_init(struct netpipe_sizes *s, unsigned start, unsigned pert) {
    s->start = start;
    s->pert = pert;
    s->len = start;
    s->inc = start > 1 ? start / 2 : 1;
    s->nq = start > 1 ? 1 : 0; /* as NetPIPE 3.7 */
    s->first = true;
    s->pert_cur = 0;
}

/* Mirrors NetPIPE's main loop: for (nq = 0, len = start;; len += inc, nq++)
 * { if (nq > 2) inc = nq % 2 ? 2 * inc : inc; for (pert ...) size = len + pert; } */
uint64_t netpipe_sizes_next(struct netpipe_sizes *s) {
    int P = (int)s->pert;
    for (;;) {
        if (s->first) {
            s->first = false;
            if (s->nq > 2 && (s->nq % 2)) s->inc *= 2;
            s->pert_cur = s->inc > (uint64_t)P + 1 ? -P : 0;
        } else {
            int step = s->inc > (uint64_t)P + 1 && P > 0 ? P : P + 1;
            s->pert_cur += step;
        }
        if (s->pert_cur <= P) {
            int64_t v = (int64_t)s->len + s->pert_cur;
            if (v >= (1ll << 32)) return 0;
            if (v > 0) return (uint64_t)v;
            continue;
        }
        s->len += s->inc;
        s->nq++;
        s->first = true;
    }
}

const char *const netpipe_mode_names[] = {"zerocopy", "copy", "nocopy", NULL};

enum np_state { NP_SYNC, NP_QUIT, NP_PING, NP_COUNT, NP_DATA, NP_DONE };
enum np_after { AFTER_SYNC0, AFTER_SYNC1, AFTER_SIZE_SYNC, AFTER_TRIAL_SYNC };

struct np_conn {
    enum np_state st;
    enum np_after after;
    uint8_t tok[8];
    unsigned tok_got, tok_need;
    uint64_t remaining; /* echo bytes left in this phase */
    uint32_t repeat;
    unsigned trial, start, pert, trials;
    bool learn;
    uint64_t len;
    struct netpipe_sizes sizes;
    struct ledger led;
    bool rclosed, closed;
    /* copy and nocopy */
    uint64_t msg_got;       /* bytes of the current message received */
    uint64_t rx_free;       /* received bytes to return at once (nothing refers to them) */
    struct np_txbuf *cur;   /* copy: the message being filled */
    struct np_txbuf *fixed; /* nocopy: the current size's buffer */
    uint64_t fixed_len;
    bool fixed_filled;
    struct np_txbuf *fly_head, *fly_tail; /* sent, freed once acknowledged */
};

/* A Tx buffer: freed once TCP has acknowledged the stream up to `end`. */
struct np_txbuf {
    struct np_txbuf *next;
    uint64_t end; /* tx position after the last send from it */
    uint8_t data[];
};

struct netpipe_srv {
    struct netpipe_config cfg;
    struct sock *k;
    uint64_t lid;
    struct connmap conns;
    struct netpipe_stats st;
    struct stk_alloc alloc;
    /* the replies to a sync and a quit, sent from here: from the
     * allocator's memory, which a transport may send from (the UDN one only
     * sends from the process heap and Rx memory, not the program image) */
    uint8_t sync_tx[6], quit_tx[5];
};

static const uint8_t SYNC_MSG[6] = {'S', 'y', 'n', 'c', 'M', 'e'};
static const uint8_t QUIT_MSG[5] = {'Q', 'U', 'I', 'T', 0};

struct netpipe_srv *netpipe_create(const struct netpipe_config *cfg,
                                   const struct stk_alloc *alloc) {
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct netpipe_srv *n = stk_mem_alloc(&a, sizeof *n);
    if (!n) return NULL;
    n->alloc = a;
    if (cfg) n->cfg = *cfg;
    memcpy(n->sync_tx, SYNC_MSG, sizeof n->sync_tx);
    memcpy(n->quit_tx, QUIT_MSG, sizeof n->quit_tx);
    connmap_init(&n->conns, &a);
    return n;
}

static void conn_free(struct netpipe_srv *n, struct np_conn *c) {
    ledger_fini(&c->led);
    while (c->fly_head) {
        struct np_txbuf *b = c->fly_head;
        c->fly_head = b->next;
        stk_mem_free(&n->alloc, b);
    }
    stk_mem_free(&n->alloc, c->cur);
    stk_mem_free(&n->alloc, c->fixed);
    stk_mem_free(&n->alloc, c);
}

void netpipe_destroy(struct netpipe_srv *n) {
    if (!n) return;
    for (size_t i = 0; i < n->conns.cap; i++)
        if (n->conns.t[i].key) conn_free(n, n->conns.t[i].val);
    connmap_fini(&n->conns);
    struct stk_alloc a = n->alloc;
    stk_mem_free(&a, n);
}

int netpipe_start(struct netpipe_srv *n, struct sock *k, uint64_t lid, uint16_t port,
                  unsigned backlog) {
    n->k = k;
    n->lid = lid;
    return sock_listen(k, lid, port, backlog);
}

const struct netpipe_stats *netpipe_stats(const struct netpipe_srv *n) { return &n->st; }

static void expect_sync(struct np_conn *c, enum np_after after) {
    c->st = NP_SYNC;
    c->after = after;
    c->tok_got = 0;
    c->tok_need = 6;
}

static void on_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct netpipe_srv *n = ctx;
    if (active || status < 0 || lid != n->lid) return;
    struct np_conn *c = stk_mem_alloc(&n->alloc, sizeof *c);
    if (!c || !connmap_put(&n->conns, id, c)) {
        stk_mem_free(&n->alloc, c);
        return;
    }
    ledger_init(&c->led, &n->alloc);
    c->learn = n->cfg.start == 0;
    c->start = n->cfg.start;
    c->pert = n->cfg.perturbation;
    c->trials = n->cfg.trials ? n->cfg.trials : 3;
    expect_sync(c, AFTER_SYNC0);
    n->st.conns++;
    sock_accept(n->k, id, lid);
}

static void send_const(struct netpipe_srv *n, struct sock_id id, struct np_conn *c,
                       const uint8_t *p, size_t len) {
    struct sock_sendbuf v = {p, len, 0};
    if (sock_send(n->k, id, &v, 1) == 0) ledger_add(&c->led, len, 0);
}

/* The connection is given up (closed; what arrives later is counted). */
static void conn_abort(struct netpipe_srv *n, struct sock_id id, struct np_conn *c) {
    c->st = NP_DONE;
    if (!c->closed) {
        c->closed = true;
        sock_close(n->k, id);
    }
}

static void proto_error(struct netpipe_srv *n, struct sock_id id, struct np_conn *c) {
    n->st.protocol_errors++;
    c->st = NP_DONE;
    if (!c->closed) {
        c->closed = true;
        sock_close(n->k, id);
    }
}

static void next_size(struct netpipe_srv *n, struct np_conn *c) {
    (void)n;
    c->len = netpipe_sizes_next(&c->sizes);
    expect_sync(c, AFTER_SIZE_SYNC);
}

static void txbuf_fly(struct np_conn *c, struct np_txbuf *b);

/* A complete token (sync, quit or count) arrived. */
static void token_done(struct netpipe_srv *n, struct sock_id id, struct np_conn *c) {
    switch (c->st) {
    case NP_QUIT:
        if (memcmp(c->tok, QUIT_MSG, 5) != 0) return proto_error(n, id, c);
        send_const(n, id, c, n->quit_tx, sizeof n->quit_tx);
        n->st.completed++;
        c->st = NP_DONE;
        return;
    case NP_SYNC:
        if (memcmp(c->tok, SYNC_MSG, 6) != 0) return proto_error(n, id, c);
        send_const(n, id, c, n->sync_tx, sizeof n->sync_tx);
        switch (c->after) {
        case AFTER_SYNC0:
            c->st = NP_PING;
            c->remaining = c->learn ? 0 : 100ull * c->start;
            return;
        case AFTER_SYNC1:
            if (!c->start) return proto_error(n, id, c);
            /* nocopy: the pings' buffer is not the measured messages' (the
             * pings carry other bytes: NPtcp -i checks them) */
            if (c->fixed) txbuf_fly(c, c->fixed);
            c->fixed = NULL;
            netpipe_sizes_init(&c->sizes, c->start, c->pert);
            next_size(n, c);
            return;
        case AFTER_SIZE_SYNC:
            c->st = NP_COUNT;
            c->tok_got = 0;
            c->tok_need = 4;
            return;
        case AFTER_TRIAL_SYNC:
            c->st = NP_DATA;
            c->remaining = (uint64_t)c->repeat * c->len;
            if (!c->remaining) return proto_error(n, id, c);
            return;
        }
        return;
    case NP_COUNT:
        c->repeat = (uint32_t)c->tok[0] << 24 | (uint32_t)c->tok[1] << 16 |
                    (uint32_t)c->tok[2] << 8 | c->tok[3];
        c->trial = 0;
        if (c->repeat == 0 || c->len == 0) return proto_error(n, id, c);
        expect_sync(c, AFTER_TRIAL_SYNC);
        return;
    default: return;
    }
}

/* Echo phase finished. */
static void echo_done(struct netpipe_srv *n, struct np_conn *c) {
    if (c->st == NP_PING) {
        expect_sync(c, AFTER_SYNC1);
        return;
    }
    n->st.sizes_done += c->trial + 1 == c->trials;
    if (++c->trial < c->trials)
        expect_sync(c, AFTER_TRIAL_SYNC);
    else
        next_size(n, c);
}

/* Received bytes nothing refers to any more: zerocopy returns them in
 * order through the ledger (behind the echoes that refer to earlier ones);
 * copy and nocopy at the end of this event. */
static void rx_consumed(struct netpipe_srv *n, struct np_conn *c, uint64_t bytes) {
    if (n->cfg.mode == NETPIPE_ZEROCOPY)
        ledger_add(&c->led, 0, bytes);
    else
        c->rx_free += bytes;
}

static struct np_txbuf *txbuf_new(struct netpipe_srv *n, uint64_t len) {
    struct np_txbuf *b = stk_mem_alloc(&n->alloc, sizeof *b + (len ? len : 1));
    if (!b) n->st.no_memory++;
    return b;
}

/* Puts b on the list of buffers in flight (freed once acknowledged). */
static void txbuf_fly(struct np_conn *c, struct np_txbuf *b) {
    b->next = NULL;
    b->end = c->led.tx_sent;
    if (c->fly_tail)
        c->fly_tail->next = b;
    else
        c->fly_head = b;
    c->fly_tail = b;
}

/* copy and nocopy: up to the end of the current message of [p, p + len)
 * is taken in (copied where the mode copies); a complete message is sent
 * back from its Tx buffer. Returns the bytes taken; 0 when the connection
 * was closed (no memory or a failed send). */
static size_t copy_echo(struct netpipe_srv *n, struct sock_id id, struct np_conn *c,
                        const uint8_t *p, size_t len) {
    const uint64_t mlen = c->st == NP_PING ? c->start : c->len;
    size_t take = len < c->remaining ? len : (size_t)c->remaining;
    if (take > mlen - c->msg_got) take = (size_t)(mlen - c->msg_got);
    struct np_txbuf *b;
    if (n->cfg.mode == NETPIPE_COPY) {
        if (!c->cur && !(c->cur = txbuf_new(n, mlen))) return conn_abort(n, id, c), 0;
        b = c->cur;
        memcpy(b->data + c->msg_got, p, take);
        n->st.bytes_copied += take;
    } else {
        if (c->msg_got == 0 && (!c->fixed || c->fixed_len != mlen)) {
            if (c->fixed) txbuf_fly(c, c->fixed); /* (its end: its last send) */
            c->fixed = NULL;
            if (!(c->fixed = txbuf_new(n, mlen))) return conn_abort(n, id, c), 0;
            c->fixed_len = mlen;
            c->fixed_filled = false;
        }
        b = c->fixed;
        if (!c->fixed_filled) {
            memcpy(b->data + c->msg_got, p, take);
            n->st.bytes_copied += take;
        }
    }
    rx_consumed(n, c, take);
    c->msg_got += take;
    c->remaining -= take;
    if (c->msg_got < mlen) return take;
    c->msg_got = 0;
    struct sock_sendbuf v = {b->data, (size_t)mlen, 0};
    if (sock_send(n->k, id, &v, 1) != 0) return proto_error(n, id, c), 0;
    ledger_add(&c->led, mlen, 0);
    n->st.bytes_echoed += mlen;
    if (n->cfg.mode == NETPIPE_COPY) {
        txbuf_fly(c, b);
        c->cur = NULL;
    } else {
        c->fixed_filled = true;
        b->end = c->led.tx_sent;
    }
    return take;
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned nb) {
    struct netpipe_srv *n = ctx;
    struct np_conn *c = connmap_get(&n->conns, id);
    if (!c || c->closed) return;
    for (unsigned i = 0; i < nb && !c->closed; i++) {
        const uint8_t *p = b[i].ptr;
        size_t len = b[i].len;
        while (len && !c->closed) {
            if (c->st == NP_PING && c->learn && c->remaining == 0) {
                /* The first ping: its size is `start`, which picks the mode. */
                c->start = (unsigned)len;
                c->learn = false;
                c->pert = c->start == 1 ? 3 : 0;
                c->trials = c->start == 1 ? 3 : 1;
                c->remaining = 100ull * c->start;
            }
            if ((c->st == NP_PING || c->st == NP_DATA) && n->cfg.mode != NETPIPE_ZEROCOPY) {
                size_t take = copy_echo(n, id, c, p, len);
                if (!take) return;
                p += take;
                len -= take;
                if (!c->remaining) echo_done(n, c);
                continue;
            }
            if (c->st == NP_PING || c->st == NP_DATA) {
                size_t take = len < c->remaining ? len : (size_t)c->remaining;
                struct sock_sendbuf v = {p, take, 0};
                if (sock_send(n->k, id, &v, 1) != 0) return proto_error(n, id, c);
                ledger_add(&c->led, take, take);
                n->st.bytes_echoed += take;
                c->remaining -= take;
                p += take;
                len -= take;
                if (!c->remaining) echo_done(n, c);
                continue;
            }
            if (c->st == NP_DONE) {
                rx_consumed(n, c, len);
                n->st.protocol_errors++;
                len = 0;
                continue;
            }
            /* Token bytes: copied, released in order through the ledger. */
            if (c->st == NP_SYNC && c->tok_got == 0 && p[0] == 'Q') {
                c->st = NP_QUIT;
                c->tok_need = 5;
            }
            size_t take = c->tok_need - c->tok_got;
            if (take > len) take = len;
            memcpy(c->tok + c->tok_got, p, take);
            c->tok_got += (unsigned)take;
            p += take;
            len -= take;
            rx_consumed(n, c, take);
            if (c->tok_got == c->tok_need) token_done(n, id, c);
        }
    }
    if (c->closed) return;
    uint64_t release_now = ledger_take_ready(&c->led) + c->rx_free;
    c->rx_free = 0;
    if (release_now) sock_recv_done(n->k, id, release_now);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct netpipe_srv *n = ctx;
    struct np_conn *c = connmap_get(&n->conns, id);
    if (!c || c->closed) return;
    uint64_t r = ledger_acked(&c->led, count);
    if (r) sock_recv_done(n->k, id, r);
    while (c->fly_head && c->fly_head->end <= c->led.tx_acked) {
        struct np_txbuf *b = c->fly_head;
        c->fly_head = b->next;
        if (!c->fly_head) c->fly_tail = NULL;
        stk_mem_free(&n->alloc, b);
    }
    if (c->rclosed && c->led.tx_acked == c->led.tx_sent) {
        c->closed = true;
        sock_close(n->k, id);
    }
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct netpipe_srv *n = ctx;
    struct np_conn *c = connmap_get(&n->conns, id);
    if (!c || c->closed) return;
    c->rclosed = true;
    if (c->led.tx_acked == c->led.tx_sent) {
        c->closed = true;
        sock_close(n->k, id);
    }
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct netpipe_srv *n = ctx;
    struct np_conn *c = connmap_del(&n->conns, id);
    if (c) conn_free(n, c);
}

struct sock_events netpipe_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
