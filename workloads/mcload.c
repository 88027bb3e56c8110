#include "workloads/mcload.h"
#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

#include <math.h>
#include <string.h>

/* ---- Distributions ---- */

double mcload_exponential(double u, double mean) { return -mean * log1p(-u); }

double mcload_gpareto(double u, double loc, double scale, double shape) {
    return loc + scale * (pow(1.0 - u, -shape) - 1.0) / shape;
}

double mcload_gev(double u, double loc, double scale, double shape) {
    if (u <= 0) return INFINITY;
    return loc + scale * (pow(-log(u), -shape) - 1.0) / shape;
}

double mcload_gpareto_scale_for_mean(double mean, double shape) { return (1.0 - shape) * mean; }

/* mutilate's "fb_value" table: P(size = i) for i = 0..14 (Generator.cc). */
static const double fb_value_p[15] = {0.00536, 0.00047, 0.17820, 0.09239, 0.00018,
                                      0.02740, 0.00065, 0.00606, 0.00023, 0.00837,
                                      0.00837, 0.08989, 0.00092, 0.00326, 0.01980};

uint32_t mcload_etc_value(double u, double u2, uint32_t vmax) {
    double sum = 0;
    for (uint32_t i = 0; i < 15; i++) {
        sum += fb_value_p[i];
        if (u < sum) return i < vmax ? i : vmax;
    }
    double v =
        mcload_gpareto(u2, MCLOAD_FB_VALUE_LOC, MCLOAD_FB_VALUE_SCALE, MCLOAD_FB_VALUE_SHAPE);
    return v >= (double)vmax ? vmax : (uint32_t)v;
}

static unsigned digits(uint64_t x) {
    unsigned n = 1;
    while (x >= 10) {
        x /= 10;
        n++;
    }
    return n;
}

/* FNV-1a, 64 bits, over the index's 8 bytes (least significant first). */
static uint64_t fnv64(uint64_t x) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < 8; i++) {
        h ^= (x >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

unsigned mcload_etc_key_width(uint64_t index, uint64_t records) {
    double u = (double)fnv64(index) / 18446744073709551616.0;
    double g = mcload_gev(u, MCLOAD_FB_KEY_LOC, MCLOAD_FB_KEY_SCALE, MCLOAD_FB_KEY_SHAPE);
    unsigned min = digits(records);
    if (!(g < MCLOAD_KEY_MAX)) return MCLOAD_KEY_MAX;
    double r = round(g);
    unsigned w = r < (double)min ? min : (unsigned)r;
    return w > MCLOAD_KEY_MAX ? MCLOAD_KEY_MAX : w;
}

unsigned mcload_key(char *buf, uint64_t index, unsigned width) {
    unsigned nd = digits(index);
    unsigned w = width < nd ? nd : width;
    if (w > MCLOAD_KEY_MAX) w = MCLOAD_KEY_MAX;
    for (unsigned i = w; i-- > 0;) {
        buf[i] = (char)('0' + index % 10);
        index /= 10;
    }
    buf[w] = 0;
    return w;
}

uint64_t mcload_splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double mcload_unit(uint64_t *state) { return (double)(mcload_splitmix(state) >> 11) * 0x1p-53; }

/* Uniform in [0, n): the high half of a 64x64 product (bias < n / 2^64). */
static uint64_t below(uint64_t *state, uint64_t n) {
    return (uint64_t)(((unsigned __int128)mcload_splitmix(state) * n) >> 64);
}

/* ---- The reply parser ---- */

enum { P_LINE, P_DATA, P_DONE, P_ERR };

void mcload_reply_init(struct mcload_reply *r) {
    r->kind = MCLOAD_R_NONE;
    r->values = 0;
    r->bytes = r->value_bytes = r->data_left = 0;
    r->st = P_LINE;
    r->line_len = 0;
}

static bool is(const char *p, size_t n, const char *lit) {
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static bool starts(const char *p, size_t n, const char *lit) {
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

/* A decimal number of at most 20 digits fitting `max`. */
static bool number(const char *p, size_t n, uint64_t max, uint64_t *out) {
    if (!n || n > 20) return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (x > (max - d) / 10) return false;
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* "VALUE <key> <flags> <bytes>[ <cas>]": the data block's length. */
static bool value_line(const char *p, size_t n, uint64_t *bytes) {
    const char *tok[6];
    size_t len[6];
    unsigned nt = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] == ' ') return false; /* one space between tokens */
        size_t t = i;
        while (i < n && p[i] != ' ') i++;
        if (nt == 6) return false;
        tok[nt] = p + t;
        len[nt++] = i - t;
        if (i < n) {
            i++;
            if (i == n) return false; /* a trailing space */
        }
    }
    uint64_t x;
    if ((nt != 4 && nt != 5) || len[1] > MCLOAD_KEY_MAX) return false;
    for (size_t i = 0; i < len[1]; i++)
        if ((unsigned char)tok[1][i] <= ' ' || tok[1][i] == 0x7f) return false;
    if (!number(tok[2], len[2], UINT32_MAX, &x)) return false;
    if (nt == 5 && !number(tok[4], len[4], UINT64_MAX, &x)) return false;
    return number(tok[3], len[3], (uint64_t)1 << 31, bytes);
}

static void done(struct mcload_reply *r, enum mcload_kind k) {
    r->kind = k;
    r->st = P_DONE;
}

/* One complete line p[0..n) (without its end); `cut`: longer than kept. */
static bool line_end(struct mcload_reply *r, const char *p, size_t n, bool cut) {
    if (starts(p, n, "SERVER_ERROR") || starts(p, n, "CLIENT_ERROR")) {
        if (n > 12 && p[12] != ' ') return false;
        done(r, MCLOAD_R_ERROR);
        return true;
    }
    if (cut) return false;
    if (is(p, n, "END")) {
        done(r, r->values ? MCLOAD_R_HIT : MCLOAD_R_MISS);
        return true;
    }
    if (starts(p, n, "VALUE ")) {
        uint64_t b;
        if (!value_line(p, n, &b)) return false;
        r->values++;
        r->data_left = b + 2;
        r->st = P_DATA;
        return true;
    }
    if (r->values) return false; /* only END or VALUE after a VALUE */
    if (is(p, n, "STORED"))
        done(r, MCLOAD_R_STORED);
    else if (is(p, n, "NOT_STORED") || is(p, n, "EXISTS") || is(p, n, "NOT_FOUND"))
        done(r, MCLOAD_R_NOT_STORED);
    else if (is(p, n, "ERROR"))
        done(r, MCLOAD_R_ERROR);
    else
        return false;
    return true;
}

int mcload_reply_feed(struct mcload_reply *r, const char *p, size_t len, size_t *used) {
    size_t i = 0;
    while (i < len && (r->st == P_LINE || r->st == P_DATA)) {
        if (r->st == P_DATA) {
            if (r->data_left > 2) { /* the block's bytes, only counted */
                size_t k = len - i < r->data_left - 2 ? len - i : (size_t)(r->data_left - 2);
                r->data_left -= k;
                r->value_bytes += k;
                i += k;
                continue;
            }
            char want = r->data_left == 2 ? '\r' : '\n';
            if (p[i] != want) {
                r->st = P_ERR;
                break;
            }
            i++;
            if (--r->data_left == 0) r->st = P_LINE;
            continue;
        }
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) + 1 : len, k = end - i, c = nl ? k - 1 : k;
        if (r->line_len < MCLOAD_LINE_MAX) {
            size_t room = MCLOAD_LINE_MAX - r->line_len;
            memcpy(r->line + r->line_len, p + i, c < room ? c : room);
        }
        r->line_len += c;
        i = end;
        if (!nl) break;
        bool cut = r->line_len > MCLOAD_LINE_MAX;
        size_t n = cut ? MCLOAD_LINE_MAX : r->line_len;
        r->line_len = 0;
        if (cut || !n || r->line[n - 1] != '\r') { /* every line ends in \r\n */
            if (!cut || !line_end(r, r->line, n, true)) r->st = P_ERR;
            continue;
        }
        if (!line_end(r, r->line, n - 1, false)) r->st = P_ERR;
    }
    r->bytes += i;
    *used = i;
    return r->st == P_DONE  ? MCLOAD_REPLY_DONE
           : r->st == P_ERR ? MCLOAD_REPLY_ERR
                            : MCLOAD_REPLY_MORE;
}

/* ---- The client ---- */

enum { C_IDLE, C_CONNECTING, C_OPEN, C_CLOSED };
enum { PH_IDLE, PH_LOAD, PH_RUN };

struct mreq {
    uint64_t intended, sent;
    bool set, load;
};

struct mslot {
    uint64_t end; /* the connection's bytes sent through this request */
    char buf[MCLOAD_REQ_MAX];
};

struct mconn {
    struct sock_id id;
    unsigned group, st;
    bool blocked;   /* a request is due and waits (depth or slots) */
    bool scheduled; /* its arrival process has begun */
    bool gen_end;   /* no more arrivals */
    uint64_t rng, next_due;
    unsigned heap_pos; /* UINT32_MAX: not in the heap */
    struct mreq *q;
    unsigned qh, qn;
    struct mslot *slots;
    unsigned nslots, sh, sn;
    uint64_t tx, acked;
    struct mcload_reply reply;
};

struct mgroup {
    unsigned first, n, depth;
    double ia_mean_ps, gp_scale_ps;
    struct mcload_stats st;
    struct lathist lat, svc;
};

struct mcload {
    struct mcload_config cfg;
    struct mcload_server servers[64];
    struct sock *k;
    struct mconn *c;
    unsigned nconns;
    struct mgroup g[2];
    struct mconn **heap;
    unsigned nheap;
    struct connmap map;
    char *value; /* the value block, value_max bytes */
    uint32_t value_max;
    unsigned nlive; /* connecting, or in the map until cleanup */
    int phase;
    bool closing;
    uint64_t t0, win_start, win_end;
    uint64_t load_next, load_out, load_done;
    struct stk_alloc alloc;
};

static uint64_t now_of(const struct mcload *m) { return m->cfg.now(m->cfg.ctx); }

/* -- the heap of connections by next intended time (ties: by number) -- */

static bool before(const struct mconn *a, const struct mconn *b) {
    return a->next_due < b->next_due || (a->next_due == b->next_due && a < b);
}

static void heap_set(struct mcload *m, unsigned i, struct mconn *c) {
    m->heap[i] = c;
    c->heap_pos = i;
}

static void heap_up(struct mcload *m, unsigned i) {
    struct mconn *c = m->heap[i];
    while (i > 0) {
        unsigned p = (i - 1) / 2;
        if (!before(c, m->heap[p])) break;
        heap_set(m, i, m->heap[p]);
        i = p;
    }
    heap_set(m, i, c);
}

static void heap_down(struct mcload *m, unsigned i) {
    struct mconn *c = m->heap[i];
    for (;;) {
        unsigned l = 2 * i + 1, b = i;
        const struct mconn *best = c;
        if (l < m->nheap && before(m->heap[l], best)) b = l, best = m->heap[l];
        if (l + 1 < m->nheap && before(m->heap[l + 1], best)) b = l + 1;
        if (b == i) break;
        heap_set(m, i, m->heap[b]);
        i = b;
    }
    heap_set(m, i, c);
}

static void heap_push(struct mcload *m, struct mconn *c) {
    if (c->heap_pos != UINT32_MAX) return;
    m->heap[m->nheap] = c;
    c->heap_pos = m->nheap++;
    heap_up(m, c->heap_pos);
}

static void heap_remove(struct mcload *m, struct mconn *c) {
    unsigned i = c->heap_pos;
    if (i == UINT32_MAX) return;
    c->heap_pos = UINT32_MAX;
    struct mconn *last = m->heap[--m->nheap];
    if (i == m->nheap) return;
    heap_set(m, i, last);
    heap_up(m, i);
    heap_down(m, last->heap_pos);
}

/* -- creation -- */

static double ia_draw(const struct mcload *m, struct mconn *c) {
    const struct mgroup *g = &m->g[c->group];
    double u = mcload_unit(&c->rng);
    if (m->cfg.ia == MCLOAD_IA_GPARETO)
        return mcload_gpareto(u, 0, g->gp_scale_ps, MCLOAD_FB_IA_SHAPE);
    return mcload_exponential(u, g->ia_mean_ps);
}

static bool config_ok(const struct mcload_config *cfg) {
    if (!cfg->servers || !cfg->nservers || cfg->nservers > 64 || !cfg->conns || !cfg->depth ||
        !(cfg->qps > 0) || !cfg->records || !cfg->now || !(cfg->update >= 0) ||
        !(cfg->update <= 1) || cfg->key_size > MCLOAD_KEY_MAX || cfg->depth > 4096 ||
        (cfg->obs_conns && !(cfg->obs_qps > 0)) || cfg->value_max > (1u << 30))
        return false;
    for (unsigned i = 0; i < cfg->nservers; i++)
        if (!cfg->servers[i].port) return false;
    return cfg->conns + cfg->obs_conns <= 1u << 20;
}

struct mcload *mcload_create(const struct mcload_config *cfg, const struct stk_alloc *alloc) {
    if (!cfg || !config_ok(cfg)) return NULL;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct mcload *m = stk_mem_alloc(&a, sizeof *m);
    if (!m) return NULL;
    m->alloc = a;
    m->cfg = *cfg;
    if (!m->cfg.key_size) m->cfg.key_size = 19;
    if (!m->cfg.value_size) m->cfg.value_size = 2;
    if (!m->cfg.value_max) m->cfg.value_max = 1000000;
    memcpy(m->servers, cfg->servers, cfg->nservers * sizeof *cfg->servers);
    m->cfg.servers = m->servers;
    connmap_init(&m->map, &a);
    m->nconns = cfg->conns + cfg->obs_conns;
    m->g[0] = (struct mgroup){.first = 0, .n = cfg->conns, .depth = cfg->depth};
    m->g[1] = (struct mgroup){.first = cfg->conns, .n = cfg->obs_conns, .depth = 1};
    m->g[0].ia_mean_ps = (double)cfg->conns / cfg->qps * 1e12;
    m->g[1].ia_mean_ps = cfg->obs_conns ? (double)cfg->obs_conns / cfg->obs_qps * 1e12 : 0;
    bool ok = true;
    for (int i = 0; i < 2; i++) {
        m->g[i].gp_scale_ps = mcload_gpareto_scale_for_mean(m->g[i].ia_mean_ps, MCLOAD_FB_IA_SHAPE);
        ok &= lathist_init(&m->g[i].lat, LATHIST_SUB_BITS, &a);
        ok &= lathist_init(&m->g[i].svc, LATHIST_SUB_BITS, &a);
    }
    m->value_max = m->cfg.dist == MCLOAD_ETC ? m->cfg.value_max : m->cfg.value_size;
    m->value = stk_mem_alloc(&a, m->value_max ? m->value_max : 1);
    m->c = stk_mem_array(&a, m->nconns, sizeof *m->c);
    m->heap = stk_mem_array(&a, m->nconns, sizeof *m->heap);
    if (!ok || !m->value || !m->c || !m->heap) {
        mcload_destroy(m);
        return NULL;
    }
    for (uint32_t i = 0; i < m->value_max; i++) m->value[i] = (char)('a' + i % 26);
    for (unsigned i = 0; i < m->nconns; i++) {
        struct mconn *c = &m->c[i];
        c->group = i < cfg->conns ? 0 : 1;
        unsigned depth = m->g[c->group].depth, j = i - m->g[c->group].first;
        c->heap_pos = UINT32_MAX;
        c->rng = cfg->seed ^ (0x5bd1e9955bd1e995ull * (2 * (uint64_t)j + c->group + 1));
        mcload_splitmix(&c->rng);
        c->nslots = 2 * depth + 2;
        c->q = stk_mem_array(&a, depth, sizeof *c->q);
        c->slots = stk_mem_array(&a, c->nslots, sizeof *c->slots);
        if (!c->q || !c->slots) {
            mcload_destroy(m);
            return NULL;
        }
    }
    return m;
}

void mcload_destroy(struct mcload *m) {
    if (!m) return;
    if (m->c)
        for (unsigned i = 0; i < m->nconns; i++) {
            stk_mem_free(&m->alloc, m->c[i].q);
            stk_mem_free(&m->alloc, m->c[i].slots);
        }
    for (int i = 0; i < 2; i++) {
        lathist_fini(&m->g[i].lat);
        lathist_fini(&m->g[i].svc);
    }
    connmap_fini(&m->map);
    stk_mem_free(&m->alloc, m->c);
    stk_mem_free(&m->alloc, m->heap);
    stk_mem_free(&m->alloc, m->value);
    struct stk_alloc a = m->alloc;
    stk_mem_free(&a, m);
}

/* -- sending -- */

static void advance(struct mcload *m, struct mconn *c, uint64_t from);

/* A connection that ends before its process does: the arrivals it would
 * have had inside the window up to now are counted as intended (and so,
 * never measured, as incomplete). */
static void end_process(struct mcload *m, struct mconn *c) {
    if (m->phase != PH_RUN || !c->scheduled || c->gen_end) return;
    uint64_t now = now_of(m), limit = now < m->win_end ? now : m->win_end;
    while (!c->gen_end && c->next_due < limit) advance(m, c, c->next_due);
    c->gen_end = true;
}

static void close_conn(struct mcload *m, struct mconn *c) {
    if (c->st != C_OPEN) return;
    end_process(m, c);
    c->st = C_CLOSED;
    c->gen_end = true;
    c->blocked = false;
    heap_remove(m, c);
    m->g[c->group].st.conns_open--;
    sock_close(m->k, c->id);
}

static const char crlf[] = "\r\n";

/* Formats and sends one request (SET when `set`) of record `index` with a
 * value of vlen bytes; false when the transport refused it (closed). */
static bool send_req(struct mcload *m, struct mconn *c, bool set, uint64_t index, uint32_t vlen,
                     uint64_t intended, uint64_t now, bool load) {
    struct mslot *s = &c->slots[(c->sh + c->sn) % c->nslots];
    unsigned w =
        m->cfg.dist == MCLOAD_ETC ? mcload_etc_key_width(index, m->cfg.records) : m->cfg.key_size;
    char *p = s->buf;
    memcpy(p, set ? "set " : "get ", 4);
    p += 4;
    p += mcload_key(p, index, w);
    if (set) {
        memcpy(p, " 0 0 ", 5);
        p += 5;
        char num[12];
        unsigned nd = 0;
        uint32_t v = vlen;
        do {
            num[nd++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        while (nd) *p++ = num[--nd];
    }
    *p++ = '\r';
    *p++ = '\n';
    size_t hl = (size_t)(p - s->buf);
    struct sock_sendbuf v[3] = {{s->buf, hl, 0}, {m->value, vlen, 0}, {crlf, 2, 0}};
    unsigned nv = set ? 3 : 1;
    if (set && !vlen) v[1] = v[2], nv = 2;
    uint64_t total = hl + (set ? (uint64_t)vlen + 2 : 0);
    struct mgroup *g = &m->g[c->group];
    if (sock_send(m->k, c->id, v, nv) != 0) {
        g->st.send_failed++;
        close_conn(m, c);
        return false;
    }
    c->tx += total;
    s->end = c->tx;
    c->sn++;
    c->q[(c->qh + c->qn) % g->depth] = (struct mreq){intended, now, set, load};
    c->qn++;
    if (!load) {
        g->st.tx_bytes += total;
        if (set)
            g->st.sets++;
        else
            g->st.gets++;
    }
    return true;
}

/* The next arrival of c's process, after `from`. */
static void advance(struct mcload *m, struct mconn *c, uint64_t from) {
    double d = ia_draw(m, c);
    uint64_t next = from + (d > 0 ? (uint64_t)(d + 0.5) : 0);
    c->next_due = next < from ? UINT64_MAX : next; /* (overflow) */
    if (c->next_due >= m->win_end) {
        c->gen_end = true;
    } else if (c->next_due >= m->win_start) {
        m->g[c->group].st.win_intended++;
    }
}

static bool can_send(const struct mcload *m, const struct mconn *c) {
    return c->qn < m->g[c->group].depth && c->sn < c->nslots;
}

/* Sends c's requests that are due by now; leaves it in the heap (waiting
 * for its time), blocked (due, no place) or ended. */
static void issue_due(struct mcload *m, struct mconn *c, uint64_t now) {
    heap_remove(m, c);
    while (c->st == C_OPEN && !c->gen_end && c->next_due <= now) {
        if (!can_send(m, c)) {
            if (!c->blocked) m->g[c->group].st.waited++;
            c->blocked = true;
            return;
        }
        c->blocked = false;
        bool set = mcload_unit(&c->rng) < m->cfg.update;
        uint64_t index = below(&c->rng, m->cfg.records);
        uint32_t vlen = 0;
        if (set) {
            if (m->cfg.dist == MCLOAD_ETC) {
                double u = mcload_unit(&c->rng), u2 = mcload_unit(&c->rng);
                vlen = mcload_etc_value(u, u2, m->value_max);
            } else {
                vlen = m->cfg.value_size;
            }
        }
        if (!send_req(m, c, set, index, vlen, c->next_due, now, false)) return;
        advance(m, c, c->next_due);
    }
    c->blocked = false;
    if (c->st == C_OPEN && !c->gen_end) heap_push(m, c);
}

static void schedule_start(struct mcload *m, struct mconn *c, uint64_t now) {
    if (c->scheduled || c->st != C_OPEN) return;
    c->scheduled = true;
    advance(m, c, now);
    if (!c->gen_end) heap_push(m, c);
}

static void begin_run(struct mcload *m, uint64_t now) {
    m->phase = PH_RUN;
    m->t0 = now;
    m->win_start = now + m->cfg.warmup;
    m->win_end = m->win_start + m->cfg.duration;
    if (m->win_end < m->win_start) m->win_end = UINT64_MAX;
    for (unsigned i = 0; i < m->nconns; i++) schedule_start(m, &m->c[i], now);
}

/* Preload: c sends SETs of the next records while it has room. */
static void load_fill(struct mcload *m, struct mconn *c, uint64_t now) {
    while (c->st == C_OPEN && c->group == MCLOAD_LOAD && m->load_next < m->cfg.records &&
           can_send(m, c)) {
        uint32_t vlen = m->cfg.value_size;
        if (m->cfg.dist == MCLOAD_ETC) {
            double u = mcload_unit(&c->rng), u2 = mcload_unit(&c->rng);
            vlen = mcload_etc_value(u, u2, m->value_max);
        }
        if (!send_req(m, c, true, m->load_next, vlen, now, now, true)) return;
        m->load_next++;
        m->load_out++;
    }
}

static void load_check(struct mcload *m, uint64_t now) {
    if (m->phase == PH_LOAD && m->load_next >= m->cfg.records && !m->load_out) begin_run(m, now);
}

int mcload_start(struct mcload *m, struct sock *k) {
    if (m->phase != PH_IDLE) return -1;
    m->k = k;
    uint64_t now = now_of(m);
    m->phase = PH_LOAD;
    m->win_start = m->win_end = UINT64_MAX;
    for (unsigned i = 0; i < m->nconns; i++) {
        struct mconn *c = &m->c[i];
        const struct mgroup *g = &m->g[c->group];
        const struct mcload_server *s = &m->servers[(i - g->first) % m->cfg.nservers];
        m->g[c->group].st.connects++;
        if (sock_connect(k, i, s->ip, s->port) != 0) {
            m->g[c->group].st.connect_failed++;
            continue;
        }
        c->st = C_CONNECTING;
        m->nlive++;
    }
    if (!m->cfg.preload) m->load_next = m->cfg.records;
    load_check(m, now);
    return 0;
}

void mcload_poll(struct mcload *m) {
    if (m->phase != PH_RUN || !m->nheap) return;
    uint64_t now = now_of(m);
    while (m->nheap && m->heap[0]->next_due <= now) issue_due(m, m->heap[0], now);
}

uint64_t mcload_next_due(const struct mcload *m) {
    return m->phase == PH_RUN && m->nheap ? m->heap[0]->next_due : UINT64_MAX;
}

bool mcload_running(const struct mcload *m, uint64_t *t0) {
    if (m->phase != PH_RUN) return false;
    if (t0) *t0 = m->t0;
    return true;
}

bool mcload_done(const struct mcload *m) {
    if (m->phase != PH_RUN) return false;
    for (unsigned i = 0; i < m->nconns; i++) {
        const struct mconn *c = &m->c[i];
        if (c->st == C_CONNECTING) return false;
        if (c->st == C_OPEN && (!c->gen_end || c->qn)) return false;
    }
    return true;
}

void mcload_close(struct mcload *m) {
    m->closing = true;
    for (unsigned i = 0; i < m->nconns; i++) close_conn(m, &m->c[i]);
}

bool mcload_quiet(const struct mcload *m) { return m->phase != PH_IDLE && !m->nlive; }

const struct mcload_stats *mcload_stats(const struct mcload *m, unsigned group) {
    return &m->g[group ? 1 : 0].st;
}

const struct lathist *mcload_hist(const struct mcload *m, unsigned group, bool service) {
    return service ? &m->g[group ? 1 : 0].svc : &m->g[group ? 1 : 0].lat;
}

void mcload_result(const struct mcload *m, unsigned group, struct mcload_result *r) {
    const struct mgroup *g = &m->g[group ? 1 : 0];
    memset(r, 0, sizeof *r);
    double w = (double)m->cfg.duration / 1e12;
    if (w > 0) {
        r->qps = (double)g->st.win_done / w;
        r->offered_qps = (double)g->st.win_intended / w;
    }
    r->p50 = lathist_quantile(&g->lat, 0.50);
    r->p90 = lathist_quantile(&g->lat, 0.90);
    r->p99 = lathist_quantile(&g->lat, 0.99);
    r->p999 = lathist_quantile(&g->lat, 0.999);
    r->max = g->lat.count ? g->lat.max : 0;
    r->mean = lathist_mean(&g->lat);
    r->svc_p50 = lathist_quantile(&g->svc, 0.50);
    r->svc_p99 = lathist_quantile(&g->svc, 0.99);
    r->measured = g->st.win_measured;
    r->incomplete =
        g->st.win_intended > g->st.win_measured ? g->st.win_intended - g->st.win_measured : 0;
}

/* -- events -- */

static struct mconn *conn_of(struct mcload *m, struct sock_id id) {
    return connmap_get(&m->map, id);
}

static void on_new_conn(void *ctx, struct sock_id id, uint64_t cookie, bool active, int status) {
    struct mcload *m = ctx;
    if (!active || cookie >= m->nconns || m->c[cookie].st != C_CONNECTING) return;
    struct mconn *c = &m->c[cookie];
    struct mgroup *g = &m->g[c->group];
    if (status < 0) {
        g->st.connect_failed++;
        c->st = C_IDLE;
        m->nlive--;
        return;
    }
    if (!connmap_put(&m->map, id, c)) {
        g->st.no_memory++;
        c->st = C_IDLE;
        m->nlive--;
        sock_close(m->k, id);
        return;
    }
    c->id = id;
    c->st = C_OPEN;
    g->st.conns_open++;
    mcload_reply_init(&c->reply);
    if (m->closing) {
        close_conn(m, c);
        return;
    }
    uint64_t now = now_of(m);
    if (m->phase == PH_LOAD)
        load_fill(m, c, now);
    else
        schedule_start(m, c, now);
}

/* The reply at the head of c's queue is complete; false: of the wrong kind. */
static bool reply_done(struct mcload *m, struct mconn *c, uint64_t now) {
    struct mgroup *g = &m->g[c->group];
    struct mreq e = c->q[c->qh];
    c->qh = (c->qh + 1) % g->depth;
    c->qn--;
    enum mcload_kind k = c->reply.kind;
    bool ok = k == MCLOAD_R_ERROR || (e.set ? k == MCLOAD_R_STORED || k == MCLOAD_R_NOT_STORED
                                            : k == MCLOAD_R_HIT || k == MCLOAD_R_MISS);
    mcload_reply_init(&c->reply);
    if (e.load) {
        m->load_out--;
        m->load_done++;
        return ok;
    }
    if (!ok) return false;
    switch (k) {
    case MCLOAD_R_HIT: g->st.hits++; break;
    case MCLOAD_R_MISS: g->st.misses++; break;
    case MCLOAD_R_STORED: g->st.stored++; break;
    case MCLOAD_R_NOT_STORED: g->st.not_stored++; break;
    default: g->st.server_errors++; break;
    }
    if (now >= m->win_start && now < m->win_end) g->st.win_done++;
    if (e.intended >= m->win_start && e.intended < m->win_end) {
        g->st.win_measured++;
        lathist_record(&g->lat, now - e.intended);
        lathist_record(&g->svc, now - e.sent);
    }
    return true;
}

/* After replies or acknowledgements: whatever they unblock. */
static void kick(struct mcload *m, struct mconn *c, uint64_t now) {
    if (c->st != C_OPEN) return;
    if (m->phase == PH_LOAD) {
        load_fill(m, c, now);
        load_check(m, now);
    } else if (m->phase == PH_RUN && c->blocked) {
        issue_due(m, c, now);
    }
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct mcload *m = ctx;
    struct mconn *c = conn_of(m, id);
    if (!c || c->st != C_OPEN) return;
    struct mgroup *g = &m->g[c->group];
    uint64_t now = now_of(m);
    size_t used = 0;
    bool bad = false;
    for (unsigned i = 0; i < n && !bad; i++) {
        const char *p = b[i].ptr;
        size_t len = b[i].len;
        while (len && !bad) {
            if (!c->qn) { /* bytes nobody asked for */
                bad = true;
                break;
            }
            size_t u;
            int rc = mcload_reply_feed(&c->reply, p, len, &u);
            used += u;
            p += u;
            len -= u;
            if (rc == MCLOAD_REPLY_ERR)
                bad = true;
            else if (rc == MCLOAD_REPLY_DONE && !reply_done(m, c, now))
                bad = true;
        }
    }
    g->st.rx_bytes += used;
    if (used) sock_recv_done(m->k, id, used);
    if (bad) {
        g->st.protocol_errors++;
        close_conn(m, c);
        return;
    }
    kick(m, c, now);
    if (m->phase == PH_LOAD) load_check(m, now);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct mcload *m = ctx;
    struct mconn *c = conn_of(m, id);
    if (!c) return;
    c->acked += count;
    while (c->sn && c->slots[c->sh].end <= c->acked) {
        c->sh = (c->sh + 1) % c->nslots;
        c->sn--;
    }
    if (c->st == C_OPEN) kick(m, c, now_of(m));
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct mcload *m = ctx;
    struct mconn *c = conn_of(m, id);
    if (!c || c->st != C_OPEN) return;
    m->g[c->group].st.closed_by_server++;
    close_conn(m, c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct mcload *m = ctx;
    struct mconn *c = connmap_del(&m->map, id);
    if (!c) return;
    if (c->st == C_OPEN) { /* gone without remote_closed (reset) */
        m->g[c->group].st.closed_by_server++;
        end_process(m, c);
        c->st = C_CLOSED;
        c->gen_end = true;
        heap_remove(m, c);
        m->g[c->group].st.conns_open--;
    }
    if (m->phase == PH_LOAD && c->group == MCLOAD_LOAD && c->qn) {
        for (unsigned i = 0; i < c->qn; i++) /* its records go unloaded */
            if (c->q[(c->qh + i) % m->g[0].depth].load) m->load_out--;
        c->qn = 0;
        load_check(m, now_of(m));
    }
    m->nlive--;
}

struct sock_events mcload_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
