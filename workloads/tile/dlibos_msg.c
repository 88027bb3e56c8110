/* workloads/tile/dlibos_msg.c: the DLibOS message layer. See dlibos_msg.h. */
#include "workloads/tile/dlibos_msg.h"

#include <string.h>

struct dmsg_box {
    unsigned used;
    bool listed;  /* in the dirty list (once, even when sent and refilled) */
    uint64_t w[]; /* max_words */
};

struct dmsg_pending {
    struct dmsg_pending *next;
    unsigned n;
    uint64_t w[];
};

int dmsg_tail_words(uint64_t h) {
    switch (dmsg_op(h)) {
    case DMSG_NEW_CONN: return 1;
    case DMSG_NEW_DATA: return (int)dmsg_n(h);
    case DMSG_DATA_ACKED: return 1;
    case DMSG_REMOTE_CLOSED: return 0;
    case DMSG_CLEANUP: return 0;
    case DMSG_LISTEN: return 2;
    case DMSG_ACCEPT: return 1;
    case DMSG_CONNECT: return 2;
    case DMSG_RECV_DONE: return 1;
    case DMSG_SEND: return (int)dmsg_n(h);
    case DMSG_SHUTDOWN: return 0;
    case DMSG_CLOSE: return 0;
    default: return -1;
    }
}

bool dmsg_init(struct dmsg_port *p, struct tile *t, unsigned ntiles, unsigned queue,
               unsigned max_words, bool checks, uint64_t retry_ps) {
    memset(p, 0, sizeof *p);
    if (max_words < DMSG_RECORD_MAX_FIXED || max_words > TILE_UDN_MAX_WORDS || !ntiles)
        return false;
    p->t = t;
    p->queue = queue;
    /* A credit-checked message must fit the injection buffer as a whole:
     * the credit register, read while nothing is queued, says how much that
     * is (without it, a longer message would wait for credits forever). */
    if (checks) {
        uint64_t room = tile_udn_credits(t, 0, queue);
        if (room < DMSG_RECORD_MAX_FIXED) return false; /* no record could ever be sent */
        if (room < max_words) max_words = (unsigned)room;
    }
    p->max_words = max_words;
    p->checks = checks;
    p->retry_ps = retry_ps;
    p->ntiles = ntiles;
    p->box = tile_alloc(t, ntiles * sizeof *p->box);
    p->dirty = tile_alloc(t, ntiles * sizeof *p->dirty);
    p->phead = tile_alloc(t, ntiles * sizeof *p->phead);
    p->ptail = tile_alloc(t, ntiles * sizeof *p->ptail);
    p->to_msgs = tile_alloc(t, ntiles * sizeof *p->to_msgs);
    p->to_words = tile_alloc(t, ntiles * sizeof *p->to_words);
    if (!p->box || !p->dirty || !p->phead || !p->ptail || !p->to_msgs || !p->to_words) return false;
    memset(p->to_msgs, 0, ntiles * sizeof *p->to_msgs);
    memset(p->to_words, 0, ntiles * sizeof *p->to_words);
    memset(p->box, 0, ntiles * sizeof *p->box);
    memset(p->phead, 0, ntiles * sizeof *p->phead);
    memset(p->ptail, 0, ntiles * sizeof *p->ptail);
    return true;
}

/* Sends (or queues) the n words at w to dst. */
static void send_or_queue(struct dmsg_port *p, unsigned dst, const uint64_t *w, unsigned n);

uint64_t *dmsg_reserve(struct dmsg_port *p, unsigned dst, unsigned words) {
    if (dst >= p->ntiles || words == 0 || words > p->max_words) return NULL;
    struct dmsg_box *b = p->box[dst];
    if (!b) {
        b = tile_alloc(p->t, sizeof *b + p->max_words * sizeof b->w[0]);
        if (!b) return NULL;
        b->used = 0;
        b->listed = false;
        p->box[dst] = b;
    }
    if (b->used + words > p->max_words) { /* full: this message leaves now */
        send_or_queue(p, dst, b->w, b->used);
        b->used = 0;
    }
    if (!b->listed) { /* (at most ntiles entries: each destination once) */
        b->listed = true;
        p->dirty[p->ndirty++] = (uint16_t)dst;
    }
    uint64_t *at = b->w + b->used;
    b->used += words;
    p->st.records++;
    return at;
}

static void retry_timer(struct tile *t, void *ctx);

static bool try_send(struct dmsg_port *p, unsigned dst, const uint64_t *w, unsigned n) {
    if (!p->checks) {
        tile_udn_send(p->t, dst, p->queue, w, n);
    } else if (tile_udn_credits(p->t, dst, p->queue) < n ||
               tile_udn_try_send(p->t, dst, p->queue, w, n) != 1) {
        return false;
    }
    p->st.messages++;
    p->st.words += n;
    p->to_msgs[dst]++;
    p->to_words[dst] += n;
    return true;
}

static void enqueue(struct dmsg_port *p, unsigned dst, const uint64_t *w, unsigned n) {
    struct dmsg_pending *q = tile_alloc(p->t, sizeof *q + n * sizeof q->w[0]);
    if (!q) {
        p->st.lost++;
        return;
    }
    q->next = NULL;
    q->n = n;
    memcpy(q->w, w, n * sizeof w[0]);
    if (p->ptail[dst])
        p->ptail[dst]->next = q;
    else {
        p->phead[dst] = q;
        p->waiting++;
    }
    p->ptail[dst] = q;
    p->st.queued++;
}

/* Sends dst's queued messages in order while credits allow. */
static void drain_pending(struct dmsg_port *p, unsigned dst) {
    struct dmsg_pending *q;
    while ((q = p->phead[dst]) && try_send(p, dst, q->w, q->n)) {
        p->st.retries++;
        p->phead[dst] = q->next;
        if (!q->next) {
            p->ptail[dst] = NULL;
            p->waiting--;
        }
        tile_free(p->t, q);
    }
}

static void send_or_queue(struct dmsg_port *p, unsigned dst, const uint64_t *w, unsigned n) {
    if (p->phead[dst]) drain_pending(p, dst);
    if (p->phead[dst] || !try_send(p, dst, w, n)) enqueue(p, dst, w, n);
}

void dmsg_flush(struct dmsg_port *p) {
    for (unsigned i = 0; i < p->ndirty; i++) {
        unsigned dst = p->dirty[i];
        struct dmsg_box *b = p->box[dst];
        if (b->used) send_or_queue(p, dst, b->w, b->used);
        b->used = 0;
        b->listed = false;
    }
    p->ndirty = 0;
    for (unsigned dst = 0; p->waiting && dst < p->ntiles; dst++)
        if (p->phead[dst]) drain_pending(p, dst);
    if (p->waiting && !p->timer_armed && p->retry_ps) {
        p->timer_armed = tile_timer_arm(p->t, p->retry_ps, retry_timer, p) != 0;
    }
}

static void retry_timer(struct tile *t, void *ctx) {
    struct dmsg_port *p = ctx;
    (void)t;
    p->timer_armed = false;
    dmsg_flush(p);
}

int dmsg_read(struct dmsg_port *p, unsigned q, uint64_t *rec, size_t cap) {
    if (tile_udn_avail(p->t, q) == 0) return 0;
    tile_udn_recv(p->t, q, rec, 1);
    int tail = dmsg_tail_words(rec[0]);
    if (tail < 0 || (size_t)tail + 1 > cap) {
        uint64_t junk[16];
        while (tile_udn_recv(p->t, q, junk, 16) > 0) {}
        p->st.bad_records++;
        return -1;
    }
    if (tail > 0) tile_udn_recv_wait(p->t, q, rec + 1, (size_t)tail);
    return tail + 1;
}
