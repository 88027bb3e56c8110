#include "workloads/httpd.h"
#include "workloads/connmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REQ_MAX 8192

struct resp {
    struct resp *next;
    uint64_t total; /* head + body bytes */
    char head[];
};

struct hconn {
    char in[REQ_MAX];
    size_t inlen;
    uint64_t body_skip;  /* request body bytes still to discard */
    struct resp *q, *qt; /* sent, not yet fully acknowledged */
    uint64_t acked_partial;
    uint64_t idle_since; /* server time the idle timeout counts from */
    struct sock_id id;
    bool closing, rclosed, closed;
};

struct httpd {
    const struct httpd_file *files;
    unsigned nfiles;
    struct sock *k;
    uint64_t lid;
    struct connmap conns;
    struct httpd_stats st;
    uint64_t now, idle_timeout, next_scan; /* picoseconds (httpd_poll) */
};

struct httpd *httpd_create(const struct httpd_file *files, unsigned n) {
    struct httpd *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->files = files;
    h->nfiles = n;
    h->idle_timeout = 60000000000000ull; /* 60 s */
    connmap_init(&h->conns);
    return h;
}

static void conn_free(struct hconn *c) {
    while (c->q) {
        struct resp *r = c->q;
        c->q = r->next;
        free(r);
    }
    free(c);
}

void httpd_destroy(struct httpd *h) {
    if (!h) return;
    for (size_t i = 0; i < h->conns.cap; i++)
        if (h->conns.t[i].key) conn_free(h->conns.t[i].val);
    connmap_fini(&h->conns);
    free(h);
}

int httpd_start(struct httpd *h, struct sock *k, uint64_t lid, uint16_t port, unsigned backlog) {
    h->k = k;
    h->lid = lid;
    return sock_listen(k, lid, port, backlog);
}

const struct httpd_stats *httpd_stats(const struct httpd *h) { return &h->st; }

static void on_new_conn(void *ctx, struct sock_id id, uint64_t lid, bool active, int status) {
    struct httpd *h = ctx;
    if (active || status < 0 || lid != h->lid) return;
    struct hconn *c = calloc(1, sizeof *c);
    if (!c || !connmap_put(&h->conns, id, c)) {
        free(c);
        return;
    }
    c->id = id;
    c->idle_since = h->now;
    h->st.conns++;
    sock_accept(h->k, id, lid);
}

static void close_conn(struct httpd *h, struct sock_id id, struct hconn *c) {
    if (!c->closed) {
        c->closed = true;
        sock_close(h->k, id);
    }
}

static void respond(struct httpd *h, struct sock_id id, struct hconn *c, int code,
                    const char *reason, const struct httpd_file *f, bool head_only, bool keep) {
    struct resp *r = malloc(sizeof *r + 256);
    if (!r) {
        close_conn(h, id, c);
        return;
    }
    const char *ctype =
        f ? (f->content_type ? f->content_type : "application/octet-stream") : "text/plain";
    static const char *const body_of[] = {"Bad Request\n", "Not Found\n", "Request Too Large\n",
                                          "Not Implemented\n"};
    const char *small = code == 400   ? body_of[0]
                        : code == 404 ? body_of[1]
                        : code == 413 ? body_of[2]
                        : code == 501 ? body_of[3]
                                      : NULL;
    size_t blen = f ? f->len : strlen(small);
    int hl =
        snprintf(r->head, 256,
                 "HTTP/1.1 %d %s\r\nServer: tessera\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                 "Connection: %s\r\n\r\n",
                 code, reason, ctype, blen, keep ? "keep-alive" : "close");
    struct sock_sendbuf v[2];
    unsigned n = 0;
    v[n++] = (struct sock_sendbuf){r->head, (size_t)hl, 0};
    if (!head_only && blen)
        v[n++] = (struct sock_sendbuf){f ? (const void *)f->data : (const void *)small, blen, 0};
    r->total = (uint64_t)hl + (head_only ? 0 : blen);
    r->next = NULL;
    if (sock_send(h->k, id, v, n) != 0) {
        free(r);
        close_conn(h, id, c);
        return;
    }
    if (c->qt)
        c->qt->next = r;
    else
        c->q = r;
    c->qt = r;
    if (!head_only) h->st.body_bytes += blen;
    switch (code) {
    case 200: h->st.r200++; break;
    case 400: h->st.r400++; break;
    case 404: h->st.r404++; break;
    case 413: h->st.r413++; break;
    default: h->st.r501++; break;
    }
    if (!keep) close_conn(h, id, c);
}

static bool header_has(const char *start, const char *end, const char *name, const char *value) {
    size_t nl = strlen(name);
    for (const char *p = start; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            size_t vl = (size_t)(eol - v), wl = strlen(value);
            for (size_t i = 0; i + wl <= vl; i++)
                if (strncasecmp(v + i, value, wl) == 0) return true;
        }
        p = eol + 1;
    }
    return false;
}

static long long header_num(const char *start, const char *end, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = start; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && *v == ' ') v++;
            long long x = 0;
            bool any = false;
            while (v < eol && *v >= '0' && *v <= '9') {
                x = x * 10 + (*v - '0');
                any = true;
                if (x > (1ll << 40)) return -2;
                v++;
            }
            while (v < eol && (*v == ' ' || *v == '\r')) v++;
            return any && v == eol ? x : -2;
        }
        p = eol + 1;
    }
    return -1;
}

/* Parses and answers every complete request in the buffer. */
static void process(struct httpd *h, struct sock_id id, struct hconn *c) {
    for (;;) {
        if (c->closed) return;
        if (c->body_skip) {
            size_t k = c->inlen < c->body_skip ? c->inlen : (size_t)c->body_skip;
            memmove(c->in, c->in + k, c->inlen - k);
            c->inlen -= k;
            c->body_skip -= k;
            if (c->body_skip) return;
        }
        char *end = NULL;
        for (size_t i = 0; i + 3 < c->inlen; i++)
            if (c->in[i] == '\r' && c->in[i + 1] == '\n' && c->in[i + 2] == '\r' &&
                c->in[i + 3] == '\n') {
                end = c->in + i + 4;
                break;
            }
        if (!end) {
            if (c->inlen >= REQ_MAX) {
                h->st.requests++;
                respond(h, id, c, 413, "Request Entity Too Large", NULL, false, false);
            }
            return;
        }
        h->st.requests++;
        c->idle_since = h->now;
        size_t used = (size_t)(end - c->in);
        /* Request line: METHOD SP target SP HTTP/1.x CRLF */
        char *eol = memchr(c->in, '\r', used);
        char *sp1 = memchr(c->in, ' ', (size_t)(eol - c->in));
        char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
        bool ok = eol && sp1 && sp2 && sp1 > c->in && sp2 > sp1 + 1 && eol[1] == '\n' &&
                  (size_t)(eol - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0 &&
                  (sp2[8] == '0' || sp2[8] == '1') && sp1[1] == '/';
        for (char *p = c->in; ok && p < sp1; p++)
            if (*p < 'A' || *p > 'Z') ok = false;
        long long clen = ok ? header_num(eol + 2, end, "Content-Length") : -1;
        if (!ok || clen == -2) {
            respond(h, id, c, 400, "Bad Request", NULL, false, false);
            return;
        }
        bool http11 = sp2[8] == '1';
        bool keep = http11 ? !header_has(eol + 2, end, "Connection", "close")
                           : header_has(eol + 2, end, "Connection", "keep-alive");
        size_t mlen = (size_t)(sp1 - c->in);
        bool get = mlen == 3 && memcmp(c->in, "GET", 3) == 0;
        bool head = mlen == 4 && memcmp(c->in, "HEAD", 4) == 0;
        /* Path without a query string. */
        char *path = sp1 + 1, *pend = sp2;
        char *q = memchr(path, '?', (size_t)(pend - path));
        if (q) pend = q;
        const struct httpd_file *f = NULL;
        if (get || head) {
            for (unsigned i = 0; i < h->nfiles; i++) {
                size_t pl = strlen(h->files[i].path);
                if (pl == (size_t)(pend - path) && memcmp(h->files[i].path, path, pl) == 0) {
                    f = &h->files[i];
                    break;
                }
            }
        }
        memmove(c->in, end, c->inlen - used);
        c->inlen -= used;
        c->body_skip = clen > 0 ? (uint64_t)clen : 0;
        if (!get && !head)
            respond(h, id, c, 501, "Not Implemented", NULL, false, keep);
        else if (!f)
            respond(h, id, c, 404, "Not Found", NULL, head, keep);
        else
            respond(h, id, c, 200, "OK", f, head, keep);
    }
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (!c) return;
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = b[i].ptr;
        size_t len = b[i].len;
        total += len;
        while (len && !c->closed) {
            size_t room = REQ_MAX - c->inlen;
            size_t k = len < room ? len : room;
            memcpy(c->in + c->inlen, p, k);
            c->inlen += k;
            p += k;
            len -= k;
            process(h, id, c);
            if (c->inlen == REQ_MAX) break;
        }
    }
    if (!c->closed) sock_recv_done(h->k, id, total);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (!c) return;
    c->acked_partial += count;
    while (c->q && c->acked_partial >= c->q->total) {
        struct resp *r = c->q;
        c->acked_partial -= r->total;
        c->q = r->next;
        if (!c->q) {
            c->qt = NULL;
            c->idle_since = h->now; /* waiting for the next request from now */
        }
        free(r);
    }
}

static void on_remote_closed(void *ctx, struct sock_id id) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (c) close_conn(h, id, c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_del(&h->conns, id);
    if (c) conn_free(c);
}

struct sock_events httpd_events(void) {
    return (struct sock_events){on_new_conn, on_new_data, on_data_acked, on_remote_closed,
                                on_cleanup};
}

void httpd_set_idle_timeout(struct httpd *h, uint64_t ps) {
    h->idle_timeout = ps;
    h->next_scan = 0;
}

void httpd_poll(struct httpd *h, uint64_t now) {
    if (now > h->now) h->now = now;
    if (!h->idle_timeout || h->now < h->next_scan) return;
    uint64_t step = h->idle_timeout / 4;
    h->next_scan = h->now + (step < 100000000000ull ? step : 100000000000ull);
    /* Collect first: closing may deliver events that change the map. */
    size_t n = 0, cap = 0;
    struct sock_id *ids = NULL;
    for (size_t i = 0; i < h->conns.cap; i++) {
        struct hconn *c = h->conns.t[i].key ? h->conns.t[i].val : NULL;
        if (!c || c->closed || c->q || h->now - c->idle_since < h->idle_timeout) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            struct sock_id *m = realloc(ids, cap * sizeof *ids);
            if (!m) break;
            ids = m;
        }
        ids[n++] = c->id;
    }
    for (size_t i = 0; i < n; i++) {
        struct hconn *c = connmap_get(&h->conns, ids[i]);
        if (!c || c->closed) continue;
        h->st.idle_closed++;
        close_conn(h, ids[i], c);
    }
    free(ids);
}
