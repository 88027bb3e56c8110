#include "workloads/httpd.h"
#include "workloads/connmap.h"

#include "stack/stk_alloc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define IN_START 2048 /* first size of a connection's parse buffer */
/* Backpressure (issue 18 item 5, as nginx, which reads the next request only
 * once the response is written): a connection whose unacknowledged output
 * passes either bound is not read further until its peer acknowledges;
 * its bytes stay in the stack, so its receive window closes. */
#define OUT_MAX_BYTES (256 * 1024)
#define OUT_MAX_RESPONSES 64

struct resp {
    struct resp *next;
    uint64_t total; /* head + body bytes */
    char head[];
};

struct hconn {
    char *in; /* request bytes not yet parsed (grows to HTTPD_HEAD_MAX) */
    size_t inlen, incap;
    uint64_t body_left;      /* Content-Length body bytes still to discard */
    bool in_chunked;         /* discarding a chunked body */
    struct httpd_chunked ch; /* its decoder */
    /* the response to send once the request's body has been read */
    bool pend, pend_head, pend_keep;
    int pend_code;
    const struct httpd_file *pend_f;
    struct resp *q, *qt; /* sent, not yet fully acknowledged */
    uint64_t acked_partial;
    uint64_t out_bytes; /* in q */
    unsigned out_resps; /* in q */
    /* received bytes not read yet (backpressure): references into the
     * stack's buffers, valid until recv_done */
    struct sock_buf *held;
    unsigned nheld, held_cap;
    size_t held_off;     /* bytes of held[0] already read */
    uint64_t idle_since; /* server time the idle timeout counts from */
    struct sock_id id;
    bool closing, rclosed, closed;
};

/* A file's 200 response heads, built once at create (the paper's webserver
 * sends prebuilt headers: no formatting per response). */
struct prebuilt {
    char *head[2]; /* [0]: Connection: close, [1]: keep-alive */
    size_t len[2];
};

struct httpd {
    const struct httpd_file *files;
    unsigned nfiles;
    struct prebuilt *pre; /* per file */
    /* the bodies of 400, 404, 431 and 501, sent from here: the allocator's
     * memory, which a transport may send from (the UDN one refuses the
     * program image: on the chip these responses were lost) */
    char small[4][40];
    struct sock *k;
    uint64_t lid;
    struct connmap conns;
    struct httpd_stats st;
    uint64_t now, idle_timeout, next_scan; /* picoseconds (httpd_poll) */
    char path[HTTPD_HEAD_MAX];             /* the decoded path of the request being parsed */
    struct stk_alloc alloc;
};

/* A response head into buf (cap bytes): snprintf's result. */
static int format_head(char *buf, size_t cap, int code, const char *reason,
                       const struct httpd_file *f, size_t blen, bool keep) {
    const char *ctype =
        f ? (f->content_type ? f->content_type : "application/octet-stream") : "text/plain";
    return snprintf(buf, cap,
                    "HTTP/1.1 %d %s\r\nServer: tessera\r\nContent-Type: %s\r\nContent-Length: "
                    "%zu\r\nConnection: %s\r\n\r\n",
                    code, reason, ctype, blen, keep ? "keep-alive" : "close");
}

struct httpd *httpd_create(const struct httpd_file *files, unsigned n,
                           const struct stk_alloc *alloc) {
    struct stk_alloc a = stk_alloc_or_default(alloc);
    if (!stk_alloc_ok(&a)) return NULL;
    struct httpd *h = stk_mem_alloc(&a, sizeof *h);
    if (!h) return NULL;
    h->alloc = a;
    h->files = files;
    h->nfiles = n;
    h->idle_timeout = 60000000000000ull; /* 60 s */
    static const char *const small[4] = {"Bad Request\n", "Not Found\n",
                                         "Request Header Fields Too Large\n", "Not Implemented\n"};
    for (unsigned i = 0; i < 4; i++) memcpy(h->small[i], small[i], strlen(small[i]) + 1);
    connmap_init(&h->conns, &a);
    if (n && !(h->pre = stk_mem_array(&a, n, sizeof *h->pre))) {
        httpd_destroy(h);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        for (int keep = 0; keep < 2; keep++) {
            char *p = stk_mem_alloc(&a, 256);
            if (!p) {
                httpd_destroy(h);
                return NULL;
            }
            int len = format_head(p, 256, 200, "OK", &files[i], files[i].len, keep);
            if (len < 0 || len >= 256) { /* (a content type too long for a head) */
                stk_mem_free(&a, p);
                continue;
            }
            h->pre[i].head[keep] = p;
            h->pre[i].len[keep] = (size_t)len;
        }
    }
    return h;
}

static void conn_free(struct httpd *h, struct hconn *c) {
    while (c->q) {
        struct resp *r = c->q;
        c->q = r->next;
        stk_mem_free(&h->alloc, r);
    }
    stk_mem_free(&h->alloc, c->in);
    stk_mem_free(&h->alloc, c->held);
    stk_mem_free(&h->alloc, c);
}

void httpd_destroy(struct httpd *h) {
    if (!h) return;
    for (size_t i = 0; i < h->conns.cap; i++)
        if (h->conns.t[i].key) conn_free(h, h->conns.t[i].val);
    connmap_fini(&h->conns);
    for (unsigned i = 0; h->pre && i < h->nfiles; i++) {
        stk_mem_free(&h->alloc, h->pre[i].head[0]);
        stk_mem_free(&h->alloc, h->pre[i].head[1]);
    }
    stk_mem_free(&h->alloc, h->pre);
    struct stk_alloc a = h->alloc;
    stk_mem_free(&a, h);
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
    struct hconn *c = stk_mem_alloc(&h->alloc, sizeof *c);
    if (!c || !connmap_put(&h->conns, id, c)) {
        stk_mem_free(&h->alloc, c);
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
    /* a file's 200: its prebuilt head (the record only counts the bytes
     * until they are acknowledged); anything else is formatted here */
    const struct prebuilt *pre = code == 200 && f ? &h->pre[f - h->files] : NULL;
    if (pre && !pre->head[keep]) pre = NULL;
    struct resp *r = stk_mem_alloc(&h->alloc, sizeof *r + (pre ? 0 : 256));
    if (!r) {
        close_conn(h, id, c);
        return;
    }
    const char *small = code == 400   ? h->small[0]
                        : code == 404 ? h->small[1]
                        : code == 431 ? h->small[2]
                        : code == 501 ? h->small[3]
                                      : NULL;
    size_t blen = f ? f->len : strlen(small);
    int hl = pre ? (int)pre->len[keep] : format_head(r->head, 256, code, reason, f, blen, keep);
    struct sock_sendbuf v[2];
    unsigned n = 0;
    v[n++] = (struct sock_sendbuf){pre ? pre->head[keep] : r->head, (size_t)hl, 0};
    if (!head_only && blen)
        v[n++] = (struct sock_sendbuf){f ? (const void *)f->data : (const void *)small, blen, 0};
    r->total = (uint64_t)hl + (head_only ? 0 : blen);
    r->next = NULL;
    if (sock_send(h->k, id, v, n) != 0) {
        stk_mem_free(&h->alloc, r);
        close_conn(h, id, c);
        return;
    }
    if (c->qt)
        c->qt->next = r;
    else
        c->q = r;
    c->qt = r;
    c->out_bytes += r->total;
    c->out_resps++;
    if (!head_only) h->st.body_bytes += blen;
    switch (code) {
    case 200: h->st.r200++; break;
    case 400: h->st.r400++; break;
    case 404: h->st.r404++; break;
    case 431: h->st.r431++; break;
    default: h->st.r501++; break;
    }
    if (!keep) close_conn(h, id, c);
}

/* ---- The request parser (RFC 9112), pure functions ---- */

static bool is_tchar(unsigned char ch) {
    if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
        return true;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static int hexval(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

static bool ieq(const char *p, size_t n, const char *lit) {
    return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Calls fn for each element of a comma-separated list (RFC 9110 5.6.1),
 * trimmed of OWS, empty elements skipped. Stops early when fn says false. */
static bool each_token(const char *v, size_t n, bool (*fn)(void *, const char *, size_t),
                       void *arg) {
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ',') j++;
        size_t a = i, b = j;
        while (a < b && (v[a] == ' ' || v[a] == '\t')) a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t')) b--;
        if (b > a && !fn(arg, v + a, b - a)) return false;
        i = j + 1;
    }
    return true;
}

struct conn_tokens {
    bool close, keep_alive;
};
static bool conn_token(void *arg, const char *t, size_t n) {
    struct conn_tokens *ct = arg;
    if (ieq(t, n, "close")) ct->close = true;
    if (ieq(t, n, "keep-alive")) ct->keep_alive = true;
    return true;
}

struct te_state {
    unsigned codings;
    bool chunked_last, chunked_seen, unknown, bad;
};
static bool te_token(void *arg, const char *t, size_t n) {
    struct te_state *te = arg;
    te->codings++;
    bool chunked = ieq(t, n, "chunked");
    if (te->chunked_seen) te->bad = true; /* chunked must be applied once, last */
    if (chunked)
        te->chunked_seen = true;
    else
        te->unknown = true;
    te->chunked_last = chunked;
    return true;
}

/* One header field line [p, p+n) (no line terminator). Returns 0 or an
 * error status. */
static int header_line(const char *p, size_t n, struct httpd_req *r, struct conn_tokens *ct,
                       struct te_state *te, unsigned *hosts, unsigned *cls) {
    if (n && (p[0] == ' ' || p[0] == '\t')) return 400; /* obs-fold (RFC 9112 5.2) */
    size_t k = 0;
    while (k < n && is_tchar((unsigned char)p[k])) k++;
    if (k == 0 || k == n || p[k] != ':') return 400; /* no name, or space before ':' (5.1) */
    const char *name = p;
    size_t nl = k;
    const char *v = p + k + 1, *ve = p + n;
    for (const char *q = v; q < ve; q++) {
        unsigned char ch = (unsigned char)*q;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return 400; /* NUL, CR, CTLs (RFC 9110 5.5) */
    }
    while (v < ve && (*v == ' ' || *v == '\t')) v++;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    size_t vl = (size_t)(ve - v);
    if (ieq(name, nl, "host")) {
        (*hosts)++;
    } else if (ieq(name, nl, "content-length")) {
        /* RFC 9112 6.3: one value, 1*DIGIT; a second field line is refused
         * (as nginx does) even with the same value. */
        if (++*cls > 1 || vl == 0) return 400;
        uint64_t x = 0;
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9') return 400;
            x = x * 10 + (uint64_t)(v[i] - '0');
            if (x > (1ull << 50)) return 400;
        }
        r->content_length = x;
        r->has_content_length = true;
    } else if (ieq(name, nl, "transfer-encoding")) {
        r->has_transfer_encoding = true;
        each_token(v, vl, te_token, te);
    } else if (ieq(name, nl, "connection")) {
        each_token(v, vl, conn_token, ct);
    }
    return 0;
}

/* The request line [p, p+n). Returns 0 or an error status; the decoded
 * path goes to path (cap >= n + 1). */
static int request_line(const char *p, size_t n, struct httpd_req *r, char *path) {
    size_t m = 0;
    while (m < n && p[m] >= 'A' && p[m] <= 'Z') m++;
    if (m == 0 || m >= n || p[m] != ' ') return 400;
    r->method = p;
    r->method_len = m;
    const char *t = p + m + 1, *e = p + n;
    const char *sp = memchr(t, ' ', (size_t)(e - t));
    if (!sp || sp == t) return 400;
    if ((size_t)(e - sp - 1) != 8 || memcmp(sp + 1, "HTTP/1.", 7) != 0 ||
        (sp[8] != '0' && sp[8] != '1'))
        return 400;
    r->http11 = sp[8] == '1';
    for (const char *q = t; q < sp; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch < 0x21 || ch == 0x7f) return 400; /* control characters in the target */
    }
    /* origin-form, or absolute-form (RFC 9112 3.2.2: its authority replaces Host) */
    const char *pa = t;
    if (*t != '/') {
        size_t sl = (size_t)(sp - t);
        size_t skip = sl >= 7 && strncasecmp(t, "http://", 7) == 0    ? 7
                      : sl >= 8 && strncasecmp(t, "https://", 8) == 0 ? 8
                                                                      : 0;
        if (!skip) return 400;
        const char *auth = t + skip;
        pa = auth;
        while (pa < sp && *pa != '/' && *pa != '?') pa++;
        if (pa == auth) return 400;
    }
    const char *pe = pa;
    while (pe < sp && *pe != '?') pe++;
    size_t o = 0;
    if (pa == pe || *pa != '/') path[o++] = '/';
    for (const char *q = pa; q < pe; q++) {
        if (*q != '%') {
            path[o++] = *q;
            continue;
        }
        int hi = q + 2 < pe ? hexval((unsigned char)q[1]) : -1;
        int lo = hi >= 0 ? hexval((unsigned char)q[2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0)) return 400; /* bad escape, or %00 */
        path[o++] = (char)(hi << 4 | lo);
        q += 2;
    }
    path[o] = 0;
    r->path = path;
    r->path_len = o;
    return 0;
}

int httpd_parse_request(const char *buf, size_t len, size_t max_head, struct httpd_req *r,
                        char *path) {
    memset(r, 0, sizeof *r);
    /* RFC 9112 2.2: empty lines before the request line are ignored; a bare
     * LF ends a line as CRLF does. */
    size_t i = 0;
    for (;;) {
        if (i < len && buf[i] == '\n') {
            i++;
        } else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n') {
            i += 2;
        } else {
            break;
        }
    }
    size_t start = i, end = 0;
    for (size_t j = i; j < len && j < max_head; j++) {
        if (buf[j] != '\n') continue;
        if (j + 1 < len && buf[j + 1] == '\n') {
            end = j + 2;
            break;
        }
        if (j + 2 < len && buf[j + 1] == '\r' && buf[j + 2] == '\n') {
            end = j + 3;
            break;
        }
    }
    if (!end || end > max_head) {
        if (len < max_head) return HTTPD_REQ_MORE;
        r->status = 431;
        return HTTPD_REQ_ERR;
    }
    r->head_len = end;
    struct conn_tokens ct = {false, false};
    struct te_state te = {0, false, false, false, false};
    unsigned hosts = 0, cls = 0;
    bool first = true;
    for (size_t ls = start; ls < end;) {
        const char *nl = memchr(buf + ls, '\n', end - ls);
        size_t le = (size_t)(nl - buf), n = le - ls;
        if (n && buf[le - 1] == '\r') n--;
        if (n == 0) break; /* the empty line: end of the head */
        if (memchr(buf + ls, '\r', n)) {
            r->status = 400; /* a bare CR */
            return HTTPD_REQ_ERR;
        }
        int st = first ? request_line(buf + ls, n, r, path)
                       : header_line(buf + ls, n, r, &ct, &te, &hosts, &cls);
        if (st) {
            r->status = st;
            return HTTPD_REQ_ERR;
        }
        first = false;
        ls = le + 1;
    }
    /* RFC 9112 3.2: HTTP/1.1 needs exactly one Host. */
    if ((r->http11 && hosts == 0) || hosts > 1) r->status = 400;
    /* RFC 9112 6.1/6.3: framing. Content-Length with Transfer-Encoding is a
     * smuggling attempt; chunked must be the final coding and HTTP/1.0 has
     * no transfer codings: 400. An unknown coding: 501. Both close. */
    else if (r->has_transfer_encoding && (r->has_content_length || !r->http11 || te.bad ||
                                          te.codings == 0 || (te.chunked_seen && !te.chunked_last)))
        r->status = 400;
    else if (r->has_transfer_encoding && te.unknown)
        r->status = 501;
    if (r->status) return HTTPD_REQ_ERR;
    r->chunked = r->has_transfer_encoding;
    r->keep_alive = r->http11 ? !ct.close : ct.keep_alive && !ct.close;
    return HTTPD_REQ_OK;
}

enum {
    CH_SIZE,       /* first hex digit of a chunk size */
    CH_SIZE_MORE,  /* more hex digits, BWS, ';' or the line end */
    CH_EXT,        /* chunk extensions: skipped to the line end */
    CH_SIZE_LF,    /* LF after the size line's CR */
    CH_DATA,       /* chunk data */
    CH_DATA_END,   /* CR or LF after the data */
    CH_DATA_LF,    /* LF after the data's CR */
    CH_TRAILER,    /* start of a trailer line (or the final empty line) */
    CH_TRAILER_IN, /* inside a trailer line */
    CH_TRAILER_LF, /* LF ending a trailer line */
    CH_END_LF,     /* LF of the final empty line */
    CH_DONE
};

long httpd_chunked_feed(struct httpd_chunked *d, const char *p, size_t len) {
    size_t i = 0;
    while (i < len && d->st != CH_DONE) {
        unsigned char ch = (unsigned char)p[i];
        switch (d->st) {
        case CH_SIZE:
        case CH_SIZE_MORE: {
            int v = hexval(ch);
            if (v >= 0) {
                if (++d->digits > 12) return -1; /* > 2^48: refuse */
                d->left = d->left << 4 | (uint64_t)v;
                d->st = CH_SIZE_MORE;
            } else if (d->st == CH_SIZE) {
                return -1;
            } else if (ch == ';' || ch == ' ' || ch == '\t') {
                d->st = CH_EXT;
            } else if (ch == '\r') {
                d->st = CH_SIZE_LF;
            } else if (ch == '\n') {
                d->st = d->left ? CH_DATA : CH_TRAILER;
            } else {
                return -1;
            }
            i++;
            break;
        }
        case CH_EXT:
            if (++d->line > 4096) return -1;
            if (ch == '\r')
                d->st = CH_SIZE_LF;
            else if (ch == '\n')
                d->st = d->left ? CH_DATA : CH_TRAILER;
            else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return -1;
            i++;
            break;
        case CH_SIZE_LF:
            if (ch != '\n') return -1;
            d->st = d->left ? CH_DATA : CH_TRAILER;
            d->line = 0;
            i++;
            break;
        case CH_DATA: {
            size_t k = len - i < d->left ? len - i : (size_t)d->left;
            d->left -= k;
            d->body += k;
            i += k;
            if (!d->left) d->st = CH_DATA_END;
            break;
        }
        case CH_DATA_END:
            if (ch == '\r')
                d->st = CH_DATA_LF;
            else if (ch == '\n')
                d->st = CH_SIZE, d->digits = 0, d->line = 0;
            else
                return -1;
            i++;
            break;
        case CH_DATA_LF:
            if (ch != '\n') return -1;
            d->st = CH_SIZE;
            d->digits = 0;
            d->line = 0;
            i++;
            break;
        case CH_TRAILER:
            d->line = 0;
            if (ch == '\r')
                d->st = CH_END_LF;
            else if (ch == '\n')
                d->st = CH_DONE;
            else if (ch == ' ' || ch == '\t' || !is_tchar(ch))
                return -1; /* folded or nameless trailer line */
            else
                d->st = CH_TRAILER_IN;
            i++;
            break;
        case CH_TRAILER_IN:
            if (++d->line > HTTPD_HEAD_MAX) return -1;
            if (ch == '\r')
                d->st = CH_TRAILER_LF;
            else if (ch == '\n')
                d->st = CH_TRAILER;
            else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                return -1;
            i++;
            break;
        case CH_TRAILER_LF:
        case CH_END_LF:
            if (ch != '\n') return -1;
            d->st = d->st == CH_END_LF ? CH_DONE : CH_TRAILER;
            i++;
            break;
        default: return -1;
        }
    }
    return (long)i;
}

bool httpd_chunked_done(const struct httpd_chunked *d) { return d->st == CH_DONE; }

/* ---- Request processing ---- */

static void consume(struct hconn *c, size_t k) {
    memmove(c->in, c->in + k, c->inlen - k);
    c->inlen -= k;
}

static void send_pending(struct httpd *h, struct sock_id id, struct hconn *c) {
    c->pend = false;
    static const char *const reason[] = {"OK", "Not Found", "Not Implemented"};
    int code = c->pend_code;
    respond(h, id, c, code,
            reason[code == 200   ? 0
                   : code == 404 ? 1
                                 : 2],
            c->pend_f, c->pend_head, c->pend_keep);
}

static void bad_request(struct httpd *h, struct sock_id id, struct hconn *c, int code) {
    const char *reason = code == 431   ? "Request Header Fields Too Large"
                         : code == 501 ? "Not Implemented"
                                       : "Bad Request";
    c->inlen = 0;
    respond(h, id, c, code, reason, NULL, false, false);
}

/* Reads what it can of the current request's body (discarded); true once
 * it is over (then the pending response goes out). */
static bool body_input(struct httpd *h, struct sock_id id, struct hconn *c) {
    size_t k;
    if (c->in_chunked) {
        long r = httpd_chunked_feed(&c->ch, c->in, c->inlen);
        if (r < 0) {
            c->pend = false;
            bad_request(h, id, c, 400);
            return false;
        }
        k = (size_t)r;
        if (httpd_chunked_done(&c->ch)) c->in_chunked = false;
    } else {
        k = c->inlen < c->body_left ? c->inlen : (size_t)c->body_left;
        c->body_left -= k;
    }
    consume(c, k);
    if (k) c->idle_since = h->now;
    if (c->in_chunked || c->body_left) return false;
    if (c->pend) send_pending(h, id, c);
    return true;
}

static bool out_full(const struct hconn *c) {
    return c->out_bytes >= OUT_MAX_BYTES || c->out_resps >= OUT_MAX_RESPONSES;
}

/* Parses and answers the complete requests in the buffer while the
 * connection's output is below the bounds. */
static void process(struct httpd *h, struct sock_id id, struct hconn *c) {
    for (;;) {
        if (c->closed) return;
        if ((c->in_chunked || c->body_left || c->pend) && !body_input(h, id, c)) return;
        if (c->closed || !c->inlen || out_full(c)) return;
        struct httpd_req r;
        int rc = httpd_parse_request(c->in, c->inlen, HTTPD_HEAD_MAX, &r, h->path);
        if (rc == HTTPD_REQ_MORE) return;
        h->st.requests++;
        c->idle_since = h->now;
        if (rc == HTTPD_REQ_ERR) {
            bad_request(h, id, c, r.status);
            return;
        }
        bool get = ieq(r.method, r.method_len, "GET");
        bool head = ieq(r.method, r.method_len, "HEAD");
        consume(c, r.head_len); /* r.method points into c->in: read first */
        const struct httpd_file *f = NULL;
        if (get || head) {
            for (unsigned i = 0; i < h->nfiles; i++) {
                size_t pl = strlen(h->files[i].path);
                if (pl == r.path_len && memcmp(h->files[i].path, r.path, pl) == 0) {
                    f = &h->files[i];
                    break;
                }
            }
        }
        c->pend = true;
        c->pend_code = !get && !head ? 501 : f ? 200 : 404;
        c->pend_f = c->pend_code == 200 ? f : NULL;
        c->pend_head = head;
        c->pend_keep = r.keep_alive;
        if (r.chunked) {
            c->in_chunked = true;
            memset(&c->ch, 0, sizeof c->ch);
        } else {
            c->body_left = r.content_length;
        }
    }
}

/* Reads held bytes into the parse buffer and answers requests while the
 * output bounds allow; returns the bytes read to the stack. A peer that
 * closed is closed once everything it sent has been read. */
static void pump(struct httpd *h, struct sock_id id, struct hconn *c) {
    size_t done = 0;
    process(h, id, c);
    while (c->nheld && !c->closed && !out_full(c)) {
        if (c->inlen == c->incap) {
            size_t cap = c->incap ? 2 * c->incap : IN_START;
            if (cap > HTTPD_HEAD_MAX) cap = HTTPD_HEAD_MAX;
            char *m = cap > c->incap ? stk_mem_grow(&h->alloc, c->in, c->incap, cap) : NULL;
            if (!m) { /* full at HTTPD_HEAD_MAX cannot happen: the parser
                       * answers 431 first; or out of memory */
                close_conn(h, id, c);
                break;
            }
            c->in = m;
            c->incap = cap;
        }
        const struct sock_buf *b = &c->held[0];
        size_t left = b->len - c->held_off, room = c->incap - c->inlen;
        size_t k = left < room ? left : room;
        memcpy(c->in + c->inlen, (const char *)b->ptr + c->held_off, k);
        c->inlen += k;
        c->held_off += k;
        done += k;
        if (c->held_off == b->len) {
            memmove(c->held, c->held + 1, (c->nheld - 1) * sizeof *c->held);
            c->nheld--;
            c->held_off = 0;
        }
        process(h, id, c);
    }
    if (c->closed) return;
    if (done) sock_recv_done(h->k, id, done);
    if (c->rclosed && !c->nheld && !out_full(c)) close_conn(h, id, c);
}

static void on_new_data(void *ctx, struct sock_id id, const struct sock_buf *b, unsigned n) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (!c || c->closed) return;
    if (c->nheld + n > c->held_cap) {
        unsigned cap = c->held_cap ? c->held_cap : 8;
        while (cap < c->nheld + n) cap *= 2;
        struct sock_buf *m =
            stk_mem_grow(&h->alloc, c->held, c->held_cap * sizeof *m, cap * sizeof *m);
        if (!m) {
            close_conn(h, id, c);
            return;
        }
        c->held = m;
        c->held_cap = cap;
    }
    for (unsigned i = 0; i < n; i++)
        if (b[i].len) c->held[c->nheld++] = b[i];
    pump(h, id, c);
}

static void on_data_acked(void *ctx, struct sock_id id, uint64_t count) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (!c) return;
    c->acked_partial += count;
    while (c->q && c->acked_partial >= c->q->total) {
        struct resp *r = c->q;
        c->acked_partial -= r->total;
        c->out_bytes -= r->total;
        c->out_resps--;
        c->q = r->next;
        if (!c->q) {
            c->qt = NULL;
            c->idle_since = h->now; /* waiting for the next request from now */
        }
        stk_mem_free(&h->alloc, r);
    }
    if (!c->closed && (c->nheld || c->inlen)) pump(h, id, c);
}

/* The peer sent everything: answer what is still held, then close. */
static void on_remote_closed(void *ctx, struct sock_id id) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_get(&h->conns, id);
    if (!c || c->closed) return;
    c->rclosed = true;
    pump(h, id, c);
}

static void on_cleanup(void *ctx, struct sock_id id) {
    struct httpd *h = ctx;
    struct hconn *c = connmap_del(&h->conns, id);
    if (c) conn_free(h, c);
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
            struct sock_id *m = stk_mem_grow(&h->alloc, ids, n * sizeof *ids, cap * sizeof *ids);
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
    stk_mem_free(&h->alloc, ids);
}
