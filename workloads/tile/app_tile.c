/* workloads/tile/app_tile.c: the DLibOS application tile and the dlibos
 * transport. See app_tile.h. */
#include "workloads/tile/app_tile.h"

#include <errno.h>

#include "workloads/tile/stk_arena.h"

/* ---- commands (the transport's sock_ops; t: the app_tile) ---- */

static uint64_t *cmd(struct app_tile *a, unsigned net, unsigned words) {
    uint64_t *w = dmsg_reserve(&a->port, net, words);
    if (w) a->as.commands++;
    return w;
}

static int op_listen(void *t, uint64_t lid, uint16_t port, unsigned backlog) {
    struct app_tile *a = t;
    for (unsigned i = 0; i < a->nnets; i++) {
        uint64_t *w = cmd(a, a->nets[i], 3);
        if (!w) return -ENOMEM;
        w[0] = dmsg_hdr(DMSG_LISTEN, tile_id(a->t), 0, 0, 0);
        w[1] = lid;
        w[2] = (uint64_t)backlog << 16 | port;
    }
    return 0;
}

static int simple(struct app_tile *a, unsigned op, struct sock_id id, unsigned aux, bool word,
                  uint64_t value) {
    uint64_t *w = cmd(a, id.net, word ? 2 : 1);
    if (!w) return -EINVAL;
    w[0] = dmsg_hdr(op, tile_id(a->t), 0, aux, id.idx);
    if (word) w[1] = value;
    return 0;
}

static int op_accept(void *t, struct sock_id id, uint64_t lid) {
    return simple(t, DMSG_ACCEPT, id, 0, true, lid);
}
static int op_recv_done(void *t, struct sock_id id, size_t n) {
    return simple(t, DMSG_RECV_DONE, id, 0, true, n);
}
static int op_shutdown(void *t, struct sock_id id, int how) {
    return simple(t, DMSG_SHUTDOWN, id, (unsigned)how & 3u, false, 0);
}
static int op_close(void *t, struct sock_id id) { return simple(t, DMSG_CLOSE, id, 0, false, 0); }

static int op_connect(void *t, uint64_t cookie, uint32_t ip, uint16_t port) {
    struct app_tile *a = t;
    if (!a->nnets) return -ENETUNREACH;
    uint64_t *w = cmd(a, a->nets[a->rr++ % a->nnets], 3);
    if (!w) return -ENOMEM;
    w[0] = dmsg_hdr(DMSG_CONNECT, tile_id(a->t), 0, 0, 0);
    w[1] = cookie;
    w[2] = (uint64_t)ip << 16 | port;
    return 0;
}

/* A piece as a send word (region, offset, length); 0 if outside both regions. */
static uint64_t piece_word(const struct app_tile *a, const uint8_t *p, uint64_t len, bool more) {
    uint64_t m = more ? DMSG_SEND_MORE : 0;
    if (p >= a->heap && len <= a->heap_len && (uint64_t)(p - a->heap) <= a->heap_len - len)
        return m | (uint64_t)(p - a->heap) << 24 | len;
    if (p >= a->rx_base && len <= a->rx_len && (uint64_t)(p - a->rx_base) <= a->rx_len - len)
        return DMSG_SEND_RX | m | (uint64_t)(p - a->rx_base) << 24 | len;
    return 0;
}

static int op_send(void *t, struct sock_id id, const struct sock_sendbuf *v, unsigned n) {
    struct app_tile *a = t;
    unsigned max = dmsg_max_pieces(&a->port);
    /* the words first (all or nothing: a bad piece sends none) */
    uint64_t pieces[256];
    unsigned np = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = v[i].ptr;
        uint64_t left = v[i].len;
        do {
            uint64_t len = left < DMSG_PIECE_MAX ? left : DMSG_PIECE_MAX;
            bool more = len < left || (v[i].flags & SOCK_SEND_MORE);
            uint64_t word = piece_word(a, p, len, more);
            if (!word && len) {
                a->as.bad_pointer++;
                return -EFAULT;
            }
            if (np == sizeof pieces / sizeof pieces[0]) return -E2BIG;
            pieces[np++] = word;
            p += len;
            left -= len;
        } while (left);
    }
    for (unsigned i = 0; i < np;) {
        unsigned k = np - i < max ? np - i : max;
        uint64_t *r = cmd(a, id.net, 1 + k);
        if (!r) return -EINVAL;
        r[0] = dmsg_hdr(DMSG_SEND, tile_id(a->t), k, 0, id.idx);
        for (unsigned j = 0; j < k; j++) r[1 + j] = pieces[i + j];
        i += k;
    }
    return 0;
}

static const struct sock_ops dlibos_ops = {op_listen, op_accept,   op_connect, op_recv_done,
                                           op_send,   op_shutdown, op_close};

/* ---- events ---- */

static void run_event(struct app_tile *a, const uint64_t *r) {
    uint64_t h = r[0];
    struct sock_id id = {(uint16_t)dmsg_tile(h), dmsg_idx(h)};
    enum tile_label old = tile_label_set(a->t, TILE_LABEL_APP);
    a->as.events++;
    switch (dmsg_op(h)) {
    case DMSG_NEW_CONN: {
        unsigned aux = dmsg_aux(h);
        bool active = aux & DMSG_AUX_ACTIVE;
        int status = -(int)(aux & 0x7ffu);
        if (status) a->as.failed_connects++;
        a->ev.new_conn(a->inst, id, r[1], active, status);
        break;
    }
    case DMSG_NEW_DATA: {
        struct sock_buf b[TILE_UDN_MAX_WORDS];
        unsigned n = dmsg_n(h), k = 0;
        for (unsigned j = 0; j < n; j++) {
            uint64_t off = r[1 + j] >> 24, len = r[1 + j] & DMSG_PIECE_MAX;
            if (off > a->rx_len || len > a->rx_len - off) {
                a->as.bad_event++;
                continue;
            }
            b[k++] = (struct sock_buf){a->rx_base + off, (size_t)len};
        }
        if (k && a->inject_rx_write) { /* the test's violation: Rx memory is read-only here */
            a->inject_rx_write = false;
            volatile uint8_t *w = (volatile uint8_t *)(uintptr_t)b[0].ptr;
            w[0] = w[0];
        }
        if (k && a->busy_cycles) chip_app_busy(a->t, a->busy_cycles);
        if (k) a->ev.new_data(a->inst, id, b, k);
        break;
    }
    case DMSG_DATA_ACKED: a->ev.data_acked(a->inst, id, r[1]); break;
    case DMSG_REMOTE_CLOSED: a->ev.remote_closed(a->inst, id); break;
    case DMSG_CLEANUP: a->ev.cleanup(a->inst, id); break;
    default: a->as.bad_event++; break;
    }
    tile_label_set(a->t, old);
}

static void on_events(struct tile *t, void *ctx) {
    struct app_tile *a = ctx;
    tile_label_set(t, TILE_LABEL_STACK);
    uint64_t r[TILE_UDN_MAX_WORDS + 1];
    int k;
    while ((k = dmsg_read(&a->port, DMSG_Q_EVENTS, r, sizeof r / sizeof r[0])) != 0) {
        if (k < 0) {
            a->as.bad_event++;
            break;
        }
        run_event(a, r);
    }
    dmsg_flush(&a->port);
}

static void on_poll(struct tile *t, void *ctx) {
    struct app_tile *a = ctx;
    a->app->poll(a->inst, tile_now(t));
    tile_label_set(t, TILE_LABEL_STACK);
    dmsg_flush(&a->port);
    a->poll_timer = tile_timer_arm(t, a->every, on_poll, a);
}

static void app_tile_setup(struct tile *t, void *arg) {
    struct app_tile *a = arg;
    a->t = t;
    struct stk_alloc heap = stk_arena_proc(t);
    if (!dmsg_init(&a->port, t, a->ntiles, DMSG_Q_COMMANDS, a->batch_words, a->credit_checks,
                   a->retry_ps) ||
        !(a->inst = a->app->create(t, a->app_params, &heap))) {
        a->failed = true;
        return;
    }
    a->ev = a->app->events();
    a->sock = (struct sock){&dlibos_ops, a};
    tile_on_udn(t, DMSG_Q_EVENTS, on_events, a);
    if (a->app->start(a->inst, a->app_params, &a->sock) != 0) a->failed = true;
    a->every = a->app->poll && a->app->poll_every ? a->app->poll_every(a->app_params) : 0;
    if (a->every) a->poll_timer = tile_timer_arm(t, a->every, on_poll, a);
    tile_label_set(t, TILE_LABEL_STACK);
    dmsg_flush(&a->port);
}

void app_tile_main(struct tile *t, void *arg) {
    app_tile_setup(t, arg);
    ((struct app_tile *)arg)->done = true;
}
