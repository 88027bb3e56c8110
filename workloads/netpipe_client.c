/* workloads/netpipe_client.c: NPtcp's transmitter. See netpipe_client.h. */
#include "workloads/netpipe_client.h"

#include <string.h>

#include "stack/stk_alloc.h"
#include "workloads/netpipe.h"

#define PINGS 100u

enum npc_state { C_CONNECTING, C_SYNC, C_PING, C_DATA, C_QUIT, C_DONE };
/* what follows the sync being awaited */
enum npc_after { A_PING, A_SIZES, A_COUNT, A_TRIAL };

struct netpipe_client {
    struct netpipe_client_config cfg;
    struct stk_alloc alloc;
    struct sock *k;
    struct sock_id id;
    bool have_id, closed;
    uint8_t *buf; /* the message (its first `size` bytes), never written after create */
    uint64_t buf_len;
    uint8_t count[4]; /* the repeat count, big endian (the same for every size) */
    /* the sync and quit tokens, sent from here: the allocator's memory,
     * which a transport may send from (the UDN one refuses the program
     * image) */
    uint8_t sync_tx[6], quit_tx[5];
    enum npc_state st;
    enum npc_after after;
    uint8_t tok[8];
    unsigned tok_got, tok_need;
    uint64_t size, got; /* the message in flight and the bytes of its echo so far */
    unsigned round, trial;
    uint64_t t0, best;
    struct netpipe_sizes sizes;
    struct netpipe_client_stats st_;
};

static const uint8_t SYNC_MSG[6] = {'S', 'y', 'n', 'c', 'M', 'e'};
static const uint8_t QUIT_MSG[5] = {'Q', 'U', 'I', 'T', 0};

struct netpipe_client *netpipe_client_create(const struct netpipe_client_config *cfg,
                                             const struct stk_alloc *alloc) {
    if (!cfg || !cfg->now || !cfg->repeats || !cfg->max_bytes ||
        cfg->max_bytes > ((uint64_t)1 << 31) || (!cfg->integrity && !cfg->trials))
        return NULL;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct netpipe_client *c = stk_mem_alloc(&a, sizeof *c);
    if (!c) return NULL;
    c->alloc = a;
    c->cfg = *cfg;
    if (cfg->integrity) {
        c->cfg.start = 5;
        c->cfg.perturbation = 0;
        c->cfg.trials = 1;
    }
    if (!c->cfg.start) c->cfg.start = 1;
    c->buf_len = c->cfg.max_bytes + c->cfg.perturbation + 4;
    if (c->buf_len < c->cfg.start) c->buf_len = c->cfg.start;
    c->buf = stk_mem_alloc(&a, c->buf_len);
    if (!c->buf) {
        stk_mem_free(&a, c);
        return NULL;
    }
    for (uint64_t i = 0; i < c->buf_len; i++) {
        if (c->cfg.integrity) /* int32 i / 4, little endian */
            c->buf[i] = (uint8_t)((i / 4) >> (8 * (i % 4)));
        else
            c->buf[i] = (uint8_t)('a' + i % 26);
    }
    c->count[0] = (uint8_t)(c->cfg.repeats >> 24);
    c->count[1] = (uint8_t)(c->cfg.repeats >> 16);
    c->count[2] = (uint8_t)(c->cfg.repeats >> 8);
    c->count[3] = (uint8_t)c->cfg.repeats;
    memcpy(c->sync_tx, SYNC_MSG, sizeof c->sync_tx);
    memcpy(c->quit_tx, QUIT_MSG, sizeof c->quit_tx);
    c->st = C_CONNECTING;
    return c;
}

void netpipe_client_destroy(struct netpipe_client *c) {
    if (!c) return;
    struct stk_alloc a = c->alloc;
    stk_mem_free(&a, c->buf);
    stk_mem_free(&a, c);
}

int netpipe_client_start(struct netpipe_client *c, struct sock *k) {
    c->k = k;
    return sock_connect(k, 0, c->cfg.server_ip, c->cfg.port);
}

bool netpipe_client_done(const struct netpipe_client *c) { return c->st == C_DONE; }
const struct netpipe_client_stats *netpipe_client_stats(const struct netpipe_client *c) {
    return &c->st_;
}

/* The run ends here (the connection is closed if it is open). */
static void finish(struct netpipe_client *c) {
    c->st = C_DONE;
    if (c->have_id && !c->closed) {
        c->closed = true;
        sock_close(c->k, c->id);
    }
}

static bool send_bytes(struct netpipe_client *c, const uint8_t *p, uint64_t len) {
    struct sock_sendbuf v = {p, (size_t)len, 0};
    if (sock_send(c->k, c->id, &v, 1) != 0) {
        c->st_.send_failed++;
        finish(c);
        return false;
    }
    c->st_.bytes_sent += len;
    return true;
}

static void expect_token(struct netpipe_client *c, enum npc_state st, unsigned need) {
    c->st = st;
    c->tok_got = 0;
    c->tok_need = need;
}

static void send_sync(struct netpipe_client *c, enum npc_after after) {
    c->after = after;
    expect_token(c, C_SYNC, sizeof SYNC_MSG);
    send_bytes(c, c->sync_tx, sizeof c->sync_tx);
}

static void send_message(struct netpipe_client *c) {
    c->got = 0;
    send_bytes(c, c->buf, c->size);
}

/* The next size, or the quit past the last one. */
static void next_size(struct netpipe_client *c) {
    c->size = netpipe_sizes_next(&c->sizes);
    if (!c->size || c->sizes.len > c->cfg.max_bytes) {
        expect_token(c, C_QUIT, sizeof QUIT_MSG);
        send_bytes(c, c->quit_tx, sizeof c->quit_tx);
        return;
    }
    send_sync(c, A_COUNT);
}

static void sync_done(struct netpipe_client *c) {
    switch (c->after) {
    case A_PING:
        c->st = C_PING;
        c->round = 0;
        c->size = c->cfg.start;
        send_message(c);
        return;
    case A_SIZES:
        netpipe_sizes_init(&c->sizes, c->cfg.start, c->cfg.perturbation);
        next_size(c);
        return;
    case A_COUNT:
        if (!send_bytes(c, c->count, sizeof c->count)) return;
        c->trial = 0;
        c->best = UINT64_MAX;
        send_sync(c, A_TRIAL);
        return;
    case A_TRIAL:
        c->st = C_DATA;
        c->round = 0;
        c->t0 = c->cfg.now(c->cfg.ctx);
        send_message(c);
        return;
    }
}

/* A whole echo arrived. */
static void echo_done(struct netpipe_client *c) {
    c->round++;
    if (c->st == C_PING) {
        if (c->round < PINGS)
            send_message(c);
        else
            send_sync(c, A_SIZES);
        return;
    }
    if (c->round < c->cfg.repeats) {
        send_message(c);
        return;
    }
    uint64_t t = c->cfg.now(c->cfg.ctx) - c->t0;
    if (t < c->best) c->best = t;
    if (++c->trial < c->cfg.trials) {
        send_sync(c, A_TRIAL);
        return;
    }
    if (c->cfg.record) c->cfg.record(c->cfg.ctx, c->size, c->best / (2ull * c->cfg.repeats));
    c->st_.sizes_done++;
    next_size(c);
}

static void on_new_conn(void *ctx, struct sock_id id, uint64_t cookie, bool active, int status) {
    struct netpipe_client *c = ctx;
    if (!active || cookie != 0 || c->st != C_CONNECTING) return;
    if (status < 0) {
        c->st_.connect_failed++;
        c->st = C_DONE;
        return;
    }
    c->id = id;
    c->have_id = true;
    send_sync(c, A_PING);
}

/* Takes in [p, p + len) in the current state; returns the bytes used. */
static size_t take_bytes(struct netpipe_client *c, const uint8_t *p, size_t len) {
    if (c->st == C_PING || c->st == C_DATA) {
        uint64_t want = c->size - c->got;
        size_t n = len < want ? len : (size_t)want;
        for (size_t i = 0; i < n; i++) c->st_.mismatched_bytes += p[i] != c->buf[c->got + i];
        c->got += n;
        if (c->got == c->size) echo_done(c);
        return n;
    }
    if (c->st == C_SYNC || c->st == C_QUIT) {
        size_t n = c->tok_need - c->tok_got;
        if (n > len) n = len;
        memcpy(c->tok + c->tok_got, p, n);
        c->tok_got += (unsigned)n;
        if (c->tok_got < c->tok_need) return n;
        if (c->st == C_SYNC && !memcmp(c->tok, SYNC_MSG, sizeof SYNC_MSG)) {
            sync_done(c);
        } else if (c->st == C_QUIT && !memcmp(c->tok, QUIT_MSG, sizeof QUIT_MSG)) {
            c->st_.completed = true;
            finish(c);
        } else {
            c->st_.protocol_errors++;
            finish(c);
        }
        return n;
    }
    /* bytes nobody asked for */
    if (c->st != C_DONE) {
        c->st_.protocol_errors++;
        finish(c);
    }
    return len;
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned nb) {
    struct netpipe_client *c = ctx;
    if (!c->have_id || id.idx != c->id.idx || id.net != c->id.net) return;
    uint64_t total = 0;
    for (unsigned i = 0; i < nb; i++) {
        const uint8_t *p = b[i].ptr;
        size_t len = b[i].len;
        total += len;
        c->st_.bytes_received += len;
        while (len) {
            size_t n = take_bytes(c, p, len);
            p += n;
            len -= n;
        }
    }
    if (total && !c->closed) sock_recv_done(c->k, id, (size_t)total);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    (void)ctx, (void)id, (void)count;
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct netpipe_client *c = ctx;
    if (!c->have_id || id.idx != c->id.idx || id.net != c->id.net) return;
    if (c->st != C_DONE) c->st_.closed_early++;
    finish(c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct netpipe_client *c = ctx;
    if (!c->have_id || id.idx != c->id.idx || id.net != c->id.net) return;
    if (c->st != C_DONE) c->st_.closed_early++;
    c->st = C_DONE;
    c->have_id = false;
}

struct sock_events netpipe_client_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
