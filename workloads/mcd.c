#include "workloads/mcd.h"
#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

#include <string.h>

#define RING_RESERVE 4096 /* ring room a command needs before it runs (stats: ~2 KiB) */
#define KEY_RESERVE 512   /* ring room per key of a multi-get */
#define SEND_BATCH 64     /* references per send */

enum { ST_CMD, ST_DATA, ST_SWALLOW };

/* One piece of output: text in the ring, or an item's value (held). */
struct outent {
    const char *ptr;
    uint32_t len;
    uint32_t ring; /* ring bytes it frees when acknowledged (with wrap waste) */
    struct mcd_item *it;
};

struct mconn {
    struct sock_id id;
    /* received bytes not read yet: references into the stack's buffers */
    struct sock_buf *held;
    unsigned hh, ht, held_cap; /* unread: held[hh..ht) */
    size_t held_off;           /* bytes of held[hh] already read */
    /* find_line's progress: the first scan_len unread bytes (up to
     * held[scan_seg] + scan_pos) hold no "\n" (0: nothing scanned yet) */
    unsigned scan_seg;
    size_t scan_pos, scan_len;
    size_t consumed; /* read, not yet returned with recv_done */
    char *line;      /* a command line that spans segments, copied */
    size_t line_cap;
    int st;
    /* ST_DATA: the item being filled; ST_SWALLOW: bytes to drop */
    struct mcd_item *nit;
    uint64_t left, got, swallow;
    enum mcd_op op;
    uint64_t cas;
    bool noreply;      /* the current command's reply is suppressed */
    size_t get_resume; /* a multi-get paused before this key (0: none) */
    /* output */
    char *ring;
    uint64_t rhead, rtail; /* ring positions, monotonic */
    struct outent *q;      /* FIFO: [qhead, qhead + nsent) sent, then unsent */
    size_t qhead, qn, qcap, nsent;
    uint64_t out_bytes, acked_partial;
    bool rclosed, closed;
};

struct mcd {
    struct mcd_store *store;
    struct sock *k;
    uint64_t lid;
    struct connmap conns;
    struct mcd_stats st;
    uint32_t start, now;
    bool started;
    struct stk_alloc alloc;
};

struct mcd *mcd_create(struct mcd_store *store, const struct stk_alloc *alloc) {
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a) || !store) return NULL;
    struct mcd *m = stk_mem_alloc(&a, sizeof *m);
    if (!m) return NULL;
    m->alloc = a;
    m->store = store;
    connmap_init(&m->conns, &a);
    return m;
}

static void conn_free(struct mcd *m, struct mconn *c) {
    for (size_t i = 0; i < c->qn; i++) {
        struct outent *e = &c->q[(c->qhead + i) % c->qcap];
        if (e->it) mcd_item_release_tx(m->store, e->it);
    }
    if (c->nit) mcd_item_release(m->store, c->nit);
    stk_mem_free(&m->alloc, c->q);
    stk_mem_free(&m->alloc, c->ring);
    stk_mem_free(&m->alloc, c->line);
    stk_mem_free(&m->alloc, c->held);
    stk_mem_free(&m->alloc, c);
}

void mcd_destroy(struct mcd *m) {
    if (!m) return;
    for (size_t i = 0; i < m->conns.cap; i++)
        if (m->conns.t[i].key) conn_free(m, m->conns.t[i].val);
    connmap_fini(&m->conns);
    struct stk_alloc a = m->alloc;
    stk_mem_free(&a, m);
}

int mcd_start(struct mcd *m, struct sock *k, uint64_t lid, uint16_t port, unsigned backlog) {
    m->k = k;
    m->lid = lid;
    return sock_listen(k, lid, port, backlog);
}

const struct mcd_stats *mcd_stats(struct mcd *m) {
    struct mcd_store_stats ss;
    mcd_store_stats(m->store, &ss);
    m->st.evictions = ss.evictions;
    return &m->st;
}

void mcd_set_time(struct mcd *m, uint32_t now) {
    if (!m->started) {
        m->start = now;
        m->started = true;
    }
    m->now = now;
    mcd_store_set_time(m->store, now);
}

/* ---- output ---- */

static size_t ring_free(const struct mconn *c) {
    return MCD_TX_RING - (size_t)(c->rtail - c->rhead);
}

static bool blocked(const struct mconn *c) {
    return c->out_bytes >= MCD_OUT_MAX || ring_free(c) < RING_RESERVE;
}

static bool q_push(struct mcd *m, struct mconn *c, struct outent e) {
    if (c->qn == c->qcap) {
        size_t nc = c->qcap ? 2 * c->qcap : 64;
        struct outent *nq = stk_mem_array(&m->alloc, nc, sizeof *nq);
        if (!nq) return false;
        for (size_t i = 0; i < c->qn; i++) nq[i] = c->q[(c->qhead + i) % c->qcap];
        stk_mem_free(&m->alloc, c->q);
        c->q = nq;
        c->qcap = nc;
        c->qhead = 0;
    }
    c->q[(c->qhead + c->qn) % c->qcap] = e;
    c->qn++;
    c->out_bytes += e.len;
    m->st.bytes_written += e.len; /* (when queued: replies count the same however sent) */
    return true;
}

static void close_conn(struct mcd *m, struct mconn *c);

/* Appends reply text (the caller checked the ring's room). */
static void out_text(struct mcd *m, struct mconn *c, const char *s, size_t n) {
    if (c->closed || !n) return;
    size_t pos = (size_t)(c->rtail % MCD_TX_RING), waste = 0;
    if (pos + n > MCD_TX_RING) {
        waste = MCD_TX_RING - pos;
        pos = 0;
    }
    if (waste + n > ring_free(c)) { /* cannot happen: commands reserve room */
        close_conn(m, c);
        return;
    }
    memcpy(c->ring + pos, s, n);
    c->rtail += waste + n;
    if (c->qn > c->nsent && !waste) { /* coalesce with unsent text just before */
        struct outent *e = &c->q[(c->qhead + c->qn - 1) % c->qcap];
        if (!e->it && e->ptr + e->len == c->ring + pos) {
            e->len += (uint32_t)n;
            e->ring += (uint32_t)n;
            c->out_bytes += n;
            m->st.bytes_written += n;
            return;
        }
    }
    if (!q_push(m, c, (struct outent){c->ring + pos, (uint32_t)n, (uint32_t)(waste + n), NULL}))
        close_conn(m, c);
}

static void out_str(struct mcd *m, struct mconn *c, const char *s) {
    if (!c->noreply) out_text(m, c, s, strlen(s));
}

/* A value, zero-touch: "value\r\n" straight from slab memory; the
 * caller's tx hold on the item goes with it. */
static void out_value(struct mcd *m, struct mconn *c, struct mcd_item *it) {
    if (c->closed) {
        mcd_item_release_tx(m->store, it);
        return;
    }
    if (!q_push(m, c, (struct outent){mcd_item_value(it), it->nbytes + 2, 0, it})) {
        mcd_item_release_tx(m->store, it);
        close_conn(m, c);
        return;
    }
    m->st.values_zero_touch++;
}

/* Sends the unsent output, SEND_BATCH references at a time; false when
 * the transport refuses it. */
static bool send_out(struct mcd *m, struct mconn *c) {
    while (c->nsent < c->qn) {
        struct sock_sendbuf v[SEND_BATCH];
        unsigned n = 0;
        while (n < SEND_BATCH && c->nsent + n < c->qn) {
            const struct outent *e = &c->q[(c->qhead + c->nsent + n) % c->qcap];
            v[n] = (struct sock_sendbuf){e->ptr, e->len, 0};
            n++;
        }
        if (sock_send(m->k, c->id, v, n) != 0) return false;
        c->nsent += n;
    }
    return true;
}

static void flush_out(struct mcd *m, struct mconn *c) {
    if (!c->closed && !send_out(m, c)) close_conn(m, c);
}

static void close_conn(struct mcd *m, struct mconn *c) {
    if (c->closed) return;
    send_out(m, c);
    c->closed = true;
    if (m->st.curr_conns) m->st.curr_conns--;
    sock_close(m->k, c->id);
}

/* A small text builder for reply lines. */
struct tb {
    char b[KEY_RESERVE];
    size_t n;
};
static void tb_str(struct tb *t, const char *s, size_t n) {
    if (t->n + n > sizeof t->b) n = sizeof t->b - t->n;
    memcpy(t->b + t->n, s, n);
    t->n += n;
}
static void tb_cstr(struct tb *t, const char *s) { tb_str(t, s, strlen(s)); }
static void tb_u64(struct tb *t, uint64_t v) {
    char d[24];
    size_t n = 0;
    do {
        d[sizeof d - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tb_str(t, d + sizeof d - n, n);
}
static void out_tb(struct mcd *m, struct mconn *c, const struct tb *t) {
    if (!c->noreply) out_text(m, c, t->b, t->n);
}

/* ---- input ---- */

static size_t held_bytes(const struct mconn *c) {
    size_t n = 0;
    for (unsigned i = c->hh; i < c->ht; i++) n += c->held[i].len;
    return n - c->held_off;
}

/* Marks n held bytes read. */
static void consume(struct mcd *m, struct mconn *c, size_t n) {
    c->consumed += n;
    m->st.bytes_read += n;
    c->scan_len = 0;
    while (n) {
        size_t k = c->held[c->hh].len - c->held_off;
        if (n < k) {
            c->held_off += n;
            return;
        }
        n -= k;
        c->held_off = 0;
        if (++c->hh == c->ht) c->hh = c->ht = 0;
    }
}

/* Copies up to n held bytes from the read position into dst (not read). */
static size_t peek(const struct mconn *c, char *dst, size_t n) {
    size_t got = 0, off = c->held_off;
    for (unsigned i = c->hh; i < c->ht && got < n; i++, off = 0) {
        size_t k = c->held[i].len - off;
        if (k > n - got) k = n - got;
        memcpy(dst + got, (const char *)c->held[i].ptr + off, k);
        got += k;
    }
    return got;
}

static bool is_get_line(const char *p, size_t n) {
    return (n >= 4 && (!memcmp(p, "get ", 4) || !memcmp(p, "gat ", 4))) ||
           (n >= 5 && (!memcmp(p, "gets ", 5) || !memcmp(p, "gats ", 5)));
}

/* The next command line: 1 (*p, *len without "\n"; *total bytes with it),
 * 0 (incomplete), -1 (too long: close). In place when it lies in one
 * received segment, else copied into c->line. */
static int find_line(struct mcd *m, struct mconn *c, const char **p, size_t *len, size_t *total) {
    /* resume where the last call stopped (bytes arrive one at a time at worst) */
    size_t scanned = c->scan_len, off = scanned ? c->scan_pos : c->held_off;
    unsigned i = scanned ? c->scan_seg : c->hh;
    for (; i < c->ht; i++, off = 0) {
        const char *b = (const char *)c->held[i].ptr + off;
        size_t n = c->held[i].len - off;
        const char *nl = memchr(b, '\n', n);
        if (!nl) {
            scanned += n;
            continue;
        }
        *total = scanned + (size_t)(nl - b) + 1;
        if (*total > MCD_GET_LINE_MAX) return -1;
        if (i == c->hh) {
            *p = b;
            m->st.parse_inplace++;
        } else {
            if (*total > c->line_cap) {
                size_t cap = c->line_cap ? c->line_cap : 256;
                while (cap < *total) cap *= 2;
                char *nl2 = stk_mem_alloc(&m->alloc, cap);
                if (!nl2) return -1;
                stk_mem_free(&m->alloc, c->line);
                c->line = nl2;
                c->line_cap = cap;
            }
            peek(c, c->line, *total);
            *p = c->line;
            m->st.parse_copied++;
        }
        *len = *total - 1;
        return 1;
    }
    c->scan_seg = c->ht;
    c->scan_pos = 0;
    c->scan_len = scanned;
    if (scanned > MCD_LINE_MAX) {
        char head[5];
        size_t h = peek(c, head, sizeof head);
        if (!is_get_line(head, h) || scanned > MCD_GET_LINE_MAX) return -1;
    }
    return 0;
}

/* ---- tokens and numbers, as memcached parses them ---- */

#define MAX_TOKENS 8
struct tok {
    const char *p;
    size_t n;
};

/* Splits on ' ' (runs collapse); returns the token count, at most
 * MAX_TOKENS + 1 (more: MAX_TOKENS + 1). */
static unsigned tokenize(const char *p, size_t n, struct tok *t) {
    unsigned k = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == ' ') i++;
        if (i == n) break;
        size_t j = i;
        while (j < n && p[j] != ' ') j++;
        if (k == MAX_TOKENS) return MAX_TOKENS + 1;
        t[k++] = (struct tok){p + i, j - i};
        i = j;
    }
    return k;
}

static bool tok_is(const struct tok *t, const char *s) {
    size_t n = strlen(s);
    return t->n == n && !memcmp(t->p, s, n);
}

static bool is_space(char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); }

/* strtoull/strtol on a token: optional sign, digits, nothing after. */
static bool tok_num(const struct tok *t, bool *neg, uint64_t *v) {
    size_t i = 0;
    while (i < t->n && is_space(t->p[i])) i++;
    *neg = false;
    if (i < t->n && (t->p[i] == '+' || t->p[i] == '-')) *neg = t->p[i++] == '-';
    size_t d = i;
    uint64_t x = 0;
    for (; i < t->n && t->p[i] >= '0' && t->p[i] <= '9'; i++) {
        if (x > (UINT64_MAX - (uint64_t)(t->p[i] - '0')) / 10) return false;
        x = x * 10 + (uint64_t)(t->p[i] - '0');
    }
    if (i == d || i != t->n) return false;
    *v = x;
    return true;
}
/* safe_strtoull */
static bool tok_u64(const struct tok *t, uint64_t *out) {
    bool neg;
    uint64_t v;
    if (!tok_num(t, &neg, &v)) return false;
    if (neg) {
        v = 0 - v;
        if ((int64_t)v < 0) return false;
    }
    *out = v;
    return true;
}
/* safe_strtoul into 32 bits (memcached's flags: larger values wrap) */
static bool tok_u32(const struct tok *t, uint32_t *out) {
    uint64_t v;
    if (!tok_u64(t, &v)) return false;
    *out = (uint32_t)v;
    return true;
}
/* safe_strtol into 32 bits */
static bool tok_i32(const struct tok *t, int32_t *out) {
    bool neg;
    uint64_t v;
    if (!tok_num(t, &neg, &v) || v > (neg ? 2147483648ull : 2147483647ull)) return false;
    *out = neg ? (int32_t)(0 - (int64_t)v) : (int32_t)v;
    return true;
}

/* ---- commands ---- */

enum { CMD_DONE, CMD_PAUSED, CMD_CLOSE };

static void bad_format(struct mcd *m, struct mconn *c) {
    m->st.client_errors++;
    out_str(m, c, "CLIENT_ERROR bad command line format\r\n");
}

static void error_line(struct mcd *m, struct mconn *c) {
    m->st.errors++;
    out_str(m, c, "ERROR\r\n");
}

/* get/gets/gat/gats over the keys of the line, from c->get_resume on. */
static int cmd_get(struct mcd *m, struct mconn *c, const char *p, size_t n, bool cas, bool touch) {
    size_t i = 0, k = 0;
    /* skip the command (and exptime) */
    struct tok t[2];
    unsigned skip = touch ? 2 : 1, seen = 0;
    while (seen < skip) {
        while (i < n && p[i] == ' ') i++;
        size_t j = i;
        while (j < n && p[j] != ' ') j++;
        t[seen++] = (struct tok){p + i, j - i};
        i = j;
    }
    int32_t exptime = 0;
    if (touch && !tok_i32(&t[1], &exptime)) {
        m->st.client_errors++;
        out_str(m, c, "CLIENT_ERROR invalid exptime argument\r\n");
        return CMD_DONE;
    }
    size_t keys_at = i;
    if (!c->get_resume) {
        if (touch)
            m->st.cmd_gat++;
        else if (cas)
            m->st.cmd_gets++;
        else
            m->st.cmd_get++;
        /* a key over the limit fails the whole command, as in memcached */
        for (size_t a = i; a < n;) {
            while (a < n && p[a] == ' ') a++;
            size_t b = a;
            while (b < n && p[b] != ' ') b++;
            if (b - a > MCD_KEY_MAX) {
                bad_format(m, c);
                return CMD_DONE;
            }
            a = b;
        }
    }
    for (i = keys_at;;) {
        while (i < n && p[i] == ' ') i++;
        if (i == n) break;
        size_t j = i;
        while (j < n && p[j] != ' ') j++;
        if (k++ < c->get_resume) {
            i = j;
            continue;
        }
        if (c->out_bytes >= MCD_OUT_MAX || ring_free(c) < 2 * KEY_RESERVE) {
            c->get_resume = k - 1;
            m->st.backpressure_stalls++;
            return CMD_PAUSED;
        }
        struct mcd_item *it = mcd_item_get_tx(m->store, p + i, j - i, touch, exptime);
        if (it) {
            m->st.get_hits++;
            if (touch) m->st.touch_hits++;
            struct tb h = {.n = 0};
            tb_cstr(&h, "VALUE ");
            tb_str(&h, p + i, j - i);
            tb_cstr(&h, " ");
            tb_u64(&h, it->flags);
            tb_cstr(&h, " ");
            tb_u64(&h, it->nbytes);
            if (cas) {
                tb_cstr(&h, " ");
                tb_u64(&h, it->cas);
            }
            tb_cstr(&h, "\r\n");
            out_tb(m, c, &h);
            out_value(m, c, it);
        } else {
            m->st.get_misses++;
            if (touch) m->st.touch_misses++;
        }
        i = j;
    }
    c->get_resume = 0;
    out_str(m, c, "END\r\n");
    return CMD_DONE;
}

static void cmd_update(struct mcd *m, struct mconn *c, struct tok *t, unsigned n, enum mcd_op op) {
    unsigned want = op == MCD_CAS ? 6 : 5;
    if (n != want && n != want + 1) {
        error_line(m, c);
        return;
    }
    c->noreply = tok_is(&t[n - 1], "noreply");
    switch (op) {
    case MCD_SET: m->st.cmd_set++; break;
    case MCD_ADD: m->st.cmd_add++; break;
    case MCD_REPLACE: m->st.cmd_replace++; break;
    case MCD_APPEND: m->st.cmd_append++; break;
    case MCD_PREPEND: m->st.cmd_prepend++; break;
    case MCD_CAS: m->st.cmd_cas++; break;
    }
    uint32_t flags;
    int32_t exptime, vlen;
    uint64_t cas = 0;
    if (t[1].n > MCD_KEY_MAX || !tok_u32(&t[2], &flags) || !tok_i32(&t[3], &exptime) ||
        !tok_i32(&t[4], &vlen) || (op == MCD_CAS && !tok_u64(&t[5], &cas)) || vlen < 0 ||
        vlen > 2147483645) {
        bad_format(m, c);
        return;
    }
    enum mcd_alloc_err err;
    struct mcd_item *it =
        mcd_item_alloc(m->store, t[1].p, t[1].n, flags, exptime, (uint32_t)vlen, &err);
    if (!it) {
        m->st.server_errors++;
        if (err == MCD_ALLOC_TOO_LARGE) {
            m->st.store_too_large++;
            out_str(m, c, "SERVER_ERROR object too large for cache\r\n");
        } else {
            m->st.store_no_memory++;
            out_str(m, c, "SERVER_ERROR out of memory storing object\r\n");
        }
        /* memcached drops a stale value rather than keep it after a failed set */
        if (op == MCD_SET) mcd_item_delete(m->store, t[1].p, t[1].n);
        c->st = ST_SWALLOW;
        c->swallow = (uint64_t)vlen + 2;
        return;
    }
    c->st = ST_DATA;
    c->nit = it;
    c->left = (uint64_t)vlen + 2;
    c->got = 0;
    c->op = op;
    c->cas = cas;
}

/* The data block is complete. */
static void finish_update(struct mcd *m, struct mconn *c) {
    struct mcd_item *it = c->nit;
    c->nit = NULL;
    c->st = ST_CMD;
    const char *end = mcd_item_value(it) + it->nbytes;
    if (end[0] != '\r' || end[1] != '\n') {
        m->st.client_errors++;
        m->st.bad_data_chunks++;
        out_str(m, c, "CLIENT_ERROR bad data chunk\r\n");
        mcd_item_release(m->store, it);
        c->noreply = false;
        return;
    }
    enum mcd_store_res r = mcd_item_store(m->store, it, c->op, c->cas);
    mcd_item_release(m->store, it);
    if (c->op == MCD_CAS) {
        if (r == MCD_STORED) m->st.cas_hits++;
        if (r == MCD_EXISTS) m->st.cas_badval++;
        if (r == MCD_NOT_FOUND) m->st.cas_misses++;
    }
    switch (r) {
    case MCD_STORED: out_str(m, c, "STORED\r\n"); break;
    case MCD_NOT_STORED: out_str(m, c, "NOT_STORED\r\n"); break;
    case MCD_EXISTS: out_str(m, c, "EXISTS\r\n"); break;
    case MCD_NOT_FOUND: out_str(m, c, "NOT_FOUND\r\n"); break;
    case MCD_NO_MEMORY:
        m->st.server_errors++;
        m->st.store_no_memory++;
        out_str(m, c, "SERVER_ERROR out of memory storing object\r\n");
        break;
    }
    c->noreply = false;
}

static void cmd_delete(struct mcd *m, struct mconn *c, struct tok *t, unsigned n) {
    if (n < 2 || n > 4) {
        error_line(m, c);
        return;
    }
    m->st.cmd_delete++;
    if (n > 2) {
        bool zero = tok_is(&t[2], "0");
        c->noreply = tok_is(&t[n - 1], "noreply");
        if (!((n == 3 && (zero || c->noreply)) || (n == 4 && zero && c->noreply))) {
            m->st.client_errors++;
            out_str(m, c,
                    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
            return;
        }
    }
    if (t[1].n > MCD_KEY_MAX) {
        bad_format(m, c);
        return;
    }
    if (mcd_item_delete(m->store, t[1].p, t[1].n)) {
        m->st.delete_hits++;
        out_str(m, c, "DELETED\r\n");
    } else {
        m->st.delete_misses++;
        out_str(m, c, "NOT_FOUND\r\n");
    }
}

static void cmd_delta(struct mcd *m, struct mconn *c, struct tok *t, unsigned n, bool incr) {
    if (n != 3 && n != 4) {
        error_line(m, c);
        return;
    }
    c->noreply = tok_is(&t[n - 1], "noreply");
    if (incr)
        m->st.cmd_incr++;
    else
        m->st.cmd_decr++;
    if (t[1].n > MCD_KEY_MAX) {
        bad_format(m, c);
        return;
    }
    uint64_t delta, v = 0;
    if (!tok_u64(&t[2], &delta)) {
        m->st.client_errors++;
        out_str(m, c, "CLIENT_ERROR invalid numeric delta argument\r\n");
        return;
    }
    switch (mcd_item_delta(m->store, t[1].p, t[1].n, incr, delta, &v)) {
    case MCD_DELTA_OK: {
        if (incr)
            m->st.incr_hits++;
        else
            m->st.decr_hits++;
        struct tb b = {.n = 0};
        tb_u64(&b, v);
        tb_cstr(&b, "\r\n");
        out_tb(m, c, &b);
        break;
    }
    case MCD_DELTA_NOT_FOUND:
        if (incr)
            m->st.incr_misses++;
        else
            m->st.decr_misses++;
        out_str(m, c, "NOT_FOUND\r\n");
        break;
    case MCD_DELTA_NON_NUMERIC:
        m->st.client_errors++;
        out_str(m, c, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
        break;
    case MCD_DELTA_NOMEM:
        m->st.server_errors++;
        out_str(m, c, "SERVER_ERROR out of memory\r\n");
        break;
    }
}

static void cmd_touch(struct mcd *m, struct mconn *c, struct tok *t, unsigned n) {
    if (n != 3 && n != 4) {
        error_line(m, c);
        return;
    }
    c->noreply = tok_is(&t[n - 1], "noreply");
    m->st.cmd_touch++;
    if (t[1].n > MCD_KEY_MAX) {
        bad_format(m, c);
        return;
    }
    int32_t exptime;
    if (!tok_i32(&t[2], &exptime)) {
        m->st.client_errors++;
        out_str(m, c, "CLIENT_ERROR invalid exptime argument\r\n");
        return;
    }
    if (mcd_item_touch(m->store, t[1].p, t[1].n, exptime)) {
        m->st.touch_hits++;
        out_str(m, c, "TOUCHED\r\n");
    } else {
        m->st.touch_misses++;
        out_str(m, c, "NOT_FOUND\r\n");
    }
}

static void cmd_flush(struct mcd *m, struct mconn *c, struct tok *t, unsigned n) {
    if (n > 3) {
        error_line(m, c);
        return;
    }
    m->st.cmd_flush++;
    c->noreply = tok_is(&t[n - 1], "noreply");
    int32_t delay = 0;
    if (n != (c->noreply ? 2u : 1u) && !tok_i32(&t[1], &delay)) {
        m->st.client_errors++;
        out_str(m, c, "CLIENT_ERROR invalid exptime argument\r\n");
        return;
    }
    mcd_store_flush(m->store, delay);
    out_str(m, c, "OK\r\n");
}

static void cmd_verbosity(struct mcd *m, struct mconn *c, struct tok *t, unsigned n) {
    if (n != 2 && n != 3) {
        error_line(m, c);
        return;
    }
    m->st.cmd_verbosity++;
    c->noreply = tok_is(&t[n - 1], "noreply");
    uint32_t level;
    if (!tok_u32(&t[1], &level)) {
        bad_format(m, c);
        return;
    }
    out_str(m, c, "OK\r\n");
}

static void stat_line(struct mcd *m, struct mconn *c, const char *name, uint64_t v) {
    struct tb b = {.n = 0};
    tb_cstr(&b, "STAT ");
    tb_cstr(&b, name);
    tb_cstr(&b, " ");
    tb_u64(&b, v);
    tb_cstr(&b, "\r\n");
    out_tb(m, c, &b);
}

static void cmd_stats(struct mcd *m, struct mconn *c, struct tok *t, unsigned n) {
    m->st.cmd_stats++;
    if (n == 2 && tok_is(&t[1], "reset")) {
        uint64_t conns = m->st.conns, curr = m->st.curr_conns;
        memset(&m->st, 0, sizeof m->st);
        m->st.conns = conns;
        m->st.curr_conns = curr;
        out_str(m, c, "RESET\r\n");
        return;
    }
    if (n != 1) {
        error_line(m, c);
        return;
    }
    struct mcd_store_stats ss;
    mcd_store_stats(m->store, &ss);
    const struct mcd_stats *s = &m->st;
    stat_line(m, c, "pid", 0);
    stat_line(m, c, "uptime", m->now - m->start);
    stat_line(m, c, "time", m->now);
    out_str(m, c, "STAT version " MCD_VERSION "\r\n");
    stat_line(m, c, "pointer_size", 8 * sizeof(void *));
    out_str(m, c, "STAT rusage_user 0.000000\r\nSTAT rusage_system 0.000000\r\n");
    stat_line(m, c, "max_connections", 65535);
    stat_line(m, c, "curr_connections", s->curr_conns);
    stat_line(m, c, "total_connections", s->conns);
    stat_line(m, c, "rejected_connections", 0);
    stat_line(m, c, "connection_structures", m->conns.n);
    uint64_t gets = s->get_hits + s->get_misses;
    stat_line(m, c, "cmd_get", gets);
    stat_line(m, c, "cmd_set",
              s->cmd_set + s->cmd_add + s->cmd_replace + s->cmd_append + s->cmd_prepend +
                  s->cmd_cas);
    stat_line(m, c, "cmd_flush", s->cmd_flush);
    stat_line(m, c, "cmd_touch", s->cmd_touch + s->touch_hits + s->touch_misses);
    stat_line(m, c, "cmd_meta", 0);
    stat_line(m, c, "get_hits", s->get_hits);
    stat_line(m, c, "get_misses", s->get_misses);
    stat_line(m, c, "get_expired", 0);
    stat_line(m, c, "get_flushed", 0);
    stat_line(m, c, "delete_misses", s->delete_misses);
    stat_line(m, c, "delete_hits", s->delete_hits);
    stat_line(m, c, "incr_misses", s->incr_misses);
    stat_line(m, c, "incr_hits", s->incr_hits);
    stat_line(m, c, "decr_misses", s->decr_misses);
    stat_line(m, c, "decr_hits", s->decr_hits);
    stat_line(m, c, "cas_misses", s->cas_misses);
    stat_line(m, c, "cas_hits", s->cas_hits);
    stat_line(m, c, "cas_badval", s->cas_badval);
    stat_line(m, c, "touch_hits", s->touch_hits);
    stat_line(m, c, "touch_misses", s->touch_misses);
    stat_line(m, c, "store_too_large", s->store_too_large);
    stat_line(m, c, "store_no_memory", s->store_no_memory);
    stat_line(m, c, "auth_cmds", 0);
    stat_line(m, c, "auth_errors", 0);
    stat_line(m, c, "bytes_read", s->bytes_read);
    stat_line(m, c, "bytes_written", s->bytes_written);
    stat_line(m, c, "limit_maxbytes", mcd_store_mem_bytes(m->store));
    stat_line(m, c, "accepting_conns", 1);
    stat_line(m, c, "listen_disabled_num", 0);
    stat_line(m, c, "threads", 1);
    stat_line(m, c, "conn_yields", 0);
    stat_line(m, c, "hash_power_level", mcd_store_hashpower(m->store));
    stat_line(m, c, "hash_bytes", ((uint64_t)8) << mcd_store_hashpower(m->store));
    stat_line(m, c, "hash_is_expanding", 0);
    stat_line(m, c, "bytes", ss.bytes);
    stat_line(m, c, "curr_items", ss.curr_items);
    stat_line(m, c, "total_items", ss.total_items);
    stat_line(m, c, "expired_unfetched", ss.expired_unfetched);
    stat_line(m, c, "evicted_unfetched", ss.evicted_unfetched);
    stat_line(m, c, "evicted_active", 0);
    stat_line(m, c, "evictions", ss.evictions);
    stat_line(m, c, "reclaimed", ss.reclaimed);
    out_str(m, c, "END\r\n");
}

/* One command line [p, p+n) (the "\n" and a "\r" before it removed). */
static int command(struct mcd *m, struct mconn *c, const char *p, size_t n) {
    struct tok t[MAX_TOKENS];
    c->noreply = false;
    unsigned nt = tokenize(p, n, t);
    if (nt == 0) {
        m->st.cmd_unknown++;
        error_line(m, c);
        return CMD_DONE;
    }
    const struct tok *cmd = &t[0];
    if (tok_is(cmd, "get") || tok_is(cmd, "gets") || tok_is(cmd, "gat") || tok_is(cmd, "gats")) {
        bool touch = cmd->p[1] == 'a';
        if (nt < 2) {
            error_line(m, c);
            return CMD_DONE;
        }
        return cmd_get(m, c, p, n, cmd->n == 4, touch);
    }
    if (nt > MAX_TOKENS) {
        error_line(m, c);
        return CMD_DONE;
    }
    if (tok_is(cmd, "set"))
        cmd_update(m, c, t, nt, MCD_SET);
    else if (tok_is(cmd, "add"))
        cmd_update(m, c, t, nt, MCD_ADD);
    else if (tok_is(cmd, "replace"))
        cmd_update(m, c, t, nt, MCD_REPLACE);
    else if (tok_is(cmd, "append"))
        cmd_update(m, c, t, nt, MCD_APPEND);
    else if (tok_is(cmd, "prepend"))
        cmd_update(m, c, t, nt, MCD_PREPEND);
    else if (tok_is(cmd, "cas"))
        cmd_update(m, c, t, nt, MCD_CAS);
    else if (tok_is(cmd, "delete"))
        cmd_delete(m, c, t, nt);
    else if (tok_is(cmd, "incr"))
        cmd_delta(m, c, t, nt, true);
    else if (tok_is(cmd, "decr"))
        cmd_delta(m, c, t, nt, false);
    else if (tok_is(cmd, "touch"))
        cmd_touch(m, c, t, nt);
    else if (tok_is(cmd, "flush_all"))
        cmd_flush(m, c, t, nt);
    else if (tok_is(cmd, "version")) {
        m->st.cmd_version++;
        out_str(m, c, "VERSION " MCD_VERSION "\r\n");
    } else if (tok_is(cmd, "verbosity"))
        cmd_verbosity(m, c, t, nt);
    else if (tok_is(cmd, "stats"))
        cmd_stats(m, c, t, nt);
    else if (tok_is(cmd, "quit")) {
        m->st.cmd_quit++;
        return CMD_CLOSE;
    } else {
        m->st.cmd_unknown++;
        error_line(m, c);
    }
    if (c->st == ST_CMD) c->noreply = false;
    return CMD_DONE;
}

/* Reads and answers what it can, in order, while the output bounds allow. */
static void process(struct mcd *m, struct mconn *c) {
    while (!c->closed) {
        if (c->st == ST_DATA) {
            char *dst = mcd_item_value(c->nit);
            while (c->left && c->hh < c->ht) {
                size_t k = c->held[c->hh].len - c->held_off;
                if (k > c->left) k = (size_t)c->left;
                memcpy(dst + c->got, (const char *)c->held[c->hh].ptr + c->held_off, k);
                c->got += k;
                c->left -= k;
                consume(m, c, k);
            }
            if (c->left) return;
            finish_update(m, c);
            continue;
        }
        if (c->st == ST_SWALLOW) {
            size_t avail = held_bytes(c);
            size_t k = avail < c->swallow ? avail : (size_t)c->swallow;
            consume(m, c, k);
            c->swallow -= k;
            if (c->swallow) return;
            c->st = ST_CMD;
            c->noreply = false;
            continue;
        }
        if (c->hh == c->ht) return;
        if (blocked(c)) {
            m->st.backpressure_stalls++;
            return;
        }
        const char *p;
        size_t len, total;
        int r = find_line(m, c, &p, &len, &total);
        if (r == 0) return;
        if (r < 0) {
            m->st.lines_too_long++;
            close_conn(m, c);
            return;
        }
        if (len >= 2 && p[len - 1] == '\r') len--;
        int rc = command(m, c, p, len);
        if (rc == CMD_PAUSED) {
            /* the line stays unread (a copied one is copied again later) */
            if (p != c->line)
                m->st.parse_inplace--;
            else
                m->st.parse_copied--;
            return;
        }
        consume(m, c, total);
        if (rc == CMD_CLOSE) {
            close_conn(m, c);
            return;
        }
    }
}

static void pump(struct mcd *m, struct mconn *c) {
    process(m, c);
    flush_out(m, c);
    if (c->closed) return;
    if (c->consumed) {
        sock_recv_done(m->k, c->id, c->consumed);
        c->consumed = 0;
    }
    if (c->rclosed && !blocked(c) && !c->get_resume) close_conn(m, c);
}

/* ---- events ---- */

static void on_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct mcd *m = ctx;
    if (active || status < 0 || lid != m->lid) return;
    struct mconn *c = stk_mem_alloc(&m->alloc, sizeof *c);
    char *ring = c ? stk_mem_alloc(&m->alloc, MCD_TX_RING) : NULL;
    if (!c || !ring || !connmap_put(&m->conns, id, c)) {
        stk_mem_free(&m->alloc, ring);
        stk_mem_free(&m->alloc, c);
        return;
    }
    c->ring = ring;
    c->id = id;
    m->st.conns++;
    m->st.curr_conns++;
    sock_accept(m->k, id, lid);
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct mcd *m = ctx;
    struct mconn *c = connmap_get(&m->conns, id);
    if (!c || c->closed) return;
    if (c->ht + n > c->held_cap && c->hh) { /* move the unread ones down */
        memmove(c->held, c->held + c->hh, (c->ht - c->hh) * sizeof *c->held);
        if (c->scan_len) c->scan_seg -= c->hh;
        c->ht -= c->hh;
        c->hh = 0;
    }
    if (c->ht + n > c->held_cap) {
        unsigned cap = c->held_cap ? c->held_cap : 8;
        while (cap < c->ht + n) cap *= 2;
        struct sock_buf *nb =
            stk_mem_grow(&m->alloc, c->held, c->held_cap * sizeof *nb, cap * sizeof *nb);
        if (!nb) {
            close_conn(m, c);
            return;
        }
        c->held = nb;
        c->held_cap = cap;
    }
    for (unsigned i = 0; i < n; i++)
        if (b[i].len) c->held[c->ht++] = b[i];
    pump(m, c);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct mcd *m = ctx;
    struct mconn *c = connmap_get(&m->conns, id);
    if (!c) return;
    c->acked_partial += count;
    while (c->nsent && c->acked_partial >= c->q[c->qhead].len) {
        struct outent *e = &c->q[c->qhead];
        c->acked_partial -= e->len;
        c->out_bytes -= e->len;
        c->rhead += e->ring;
        if (e->it) mcd_item_release_tx(m->store, e->it);
        c->qhead = (c->qhead + 1) % c->qcap;
        c->qn--;
        c->nsent--;
    }
    if (!c->closed && (c->hh < c->ht || c->get_resume || c->rclosed)) pump(m, c);
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct mcd *m = ctx;
    struct mconn *c = connmap_get(&m->conns, id);
    if (!c || c->closed) return;
    c->rclosed = true;
    pump(m, c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct mcd *m = ctx;
    struct mconn *c = connmap_del(&m->conns, id);
    if (!c) return;
    if (!c->closed && m->st.curr_conns) m->st.curr_conns--;
    conn_free(m, c);
}

struct sock_events mcd_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
