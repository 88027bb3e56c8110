#include "workloads/httpc.h"
#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- The response parser ---- */

enum { P_STATUS, P_FIELDS, P_BODY, P_DONE, P_ERR };

void httpc_resp_init(struct httpc_resp *r, bool verify, const uint8_t *expect, size_t expect_len) {
    r->status = 0;
    r->keep_alive = false;
    r->body_len = r->head_bytes = r->body_bytes = r->body_left = 0;
    r->interim = 0;
    r->mismatch = false;
    r->st = P_STATUS;
    r->http11 = r->has_cl = r->conn_close = r->conn_keep = r->check = false;
    r->line_len = 0;
    r->verify = verify;
    r->expect = expect;
    r->expect_len = expect_len;
}

/* A field name against a lowercase literal, without case. */
static bool name_is(const char *p, size_t n, const char *lit) {
    return n == strlen(lit) && strncasecmp(p, lit, n) == 0;
}

/* "HTTP/1.x DDD[ reason]" (RFC 9112 4). */
static bool status_line(struct httpc_resp *r, const char *p, size_t n) {
    if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
        return false;
    if (n > 12 && p[12] != ' ') return false;
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        code = code * 10 + (p[i] - '0');
    }
    if (code < 100 || code > 599) return false;
    r->status = code;
    r->http11 = p[7] == '1';
    return true;
}

/* The tokens of a Connection value (RFC 9110 7.6.1; a token holds no
 * white space): close, keep-alive. */
static void connection_tokens(struct httpc_resp *r, const char *v, size_t n) {
    for (size_t i = 0; i < n;) {
        if (v[i] == ',' || v[i] == ' ' || v[i] == '\t') {
            i++;
            continue;
        }
        size_t t = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t') i++;
        if (name_is(v + t, i - t, "close")) r->conn_close = true;
        if (name_is(v + t, i - t, "keep-alive")) r->conn_keep = true;
    }
}

/* One field line p[0..n) (without its end); `cut`: the line went on past
 * the line buffer. */
static bool field_line(struct httpc_resp *r, const char *p, size_t n, bool cut) {
    size_t k = 0; /* the name: up to the colon, no white space or control characters */
    while (k < n && p[k] != ':' && (unsigned char)p[k] > ' ' && p[k] != 0x7f) k++;
    /* no name, obs-fold (RFC 9112 5.2), or space before the colon (5.1) */
    if (k == 0 || k == n || p[k] != ':') return false;
    bool cl = name_is(p, k, "content-length"), conn = name_is(p, k, "connection");
    if (name_is(p, k, "transfer-encoding")) return false; /* chunked: not supported */
    if (!cl && !conn) return true;
    if (cut) return false; /* a field we read, longer than we keep */
    const char *v = p + k + 1, *e = p + n;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
    if (conn) {
        connection_tokens(r, v, (size_t)(e - v));
        return true;
    }
    if (v == e) return false;
    uint64_t x = 0;
    for (const char *q = v; q < e; q++) {
        if (*q < '0' || *q > '9') return false;
        x = x * 10 + (uint64_t)(*q - '0');
        if (x > (1ull << 50)) return false;
    }
    if (r->has_cl && x != r->body_len) return false; /* RFC 9112 6.3: differing values */
    r->has_cl = true;
    r->body_len = x;
    return true;
}

/* The empty line ending a head. */
static bool head_end(struct httpc_resp *r) {
    if (r->status < 200) {
        if (r->status == 101) return false; /* no upgrade was asked for */
        r->interim++;
        r->st = P_STATUS;
        r->has_cl = r->conn_close = r->conn_keep = false;
        r->body_len = 0;
        return true;
    }
    if (r->status == 204 || r->status == 304)
        r->body_len = 0;
    else if (!r->has_cl)
        return false; /* a body delimited by the close: not supported */
    r->keep_alive = r->http11 ? !r->conn_close : r->conn_keep && !r->conn_close;
    if (r->verify && r->status < 300) {
        r->mismatch = r->body_len != r->expect_len;
        r->check = !r->mismatch;
    }
    r->body_left = r->body_len;
    r->st = r->body_left ? P_BODY : P_DONE;
    return true;
}

static bool line_end(struct httpc_resp *r) {
    bool cut = r->line_len > HTTPC_LINE_MAX;
    size_t n = cut ? HTTPC_LINE_MAX : r->line_len;
    if (!cut && n && r->line[n - 1] == '\r') n--;
    r->line_len = 0;
    if (r->st == P_STATUS) {
        r->st = P_FIELDS;
        return status_line(r, r->line, n);
    }
    if (n == 0 && !cut) return head_end(r);
    return field_line(r, r->line, n, cut);
}

int httpc_resp_feed(struct httpc_resp *r, const char *p, size_t len, size_t *used) {
    size_t i = 0;
    while (i < len && (r->st == P_STATUS || r->st == P_FIELDS)) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) + 1 : len, k = end - i;
        if (r->head_bytes + k > HTTPC_HEAD_MAX) {
            r->st = P_ERR;
            break;
        }
        if (r->line_len < HTTPC_LINE_MAX) {
            size_t room = HTTPC_LINE_MAX - r->line_len, c = nl ? k - 1 : k;
            memcpy(r->line + r->line_len, p + i, c < room ? c : room);
        }
        r->line_len += nl ? k - 1 : k;
        r->head_bytes += k;
        i = end;
        if (nl && !line_end(r)) r->st = P_ERR;
    }
    if (r->st == P_BODY && i < len) {
        size_t k = len - i < r->body_left ? len - i : (size_t)r->body_left;
        if (r->check && memcmp(p + i, r->expect + r->body_bytes, k) != 0) {
            r->mismatch = true;
            r->check = false;
        }
        r->body_bytes += k;
        r->body_left -= k;
        i += k;
        if (!r->body_left) r->st = P_DONE;
    }
    *used = i;
    return r->st == P_DONE ? HTTPC_RESP_DONE : r->st == P_ERR ? HTTPC_RESP_ERR : HTTPC_RESP_MORE;
}

/* ---- The client ---- */

/* One connection, from established to cleanup. */
struct cconn {
    struct sock_id id;
    struct slot *slot; /* NULL once the client has closed it */
    bool closed;       /* close issued */
    bool busy;         /* a request outstanding */
    unsigned target;
    uint64_t sent_at;
    struct httpc_resp resp;
};

/* One closed loop. */
struct slot {
    struct cconn *conn; /* open and ours, or NULL */
    uint64_t cursor;    /* the next target, round-robin */
    bool connecting;    /* connect asked, new_conn not yet seen */
    bool reserved;      /* holds one request of the limit for the coming connection */
    bool retry;         /* the transport refused its connect: try again later */
};

struct req {
    size_t off, len; /* in reqs */
};

struct httpc {
    struct httpc_config cfg;
    struct sock *k;
    struct slot *slots;
    char *reqs; /* every target's request, built once */
    struct req *req;
    struct connmap conns;
    uint64_t claimed; /* requests sent + reserved */
    unsigned nconns;  /* in the map (until their cleanup) */
    unsigned nconnecting, nretry;
    bool started, stopped;
    struct httpc_stats st;
    struct stk_alloc alloc;
};

static bool path_ok(const char *p) {
    if (!p || p[0] != '/') return false;
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) return false;
    return true;
}

static size_t put(char *dst, const char *s) {
    size_t n = strlen(s);
    if (dst) memcpy(dst, s, n);
    return n;
}

/* "GET <path> HTTP/1.1\r\nHost: <host>\r\n[Connection: close\r\n]\r\n" into
 * dst (NULL: only its length). */
static size_t build_req(char *dst, const char *path, const char *host, bool close) {
    size_t n = 0;
    n += put(dst ? dst + n : NULL, "GET ");
    n += put(dst ? dst + n : NULL, path);
    n += put(dst ? dst + n : NULL, " HTTP/1.1\r\nHost: ");
    n += put(dst ? dst + n : NULL, host);
    n += put(dst ? dst + n : NULL, close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
    return n;
}

struct httpc *httpc_create(const struct httpc_config *cfg, const struct stk_alloc *alloc) {
    if (!cfg || !cfg->conns || !cfg->targets || !cfg->ntargets || !cfg->port) return NULL;
    for (unsigned i = 0; i < cfg->ntargets; i++)
        if (!path_ok(cfg->targets[i].path) || (!cfg->targets[i].data && cfg->targets[i].len))
            return NULL;
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct httpc *c = stk_mem_alloc(&a, sizeof *c);
    if (!c) return NULL;
    c->alloc = a;
    c->cfg = *cfg;
    connmap_init(&c->conns, &a);
    char host[32];
    uint32_t ip = cfg->server_ip;
    int hl = snprintf(host, sizeof host, "%u.%u.%u.%u", (unsigned)(ip >> 24),
                      (unsigned)(ip >> 16 & 255), (unsigned)(ip >> 8 & 255), (unsigned)(ip & 255));
    if (cfg->port != 80) snprintf(host + hl, sizeof host - (size_t)hl, ":%u", (unsigned)cfg->port);
    size_t total = 0;
    for (unsigned i = 0; i < cfg->ntargets; i++)
        total += build_req(NULL, cfg->targets[i].path, host, cfg->no_keepalive);
    c->req = stk_mem_array(&a, cfg->ntargets, sizeof *c->req);
    c->reqs = stk_mem_alloc(&a, total);
    c->slots = stk_mem_array(&a, cfg->conns, sizeof *c->slots);
    if (!c->req || !c->reqs || !c->slots) {
        httpc_destroy(c);
        return NULL;
    }
    size_t off = 0;
    for (unsigned i = 0; i < cfg->ntargets; i++) {
        c->req[i].off = off;
        c->req[i].len = build_req(c->reqs + off, cfg->targets[i].path, host, cfg->no_keepalive);
        off += c->req[i].len;
    }
    for (unsigned i = 0; i < cfg->conns; i++) c->slots[i].cursor = i % cfg->ntargets;
    return c;
}

void httpc_destroy(struct httpc *c) {
    if (!c) return;
    for (size_t i = 0; i < c->conns.cap; i++)
        if (c->conns.t[i].key) stk_mem_free(&c->alloc, c->conns.t[i].val);
    connmap_fini(&c->conns);
    stk_mem_free(&c->alloc, c->slots);
    stk_mem_free(&c->alloc, c->reqs);
    stk_mem_free(&c->alloc, c->req);
    struct stk_alloc a = c->alloc;
    stk_mem_free(&a, c);
}

const struct httpc_stats *httpc_stats(const struct httpc *c) { return &c->st; }

static uint64_t now(const struct httpc *c) { return c->cfg.now ? c->cfg.now(c->cfg.ctx) : 0; }

/* The slot holds one request of the limit for its next request; false when
 * there is none left to take (stopped, or the limit reached). */
static bool claim(struct httpc *c, struct slot *s) {
    if (s->reserved) return true;
    if (c->stopped || (c->cfg.max_requests && c->claimed >= c->cfg.max_requests)) return false;
    s->reserved = true;
    c->claimed++;
    return true;
}

/* Closes k and takes it from its slot; k stays in the map until cleanup. */
static void close_conn(struct httpc *c, struct cconn *k) {
    if (k->slot) k->slot->conn = NULL;
    k->slot = NULL;
    if (!k->closed) {
        k->closed = true;
        sock_close(c->k, k->id);
    }
}

static void open_conn(struct httpc *c, struct slot *s) {
    c->st.connects++;
    if (sock_connect(c->k, (uint64_t)(s - c->slots), c->cfg.server_ip, c->cfg.port) != 0) {
        c->st.connect_failed++;
        if (!s->retry) c->nretry++;
        s->retry = true;
        return;
    }
    s->connecting = true;
    c->nconnecting++;
}

static void send_request(struct httpc *c, struct slot *s, struct cconn *k);

/* The slot has nothing outstanding: its next request, on its connection or
 * on a new one, or (none left) the end of its loop. */
static void slot_next(struct httpc *c, struct slot *s) {
    if (!claim(c, s)) {
        if (s->conn) close_conn(c, s->conn);
    } else if (s->conn) {
        send_request(c, s, s->conn);
    } else if (!s->connecting) {
        open_conn(c, s);
    }
}

static void send_request(struct httpc *c, struct slot *s, struct cconn *k) {
    unsigned t = (unsigned)(s->cursor % c->cfg.ntargets);
    const struct httpd_file *f = &c->cfg.targets[t];
    httpc_resp_init(&k->resp, c->cfg.verify, f->data, f->len);
    k->target = t;
    k->sent_at = now(c);
    struct sock_sendbuf v = {c->reqs + c->req[t].off, c->req[t].len, 0};
    if (sock_send(c->k, k->id, &v, 1) != 0) { /* on a new connection, the same target */
        c->st.send_failed++;
        close_conn(c, k);
        slot_next(c, s);
        return;
    }
    k->busy = true;
    s->cursor++;
    s->reserved = false; /* claimed stays: it counts sent requests too */
    c->st.requests++;
}

static void retry_slots(struct httpc *c) {
    for (unsigned i = 0; i < c->cfg.conns && c->nretry; i++) {
        struct slot *s = &c->slots[i];
        if (!s->retry) continue;
        s->retry = false;
        c->nretry--;
        slot_next(c, s);
    }
}

int httpc_start(struct httpc *c, struct sock *k) {
    if (c->started) return -1;
    c->started = true;
    c->k = k;
    for (unsigned i = 0; i < c->cfg.conns; i++) slot_next(c, &c->slots[i]);
    return 0;
}

void httpc_stop(struct httpc *c) {
    c->stopped = true;
    for (unsigned i = 0; i < c->cfg.conns; i++) {
        struct slot *s = &c->slots[i];
        if (s->reserved) c->claimed--;
        s->reserved = false;
        if (s->retry) c->nretry--;
        s->retry = false;
        /* (an open connection always has a request outstanding) */
    }
}

bool httpc_quiet(const struct httpc *c) {
    bool done = c->stopped || (c->cfg.max_requests && c->st.requests >= c->cfg.max_requests);
    return c->started && done && !c->nconns && !c->nconnecting;
}

void httpc_poll(struct httpc *c) {
    if (c->started) retry_slots(c);
}

static void on_new_conn(void *ctx, struct sock_id id, uint64_t cookie, bool active, int status) {
    struct httpc *c = ctx;
    if (!active || cookie >= c->cfg.conns || !c->slots[cookie].connecting) return;
    struct slot *s = &c->slots[cookie];
    s->connecting = false;
    c->nconnecting--;
    if (status < 0) {
        c->st.connect_failed++;
        slot_next(c, s); /* again (cleanup(id) follows; the id was never ours) */
        return;
    }
    struct cconn *k = stk_mem_alloc(&c->alloc, sizeof *k);
    if (!k || !connmap_put(&c->conns, id, k)) {
        stk_mem_free(&c->alloc, k);
        c->st.no_memory++;
        sock_close(c->k, id);
        if (!s->retry) c->nretry++;
        s->retry = true;
        return;
    }
    k->id = id;
    k->slot = s;
    s->conn = k;
    c->nconns++;
    c->st.conns_opened++;
    slot_next(c, s);
}

static void response_done(struct httpc *c, struct cconn *k) {
    const struct httpc_resp *r = &k->resp;
    k->busy = false;
    c->st.responses++;
    c->st.s1xx += r->interim;
    switch (r->status / 100) {
    case 2: c->st.s2xx++; break;
    case 3: c->st.s3xx++; break;
    case 4: c->st.s4xx++; break;
    default: c->st.s5xx++; break;
    }
    c->st.body_bytes += r->body_bytes;
    if (r->mismatch)
        c->st.body_mismatch++;
    else if (r->status / 100 == 2)
        c->st.responses_ok++;
    if (!c->cfg.record) return;
    struct httpc_record rec = {r->status,     k->target,     (unsigned)(k->slot - c->slots),
                               r->head_bytes, r->body_bytes, now(c) - k->sent_at,
                               !r->mismatch};
    c->cfg.record(c->cfg.ctx, &rec);
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct httpc *c = ctx;
    struct cconn *k = connmap_get(&c->conns, id);
    if (!k || k->closed) return;
    struct slot *s = k->slot;
    size_t used = 0;
    int rc = HTTPC_RESP_MORE;
    bool extra = false; /* bytes with no request outstanding */
    for (unsigned i = 0; i < n && !extra && rc != HTTPC_RESP_ERR; i++) {
        if (!b[i].len) continue;
        if (!k->busy || rc == HTTPC_RESP_DONE) {
            extra = true;
            break;
        }
        size_t u;
        rc = httpc_resp_feed(&k->resp, b[i].ptr, b[i].len, &u);
        used += u;
        extra = rc == HTTPC_RESP_DONE && u < b[i].len;
    }
    c->st.rx_bytes += used;
    if (used) sock_recv_done(c->k, id, used);
    bool done = rc == HTTPC_RESP_DONE;
    if (done) response_done(c, k);
    if (rc == HTTPC_RESP_ERR || extra) {
        c->st.malformed++;
        close_conn(c, k);
    } else if (!done) {
        return;
    } else if (!k->resp.keep_alive || c->cfg.no_keepalive) {
        close_conn(c, k);
    }
    slot_next(c, s);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    (void)ctx; /* requests are never written again: nothing to free */
    (void)id;
    (void)count;
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct httpc *c = ctx;
    struct cconn *k = connmap_get(&c->conns, id);
    if (!k || k->closed) return;
    struct slot *s = k->slot;
    if (k->busy) c->st.closed_mid_response++;
    k->busy = false;
    close_conn(c, k);
    slot_next(c, s);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct httpc *c = ctx;
    struct cconn *k = connmap_del(&c->conns, id);
    if (!k) return;
    struct slot *s = k->slot; /* still ours: gone without remote_closed (not expected) */
    if (s) {
        if (k->busy) c->st.closed_mid_response++;
        s->conn = NULL;
    }
    stk_mem_free(&c->alloc, k);
    c->nconns--;
    c->st.conns_closed++;
    if (s) slot_next(c, s);
    retry_slots(c); /* a connection's resources are free again */
}

struct sock_events httpc_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}
